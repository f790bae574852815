namespace Sla.Api.Domain;

/// <summary>A ticket's SLA clock: when it started and when each target falls due.</summary>
public sealed class SlaClock
{
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public required string Priority { get; init; }
    public required string TimeZone { get; init; }
    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset AcknowledgeDueAt { get; init; }
    public DateTimeOffset AcknowledgeInternalDueAt { get; init; }
    public DateTimeOffset WorkBeginsDueAt { get; init; }
    public DateTimeOffset WorkBeginsInternalDueAt { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; private set; }
    public List<LedgerEntry> Ledger { get; init; } = [];

    /// <summary>Starts the clock at the moment the ticket was entered, with due times counted in business time.</summary>
    public static SlaClock Start(Guid ticketId, Guid clientId, string priority, DateTimeOffset openedAt,
        BusinessCalendar calendar, SlaPolicy policy)
    {
        var acknowledge = policy.Acknowledge;
        var workBegins = policy.WorkBegins(priority);
        var clock = new SlaClock
        {
            TicketId = ticketId,
            ClientId = clientId,
            Priority = priority,
            TimeZone = calendar.TimeZone.Id,
            StartedAt = openedAt,
            AcknowledgeDueAt = calendar.Add(openedAt, acknowledge.Contractual),
            AcknowledgeInternalDueAt = calendar.Add(openedAt, acknowledge.Internal),
            WorkBeginsDueAt = calendar.Add(openedAt, workBegins.Contractual),
            WorkBeginsInternalDueAt = calendar.Add(openedAt, workBegins.Internal),
        };
        clock.Ledger.Add(new LedgerEntry(openedAt, LedgerKind.Started, null, $"Ticket opened at {priority}."));
        return clock;
    }

    /// <summary>Records the acknowledgement once; returns false when it was already recorded.</summary>
    public bool MeetAcknowledgement(DateTimeOffset at, string cause)
    {
        if (AcknowledgedAt is not null) return false;
        AcknowledgedAt = at;
        Ledger.Add(new LedgerEntry(at, LedgerKind.Met, Sla.Contracts.SlaTargets.Acknowledge, cause));
        return true;
    }
}

public enum LedgerKind
{
    Started,
    Paused,
    Resumed,
    Met,
    Warned,
    Breached,
    Recalculated,
}

/// <summary>One immutable line of the clock ledger: what happened to the clock, when and why.</summary>
public sealed record LedgerEntry(DateTimeOffset At, LedgerKind Kind, string? Target, string Cause)
{
    public long Id { get; init; }
}
