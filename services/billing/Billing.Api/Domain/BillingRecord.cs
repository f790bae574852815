namespace Billing.Api.Domain;

/// <summary>Every ticket has one from the moment it opens, so no ticket's work can go unbilled unnoticed.</summary>
public sealed class BillingRecord
{
    public Guid TicketId { get; init; }
    public long TicketNumber { get; init; }
    public Guid ClientId { get; init; }
    public DateTimeOffset OpenedAt { get; init; }

    /// <summary>The sum of the latest revision of every time entry on the ticket (kept by TimeEntryRecordedConsumer).</summary>
    public int BillableMinutes { get; set; }
}

/// <summary>The kinds of work the rates differ by (DOMAIN.md), as tickets names them in <c>TimeEntryRecorded.WorkType</c>.</summary>
public enum WorkType
{
    BusinessHours,
    AfterHours,
    Emergency,
}

/// <summary>
/// One time entry on a ticket's billing record, at the highest revision billing has seen: tickets publishes every
/// revision, and a later revision replaces an earlier one whatever order they arrive in.
/// </summary>
public sealed class TimeEntry
{
    public Guid TimeEntryId { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public int Revision { get; set; }

    /// <summary>Who did the work: the minutes are credited to them.</summary>
    public required string Responder { get; set; }

    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public int Minutes { get; set; }
    public WorkType WorkType { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public required string RecordedBy { get; set; }

    /// <summary>
    /// tickets let its after-hours minutes through on the agreement's pre-authorisation of a P1 (ADR 39): they are
    /// approved in advance, so rated as billable, not awaiting approval. False for entries recorded before tickets said so.
    /// </summary>
    public bool PreAuthorised { get; set; }

    /// <summary>Set by a person (with reason and who): the entry is not charged. Not on an invoiced entry.</summary>
    public Disposition Disposition { get; set; }
    public string? DispositionReason { get; set; }
    public string? DispositionBy { get; set; }
    public DateTimeOffset? DispositionAt { get; set; }

    /// <summary>The finalised invoice this entry is on; cleared by a credit note, which reopens it.</summary>
    public Guid? InvoiceId { get; set; }

    /// <summary>Drawn whole from block hours: on the invoice as a drawdown, covered rather than invoiced.</summary>
    public bool CoveredByBlock { get; set; }

    /// <summary>The revision its invoice shows (set when finalised, cleared by a credit note).</summary>
    public int? InvoicedRevision { get; set; }

    /// <summary>
    /// Set when tickets edits an invoiced entry's minutes, start, work type or responder: the invoice keeps what it
    /// showed, so someone must credit it (the entry is then billed as edited) or review the edit. Cleared by either.
    /// </summary>
    public DateTimeOffset? EditedAfterInvoicingAt { get; set; }
    public string? EditReviewReason { get; set; }
    public string? EditReviewedBy { get; set; }
    public DateTimeOffset? EditReviewedAt { get; set; }
}

public enum Disposition
{
    None,
    NoCharge,
    WrittenOff,
}
