using System.Collections.Concurrent;

namespace StaffConsole.Live;

/// <summary>"Ticket X changed (event version N)": all a screen is told. It then reads the ticket again through the API.</summary>
/// <param name="TicketVersion">The tickets service's event version (docs/adr/0023); 0 for events that carry none (sla's, replies).</param>
/// <param name="Sequence">This console's own count of changes, increasing by one with every notice, for all tickets.</param>
public sealed record TicketChanged(Guid TicketId, Guid ClientId, int TicketVersion, long Sequence, string What);

/// <summary>
/// The console's live feed (docs/adr/0044): a small in-memory projection of the ticket and SLA events this instance has
/// seen (the last event version per ticket), fed by <see cref="TicketEventsConsumer"/>, and the screens of every circuit
/// that listen to it. A notice carries no ticket data: a screen reloads what it shows with its user's own token, so the
/// services' tenant rules apply and a missed or reordered notice can only cause a reload, never stale or foreign data.
/// </summary>
public sealed class TicketFeed(ILogger<TicketFeed> logger)
{
    private readonly ConcurrentDictionary<Guid, int> _versions = new();
    private long _sequence;

    public event Action<TicketChanged>? Changed;

    /// <summary>The last event version seen of a ticket (0 when none).</summary>
    public int VersionOf(Guid ticketId) => _versions.TryGetValue(ticketId, out var version) ? version : 0;

    /// <summary>
    /// Records and announces a change. A ticket event at or below the version already seen is a redelivery or arrived
    /// after a later one: nothing new, so nobody is told (they have already reloaded past it).
    /// </summary>
    public void Publish(Guid ticketId, Guid clientId, int ticketVersion, string what)
    {
        if (ticketVersion > 0)
        {
            var known = _versions.AddOrUpdate(ticketId, ticketVersion, (_, seen) => Math.Max(seen, ticketVersion));
            if (known > ticketVersion || (known == ticketVersion && !_fresh.TryAdd((ticketId, ticketVersion), 0))) return;
        }
        var notice = new TicketChanged(ticketId, clientId, ticketVersion, Interlocked.Increment(ref _sequence), what);
        foreach (var listener in Changed?.GetInvocationList() ?? [])
        {
            try
            {
                ((Action<TicketChanged>)listener)(notice);
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "A screen failed to take the notice about ticket {TicketId}", ticketId);
            }
        }
        if (_fresh.Count > 10_000) _fresh.Clear(); // duplicates come within seconds; the table need not grow for ever
    }

    /// <summary>(ticket, version) pairs already announced: a redelivered event is not announced twice.</summary>
    private readonly ConcurrentDictionary<(Guid, int), byte> _fresh = new();
}
