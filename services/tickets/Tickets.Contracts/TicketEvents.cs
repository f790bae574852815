namespace Tickets.Contracts;

/// <summary>The status names carried by <see cref="TicketStatusChanged"/> (the tickets service's TicketStatus names).</summary>
public static class TicketStatuses
{
    public const string New = "New";
    public const string Acknowledged = "Acknowledged";
    public const string Scheduled = "Scheduled";
    public const string InProgress = "InProgress";
    public const string WaitingOnClient = "WaitingOnClient";
    public const string Resolved = "Resolved";
    public const string Closed = "Closed";
    public const string Reopened = "Reopened";
}

/// <summary>
/// A ticket moved from one status to another (only along the transition table, docs/adr/0012). sla pauses the clock
/// on WaitingOnClient and starts "work begins" on InProgress; billing closes on Closed; notify may tell the client.
/// </summary>
/// <param name="From">A <see cref="TicketStatuses"/> name.</param>
/// <param name="To">A <see cref="TicketStatuses"/> name.</param>
/// <param name="By">The staff member's subject, or "system:&lt;service&gt;" when a message made the change.</param>
/// <param name="Channel">How the change came in: "web" for the API, "notify" etc. for a system change.</param>
/// <param name="Reason">Free text from the person who made the change, if any.</param>
/// <param name="TicketVersion">The ticket's event version (docs/adr/0023): TicketOpened is 1 and every later event of the
/// ticket that changes it (status, priority, assignment, merge) one more, so a consumer that keeps state per ticket can
/// apply them in order. 0 = unknown (published before versions existed).</param>
public sealed record TicketStatusChanged(
    Guid TicketId,
    Guid ClientId,
    string From,
    string To,
    DateTimeOffset At,
    string By,
    string Channel,
    string? Reason = null,
    int TicketVersion = 0);

/// <summary>
/// A ticket was resolved: published with its <see cref="TicketStatusChanged"/>, for a service that needs only this one
/// change (notify mails the contact), so it is not handed every other status change of every ticket (docs/adr/0030).
/// </summary>
/// <param name="TicketVersion">As on <see cref="TicketStatusChanged"/>: the status change's version.</param>
public sealed record TicketResolved(Guid TicketId, Guid ClientId, DateTimeOffset At, int TicketVersion = 0);

/// <summary>Triage changed the priority ("P1".."P4"); sla recomputes the targets, and the ledger keeps the reason.</summary>
/// <param name="TicketVersion">As on <see cref="TicketStatusChanged"/>.</param>
public sealed record TicketPriorityChanged(
    Guid TicketId,
    Guid ClientId,
    string From,
    string To,
    string Reason,
    DateTimeOffset At,
    string By,
    string Channel,
    int TicketVersion = 0);

/// <summary>
/// Staff answered the client on the ticket. notify mails <see cref="Body"/> to the contact; the mail
/// (<c>Notify.Contracts.ReplyMailed</c>) is what sla counts as a real communication, not this post. Internal notes never
/// produce a message. A reply changes no field of the ticket, so it carries no ticket version (docs/adr/0023).
/// </summary>
/// <param name="Number">The human ticket number, for "SD#Number" in the mail's subject.</param>
public sealed record PublicReplyPosted(
    Guid ReplyId,
    Guid TicketId,
    long Number,
    Guid ClientId,
    string ContactEmail,
    string? ContactName,
    string Subject,
    string Body,
    string Author,
    DateTimeOffset At,
    string Channel);

/// <summary>
/// A time entry as it now stands: published when it is recorded and again, with a higher <see cref="Revision"/>, each
/// time it is edited. billing keeps the highest revision per <see cref="TimeEntryId"/> (later revisions replace earlier).
/// </summary>
/// <param name="Responder">Who did the work (credited with it); may differ from <see cref="RecordedBy"/>.</param>
/// <param name="WorkType">"BusinessHours", "AfterHours" or "Emergency".</param>
/// <param name="Minutes">The duration: EndedAt - StartedAt when an end was given.</param>
/// <param name="PreAuthorised">Its after-hours minutes were let through by the agreement's pre-authorisation of a P1
/// (no approval on the ticket): billing rates them as approved, at the agreement's rate.</param>
public sealed record TimeEntryRecorded(
    Guid TimeEntryId,
    Guid TicketId,
    Guid ClientId,
    string Responder,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Minutes,
    string WorkType,
    string? Note,
    int Revision,
    DateTimeOffset RecordedAt,
    string RecordedBy,
    bool PreAuthorised = false);

/// <summary>The ticket's team or technician changed (a routing rule at opening, or a dispatcher); the history keeps every one.</summary>
/// <param name="Assignee">The technician's subject, or null (the team's queue).</param>
/// <param name="TicketVersion">As on <see cref="TicketStatusChanged"/>.</param>
public sealed record TicketAssigned(
    Guid TicketId,
    Guid ClientId,
    Guid? TeamId,
    string? Assignee,
    Guid? PreviousTeamId,
    string? PreviousAssignee,
    string? Reason,
    DateTimeOffset At,
    string By,
    string Channel,
    int TicketVersion = 0);

/// <summary>
/// Staff found the ticket to be a duplicate and merged it into <see cref="SurvivorId"/> (same client). The ticket is
/// now Closed (a <see cref="TicketStatusChanged"/> to Closed is published with it); its conversation shows on the
/// survivor, and later replies to it are added to the survivor. Its time entries stay where the work was recorded.
/// </summary>
/// <param name="TicketVersion">As on <see cref="TicketStatusChanged"/> (one more than the status change to Closed).</param>
public sealed record TicketMerged(
    Guid TicketId,
    long Number,
    Guid SurvivorId,
    long SurvivorNumber,
    Guid ClientId,
    string? Reason,
    DateTimeOffset At,
    string By,
    string Channel,
    int TicketVersion = 0);
