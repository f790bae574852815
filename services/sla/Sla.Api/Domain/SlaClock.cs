namespace Sla.Api.Domain;

/// <summary>A ticket's SLA clock as stored: when the ticket was entered and when each target falls due.</summary>
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

    /// <summary>
    /// Starts the clock for a ticket entered at <paramref name="openedAt"/>, with due times from the pure
    /// <see cref="TicketClock"/>. <see cref="StartedAt"/> stays the entry instant (reconciliation reads it that way);
    /// an arrival outside covered hours is counted from the next open instant by the due times themselves.
    /// </summary>
    public static SlaClock Start(Guid ticketId, Guid clientId, string priority, DateTimeOffset openedAt,
        ClientCalendars calendars, TierPolicy tier)
    {
        var clock = TicketClock.Start(ticketId, clientId, tier, Priorities.Parse(priority), openedAt, calendars, ClockSettings.Default);
        DateTimeOffset Due(ResponseType type, Commitment commitment) => clock.DueAt(type, commitment)!.Value;
        return new SlaClock
        {
            TicketId = ticketId,
            ClientId = clientId,
            Priority = priority,
            TimeZone = calendars.BusinessHours.TimeZone.Id,
            StartedAt = openedAt,
            AcknowledgeDueAt = Due(ResponseType.Acknowledge, Commitment.Contractual),
            AcknowledgeInternalDueAt = Due(ResponseType.Acknowledge, Commitment.Internal),
            WorkBeginsDueAt = Due(ResponseType.WorkBegins, Commitment.Contractual),
            WorkBeginsInternalDueAt = Due(ResponseType.WorkBegins, Commitment.Internal),
            Ledger = [new LedgerEntry(openedAt, LedgerKind.Started, null, clock.Ledger[0].Cause)],
        };
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
