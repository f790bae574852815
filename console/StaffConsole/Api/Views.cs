using System.Text.Json;

namespace StaffConsole.Api;

// What the console reads from the services' APIs: only the fields it shows (the APIs may add more; unknown ones are ignored).

public sealed record SlaView(
    DateTimeOffset? AcknowledgeDueAt,
    DateTimeOffset? AcknowledgeInternalDueAt,
    DateTimeOffset? WorkBeginsDueAt,
    DateTimeOffset? WorkBeginsInternalDueAt,
    DateTimeOffset? AcknowledgedAt,
    SlaRiskView? Risk,
    SlaBreachView? Breach,
    string State);

public sealed record SlaRiskView(string Target, int Percent, DateTimeOffset? DueAt);

public sealed record SlaBreachView(string Target, DateTimeOffset DueAt);

public sealed record QueueItem(Guid Id, long Number, string Reference, Guid ClientId, string Subject, string Status, string Priority,
    Guid? TeamId, string? Assignee, DateTimeOffset OpenedAt, uint Version, SlaView? Sla);

public sealed record QueuePage(QueueItem[] Items, string? Next);

public sealed record ContactView(string Email, string? Name);

public sealed record TicketView(Guid Id, long Number, string Reference, Guid ClientId, ContactView Contact, string Channel, string Subject,
    string Description, string Status, string Priority, Guid? TeamId, string? Assignee, DateTimeOffset OpenedAt, uint Version, SlaView Sla,
    Guid? MergedIntoId, string? EmergencyDeclared);

/// <param name="Kind">PublicReply, InternalNote or ClientMessage.</param>
/// <param name="Attachments">The files staff sent with a reply or note (a client's are intake's: <see cref="AttachmentView"/>).</param>
public sealed record MessageView(Guid Id, string Kind, string Author, string Body, DateTimeOffset At, string? Channel, AttachmentView[]? Attachments);

/// <summary>A file chosen to go with a reply or note, its bytes in base64 (as the API takes it).</summary>
public sealed record UploadFile(string FileName, string ContentType, string Content, long Size);

public sealed record TimeEntryView(Guid Id, string Responder, DateTimeOffset StartedAt, DateTimeOffset? EndedAt, int Minutes, string WorkType,
    string? Note, DateTimeOffset RecordedAt);

public sealed record AuditView(long Id, DateTimeOffset At, string Actor, string Channel, string Action, JsonElement Details);

public sealed record LedgerEntry(DateTimeOffset At, string Kind, string? Target, string? Cause);

public sealed record SlaClockView(string Tier, string Priority, string TimeZone, string Status, bool Paused, LedgerEntry[] Ledger);

public sealed record TeamView(Guid Id, string Name, string[] Members);

public sealed record ClientSummary(Guid Id, string Name);

/// <summary>A client with its contacts (tickets' client directory), for choosing who a triaged request is from.</summary>
public sealed record ClientContacts(Guid Id, string Name, ContactEntry[] Contacts);

public sealed record ContactEntry(Guid Id, string Name, string[] Emails);

public sealed record TriageItem(Guid Id, string Channel, string? SenderEmail, string? SenderPhone, string? SenderName, string? Subject, string? Reason, DateTimeOffset ReceivedAt);

/// <summary>A file of a message: kept by intake with a client's request or message, or by tickets with a staff reply or note.</summary>
public sealed record AttachmentView(Guid Id, string FileName, string ContentType, long Size);

/// <summary>An API's refusal (RFC 9457): its title, the fields it names, and for a stale edit the ticket's current version.</summary>
public sealed record Problem(int Status, string Title, string? Detail, IReadOnlyDictionary<string, string[]> Errors, uint? CurrentVersion)
{
    public bool IsStale => Status is 409 or 412 && CurrentVersion is not null;

    public string Message => Errors.Count > 0
        ? $"{Title} {string.Join(" ", Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"))}"
        : Detail is { Length: > 0 } ? $"{Title} {Detail}" : Title;
}

public sealed record Result<T>(T? Value, Problem? Problem)
{
    public bool Ok => Problem is null;
}

/// <summary>A member of staff in identity's directory: <paramref name="Id"/> is their subject.</summary>
public sealed record StaffMember(Guid Id, string Name, string Role);

public sealed record OnCallHandoff(DateTimeOffset At, string? Person);

/// <summary>Who is on call now, whether the team has a rotation per layer, and each layer's next change (tickets' on-call/next).</summary>
public sealed record OnCallNext(Guid TeamId, DateTimeOffset At, string? Primary, string? Backup, bool PrimaryRotation, bool BackupRotation,
    OnCallHandoff? NextPrimary, OnCallHandoff? NextBackup);

public sealed record PageView(Guid Id, int Round, string Layer, string Person, DateTimeOffset At, DateTimeOffset AckExpiresAt);

/// <param name="State">Paging, Acknowledged or Exhausted.</param>
/// <param name="EscalatesAt">While paging: when the current page's wait runs out and the chain moves on.</param>
public sealed record PagingView(Guid TicketId, Guid? TeamId, string State, DateTimeOffset StartedAt, DateTimeOffset? EndedAt,
    string? AcknowledgedBy, string? AcknowledgedHow, PageView[] Pages, DateTimeOffset? EscalatesAt);

public sealed record CallDownContactView(Guid ContactId, string Name, int Position, string[] Phones);

public sealed record CallDownAttemptView(Guid Id, Guid ContactId, string ContactName, string Number, string Outcome, string? Note);

/// <param name="State">walking, reached or exhausted.</param>
public sealed record CallDownView(Guid TicketId, string State, CallDownContactView[] List, CallDownAttemptView[] Attempts, CallDownContactView? Next);

public sealed record ApprovalView(Guid Id, Guid TicketId, Guid ApproverContactId, string ApproverName, bool ApproverAuthorised, string Method);

/// <summary>Billing's view of a ticket's time (billing's staff-readable route, docs/adr/0060).</summary>
public sealed record TicketTimeStates(Guid TicketId, string? Currency, TicketTimeState[] Entries, decimal Total);

/// <param name="State">Unrated, Billable, AwaitingApproval, Covered, NoCharge, WrittenOff or Invoiced.</param>
public sealed record TicketTimeState(Guid TimeEntryId, string State, string? Reason, decimal Amount, string? InvoiceNumber);

/// <summary>Unbilled time by age (billing's staff-readable report).</summary>
public sealed record UnbilledAgeing(DateTimeOffset At, AgeBucket[] Buckets);

public sealed record AgeBucket(string Label, int Entries, int Minutes, int AwaitingApproval, Dictionary<string, decimal> Amounts);
