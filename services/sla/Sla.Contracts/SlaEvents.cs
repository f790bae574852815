namespace Sla.Contracts;

/// <summary>Response types the SLA clock measures.</summary>
public static class SlaTargets
{
    public const string Acknowledge = "acknowledge";
    public const string WorkBegins = "work-begins";
    public const string Resolution = "resolution";
}

/// <summary>Which due time an escalation is about: the one promised to the client, or the stricter internal one.</summary>
public static class SlaCommitments
{
    public const string Contractual = "contractual";
    public const string Internal = "internal";
}

/// <summary>A ticket's SLA clock runs; the due times are contractual, the internal ones stricter.</summary>
/// <param name="TimeZone">IANA id of the business calendar, for telling the client local times.</param>
/// <param name="ClockVersion">The clock's version (its ledger's length) these due times are from; later ones come in
/// <see cref="SlaDueTimesChanged"/> with higher versions. 0 = unknown (an older publisher).</param>
public sealed record SlaClockStarted(
    Guid TicketId,
    Guid ClientId,
    string Priority,
    DateTimeOffset StartedAt,
    DateTimeOffset AcknowledgeDueAt,
    DateTimeOffset AcknowledgeInternalDueAt,
    DateTimeOffset WorkBeginsDueAt,
    DateTimeOffset WorkBeginsInternalDueAt,
    string TimeZone,
    int ClockVersion = 0)
{
    /// <summary>When the clock counts from: <see cref="StartedAt"/> (the entry), or the next covered instant when the
    /// client's tier does not cover this priority at that hour. Then the client is told this time and that nobody is
    /// being woken. Null from an older publisher: the entry.</summary>
    public DateTimeOffset? CountsFrom { get; init; }

    /// <summary>A P1 the tier covers, entered outside business hours: the on-call person is woken (docs/adr/0037).</summary>
    public bool PagesOnCall { get; init; }

    /// <summary>The arrival is outside the hours the tier covers for this priority: the clock waits for <see cref="CountsFrom"/>.</summary>
    public bool OutsideCoverage => CountsFrom is { } from && from > StartedAt;

    /// <summary>
    /// The ticket as tickets opened it, so that the acknowledgement this start sets off needs no other message (notify
    /// learns of a ticket here, docs/adr/0068). Null from an older publisher.
    /// </summary>
    public OpenedTicket? Ticket { get; init; }
}

/// <summary>What the client's acknowledgement and later messages are written with, copied from the ticket's TicketOpened.</summary>
/// <param name="ContactEmail">Who asked; the acknowledgement goes to them.</param>
/// <param name="Channel">The channel the request came in by ("email", "sms", "phone", ...): the acknowledgement answers on it too.</param>
/// <param name="TeamId">The team routing chose; staff alerts go to it.</param>
public sealed record OpenedTicket(long Number, string ContactEmail, string? ContactName, string Channel, string Subject, Guid? TeamId);

/// <summary>
/// A ticket's clock paused, resumed or was recalculated (priority or tier), so its due times changed; tickets keeps the
/// copy it shows, and anything showing countdowns follows this. A due time is null while a pause suspends it, or when
/// the tier has no such target. The clock's later changes have higher <paramref name="ClockVersion"/>s: keep the
/// highest, since copies may arrive in any order.
/// </summary>
/// <param name="Clock">"Running", "Paused" or "Stopped" (resolved or closed).</param>
/// <param name="At">The change's instant on the clock.</param>
/// <param name="ClockVersion">The clock's ledger length after the change: higher is newer.</param>
public sealed record SlaDueTimesChanged(
    Guid TicketId,
    Guid ClientId,
    string Clock,
    string Priority,
    DateTimeOffset? AcknowledgeDueAt,
    DateTimeOffset? AcknowledgeInternalDueAt,
    DateTimeOffset? WorkBeginsDueAt,
    DateTimeOffset? WorkBeginsInternalDueAt,
    DateTimeOffset? ResolutionDueAt,
    DateTimeOffset? ResolutionInternalDueAt,
    DateTimeOffset At,
    int ClockVersion)
{
    /// <summary>
    /// The priority was raised to a P1 the tier covers, outside business hours: the on-call person is woken, as for a
    /// P1 that arrived so (<see cref="SlaClockStarted.PagesOnCall"/>, docs/adr/0046). False for every other change.
    /// </summary>
    public bool PagesOnCall { get; init; }
}

/// <summary>A target was met (<see cref="SlaTargets"/>), on time or late against each of its due times.</summary>
public sealed record SlaTargetMet(
    Guid TicketId,
    string Target,
    DateTimeOffset MetAt,
    DateTimeOffset DueAt,
    bool MetContractual,
    bool MetInternal);

/// <summary>
/// An escalation step of a target fell due before the target was met: <paramref name="Percent"/> of its budget is
/// used (e.g. 50, 75, 90). Raised once per step; when several fall due together only the highest is raised.
/// </summary>
/// <param name="Target">A <see cref="SlaTargets"/> value.</param>
/// <param name="Commitment">A <see cref="SlaCommitments"/> value.</param>
/// <param name="StepDueAt">When this step fell due.</param>
/// <param name="DueAt">When the target itself falls due (100%).</param>
public sealed record SlaWarning(
    Guid TicketId,
    Guid ClientId,
    string Priority,
    string Target,
    string Commitment,
    int Percent,
    DateTimeOffset StepDueAt,
    DateTimeOffset DueAt)
{
    /// <summary>
    /// The client's business hours were closed when this was raised: notify then tells only the person on call for a
    /// covered emergency, nobody off duty (DOMAIN.md: nobody is emailed at 3 am).
    /// </summary>
    public bool AfterHours { get; init; }
}

/// <summary>A target passed its due time unmet (the 100% escalation step).</summary>
/// <param name="Target">A <see cref="SlaTargets"/> value.</param>
/// <param name="Commitment">A <see cref="SlaCommitments"/> value.</param>
public sealed record SlaBreached(
    Guid TicketId,
    Guid ClientId,
    string Priority,
    string Target,
    string Commitment,
    DateTimeOffset DueAt)
{
    /// <summary>
    /// The client's business hours were closed when this was raised: notify then tells only the person on call for a
    /// covered emergency, nobody off duty (DOMAIN.md: nobody is emailed at 3 am).
    /// </summary>
    public bool AfterHours { get; init; }
}
