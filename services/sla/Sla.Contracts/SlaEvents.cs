namespace Sla.Contracts;

/// <summary>Response types the SLA clock measures.</summary>
public static class SlaTargets
{
    public const string Acknowledge = "acknowledge";
    public const string WorkBegins = "work-begins";
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
