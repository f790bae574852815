namespace Billing.Api.Domain;

public enum InvoiceKind
{
    Invoice,
    CreditNote,
}

public enum InvoiceStatus
{
    Draft,
    Finalised,
}

/// <summary>
/// An invoice or a credit note for one client and period. A draft is rebuilt whenever asked; finalising numbers it
/// (its series' next number, gap-free) and from then on nothing in it changes. A correction is a credit note of its own
/// series, which reopens the entries of the invoice it credits.
/// </summary>
public sealed class Invoice
{
    public Guid Id { get; init; }
    public Guid ClientId { get; init; }
    public InvoiceKind Kind { get; init; }
    public InvoiceStatus Status { get; set; }
    /// <summary>"2026-11" (a month) or "2026-Q4" (a quarter), in the client's calendar's time zone.</summary>
    public required string Period { get; init; }
    public required string Currency { get; set; }
    /// <summary>"INV-000042" or "CN-000003" once finalised.</summary>
    public string? Number { get; set; }
    public decimal Total { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinalisedAt { get; set; }
    public string? FinalisedBy { get; set; }
    /// <summary>On a credit note: the invoice it credits. On an invoice: the credit note that credited it.</summary>
    public Guid? CreditsInvoiceId { get; init; }
    public Guid? CreditedBy { get; set; }
    public string? Reason { get; init; }
    public List<InvoiceLine> Lines { get; init; } = [];
}

public enum LineKind
{
    MonthlyFee,
    Time,
    /// <summary>Minutes drawn from a block of prepaid hours: shown, not charged.</summary>
    BlockDrawdown,
}

/// <summary>One line: the monthly fee, or one side (business or after hours) of one time entry.</summary>
public sealed class InvoiceLine
{
    public Guid InvoiceId { get; init; }
    public int LineNumber { get; init; }
    public LineKind Kind { get; init; }
    public Guid? TicketId { get; init; }
    public long? TicketNumber { get; init; }
    public Guid? TimeEntryId { get; init; }
    public string? Responder { get; init; }
    public string? WorkType { get; init; }
    public string? Hours { get; init; }
    public DateOnly? WorkDate { get; init; }
    public int RawMinutes { get; init; }
    public int BilledMinutes { get; init; }
    public decimal Rate { get; init; }
    public decimal Amount { get; init; }
    public int AgreementVersion { get; init; }
    /// <summary>On a drawdown line: the block the minutes came from.</summary>
    public Guid? BlockId { get; init; }
    public required string Description { get; init; }
}

/// <summary>The next number of a series ("INV", "CN"): locked by the transaction that finalises, so numbers have no gaps.</summary>
public sealed class InvoiceSequence
{
    public required string Series { get; init; }
    public long Next { get; set; }
}
