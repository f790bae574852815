namespace Tickets.Contracts;

/// <summary>A ticket exists. Published again, unchanged, if its request is delivered again.</summary>
/// <param name="Number">The human ticket number, shown as SD#Number.</param>
/// <param name="Priority">"P1".."P4".</param>
/// <param name="OpenedAt">When the request was received: the SLA clock starts here.</param>
/// <param name="TeamId">The team a routing rule gave the ticket, or null (the unassigned queue).</param>
/// <param name="TicketVersion">1: the first of the ticket's events in order (docs/adr/0023); 0 = unknown (older publisher).</param>
public sealed record TicketOpened(
    Guid TicketId,
    long Number,
    Guid ClientId,
    string ContactEmail,
    string? ContactName,
    string Channel,
    string Subject,
    string Priority,
    DateTimeOffset OpenedAt,
    Guid? TeamId = null,
    int TicketVersion = 0)
{
    /// <summary>How the client declared an emergency at the door (then <see cref="Priority"/> is P1, a candidate); null when
    /// they did not. Whether anyone is woken is the tier's decision (sla), never this flag's alone.</summary>
    public string? EmergencyDeclared { get; init; }
}
