namespace Billing.Api.Domain;

/// <summary>billing's copy of a client in tickets' directory (from ClientChanged): which calendar its hours are on.</summary>
public sealed class BillingClient
{
    public Guid ClientId { get; init; }
    public int Revision { get; set; }
    public string Name { get; set; } = "";
    public string Tier { get; set; } = "";
    /// <summary>sla's calendar id as tickets holds it (free text); null or unknown: the default calendar.</summary>
    public string? CalendarId { get; set; }
}

/// <summary>A client's approval of after-hours work on a ticket (AfterHoursWorkApproved), one row per approval.</summary>
public sealed class Approval
{
    public Guid ApprovalId { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public Guid? ApproverContactId { get; init; }
    public required string ApproverName { get; init; }
    public required string Method { get; init; }
    public decimal? QuotedRate { get; init; }
    public string? Currency { get; init; }
    public DateTimeOffset At { get; init; }
    public required string RecordedBy { get; init; }
}
