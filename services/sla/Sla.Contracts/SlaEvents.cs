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
public sealed record SlaClockStarted(
    Guid TicketId,
    Guid ClientId,
    string Priority,
    DateTimeOffset StartedAt,
    DateTimeOffset AcknowledgeDueAt,
    DateTimeOffset AcknowledgeInternalDueAt,
    DateTimeOffset WorkBeginsDueAt,
    DateTimeOffset WorkBeginsInternalDueAt,
    string TimeZone);

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
    DateTimeOffset DueAt);

/// <summary>A target passed its due time unmet (the 100% escalation step).</summary>
/// <param name="Target">A <see cref="SlaTargets"/> value.</param>
/// <param name="Commitment">A <see cref="SlaCommitments"/> value.</param>
public sealed record SlaBreached(
    Guid TicketId,
    Guid ClientId,
    string Priority,
    string Target,
    string Commitment,
    DateTimeOffset DueAt);
