namespace Billing.Api.Domain;

/// <summary>Every ticket has one from the moment it opens, so no ticket's work can go unbilled unnoticed.</summary>
public sealed class BillingRecord
{
    public Guid TicketId { get; init; }
    public long TicketNumber { get; init; }
    public Guid ClientId { get; init; }
    public DateTimeOffset OpenedAt { get; init; }
    public int BillableMinutes { get; set; }
}
