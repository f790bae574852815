namespace Sla.Api.Domain;

/// <summary>
/// One immutable line of a ticket's clock ledger: what happened to the clock, when, and why in words. Each entry
/// also carries the data the clock needs to replay it, so due times are reproducible from the ledger alone
/// (plus the immutable calendar revision its start names): see <see cref="TicketClock.Replay"/>.
/// </summary>
public abstract record ClockEntry(DateTimeOffset At, string Cause)
{
    public abstract LedgerKind Kind { get; }
}

/// <summary>The ticket was entered at <see cref="ClockEntry.At"/>; the clock counts from <paramref name="StartsAt"/>
/// (later when the arrival was outside covered hours). The targets and steps are copied in, so later edits of the
/// policy do not rewrite history; <paramref name="Calendar"/> names the calendar revision every due time counts on,
/// so later edits of the calendar do not either (docs/adr/0019). <paramref name="ExtendedCalendar"/> names the revision of the
/// tier's extended-hours calendar the same way (docs/adr/0042); null when the tier had none.</summary>
public sealed record ClockStarted(
    DateTimeOffset At, string Cause, Guid TicketId, Guid ClientId, string Tier, Priority Priority, DateTimeOffset StartsAt,
    IReadOnlyList<SlaTarget> Targets, IReadOnlyList<int> EscalationPercents, CalendarRevision Calendar = default,
    CalendarRevision? ExtendedCalendar = null) : ClockEntry(At, Cause)
{
    public override LedgerKind Kind => LedgerKind.Started;
}

/// <summary>The clock stopped counting: the ticket waits on the client, or it was resolved.</summary>
public sealed record ClockPaused(DateTimeOffset At, string Cause, PauseReason Reason) : ClockEntry(At, Cause)
{
    public override LedgerKind Kind => LedgerKind.Paused;
}

/// <summary>The clock counts again: the client answered, or the ticket was reopened.</summary>
public sealed record ClockResumed(DateTimeOffset At, string Cause) : ClockEntry(At, Cause)
{
    public override LedgerKind Kind => LedgerKind.Resumed;
}

/// <param name="MessageId">The message that met it (an acknowledgement's or a reply's Message-ID); null when no message did.</param>
public sealed record TargetMet(DateTimeOffset At, string Cause, ResponseType Target, string? MessageId = null) : ClockEntry(At, Cause)
{
    public override LedgerKind Kind => LedgerKind.Met;
}

/// <summary>
/// The message that met <paramref name="Target"/> did not reach the client after all (a bounce, a provider's failure,
/// issue 15): the target is open again, on its original due time.
/// </summary>
public sealed record DeliveryFailed(DateTimeOffset At, string Cause, ResponseType Target, string MessageId) : ClockEntry(At, Cause)
{
    public override LedgerKind Kind => LedgerKind.DeliveryFailed;
}

/// <summary>An escalation step fell due unmet; 100% is the breach.</summary>
public sealed record EscalationReached(
    DateTimeOffset At, string Cause, ResponseType Target, Commitment Commitment, int Percent, DateTimeOffset StepDueAt,
    DateTimeOffset DueAt) : ClockEntry(At, Cause)
{
    public bool IsBreach => Percent >= 100;
    public override LedgerKind Kind => IsBreach ? LedgerKind.Breached : LedgerKind.Warned;
}

/// <summary>Priority or tier changed: open targets are recomputed from the original start (plus paused time).</summary>
/// <param name="StartsAt">Set when the change moved the clock's start: an arrival outside coverage whose clock was
/// still waiting for the next covered instant, raised (or moved) to a priority the tier covers around the clock, counts
/// from this change (docs/adr/0037), or from the next extended-hours opening when that is sooner (docs/adr/0042). Null:
/// the start stays.</param>
/// <param name="ExtendedCalendar">The extended-hours calendar revision the new targets count on from here (the tier may
/// have changed); null when the tier has none.</param>
public sealed record TargetsRecalculated(
    DateTimeOffset At, string Cause, string Tier, Priority Priority, IReadOnlyList<SlaTarget> Targets,
    DateTimeOffset? StartsAt = null, CalendarRevision? ExtendedCalendar = null) : ClockEntry(At, Cause)
{
    public override LedgerKind Kind => LedgerKind.Recalculated;
}

public enum PauseReason { WaitingOnClient, Resolved }

/// <summary>What kind of line a ledger entry is, as shown to people and stored with it.</summary>
public enum LedgerKind
{
    Started,
    Paused,
    Resumed,
    Met,
    Warned,
    Breached,
    Recalculated,
    DeliveryFailed,
}
