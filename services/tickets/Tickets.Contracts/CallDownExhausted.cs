namespace Tickets.Contracts;

/// <summary>
/// On-call tried every contact on the client's call-down list and reached nobody (each listed contact has at least one
/// attempt, none "reached"). Published once per ticket. No after-hours work is dispatched without approval, so the
/// ticket waits for the client's business hours; notify emails the ticket's contact to say so.
/// </summary>
/// <param name="Attempts">How many attempts were made.</param>
/// <param name="WaitsUntil">When the client's business hours next begin (work starts then); null when not known.</param>
/// <param name="RecordedBy">The staff member whose attempt exhausted the list.</param>
public sealed record CallDownExhausted(
    Guid TicketId,
    Guid ClientId,
    long TicketNumber,
    string ContactEmail,
    string? ContactName,
    int Attempts,
    DateTimeOffset? WaitsUntil,
    DateTimeOffset At,
    string RecordedBy)
{
    /// <summary>Every call of the walk, oldest first (added later: empty from older publishers).</summary>
    public IReadOnlyList<CallDownCall> Calls { get; init; } = [];
}
