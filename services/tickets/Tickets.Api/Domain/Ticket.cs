namespace Tickets.Api.Domain;

public enum TicketStatus
{
    New,
    Acknowledged,
    Scheduled,
    InProgress,
    WaitingOnClient,
    Resolved,
    Closed,
    Reopened,
}

public sealed class Ticket
{
    /// <summary>The id of the request that opened the ticket.</summary>
    public Guid Id { get; init; }

    /// <summary>Assigned by a database sequence; shown to people as SD#Number.</summary>
    public long Number { get; init; }

    public Guid ClientId { get; init; }
    public required string ContactEmail { get; init; }
    public string? ContactName { get; init; }
    public required string Channel { get; init; }
    public required string Subject { get; init; }
    public required string Description { get; init; }
    public TicketStatus Status { get; set; }
    public required string Priority { get; set; }
    public string? PriorityHint { get; init; }
    public DateTimeOffset OpenedAt { get; init; }

    /// <summary>sla's view of the ticket, copied from its events so one read shows the whole ticket.</summary>
    public SlaSnapshot Sla { get; init; } = new();

    public void Acknowledge()
    {
        if (Status == TicketStatus.New) Status = TicketStatus.Acknowledged;
    }
}

public sealed class SlaSnapshot
{
    public DateTimeOffset? AcknowledgeDueAt { get; set; }
    public DateTimeOffset? AcknowledgeInternalDueAt { get; set; }
    public DateTimeOffset? WorkBeginsDueAt { get; set; }
    public DateTimeOffset? WorkBeginsInternalDueAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
}
