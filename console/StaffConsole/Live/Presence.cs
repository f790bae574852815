using System.Collections.Concurrent;

namespace StaffConsole.Live;

/// <summary>One person's open ticket screen: who, and whether they are writing a reply or a note.</summary>
public sealed record Viewer(string Subject, string Name, bool Replying);

/// <summary>
/// Who has which ticket open, and who is writing on it, so two people on one ticket see each other ("Tess Ng is
/// replying"). It lives in memory beside the circuits that report to it: no service and no bus message, because each
/// ticket screen is a circuit of this app already. With several console instances behind a balancer, each knows only
/// its own circuits (docs/adr/0051).
/// </summary>
public sealed class Presence
{
    private readonly ConcurrentDictionary<Guid, ConcurrentDictionary<object, Viewer>> _tickets = new();

    /// <summary>Someone opened, left, or started or stopped writing on the ticket.</summary>
    public event Action<Guid>? Changed;

    /// <summary>The screen shows the ticket (again, or now with a reply being written).</summary>
    public void Set(Guid ticketId, object screen, Viewer viewer)
    {
        var screens = _tickets.GetOrAdd(ticketId, _ => new());
        if (screens.TryGetValue(screen, out var was) && was == viewer) return; // a keystroke more changes nothing
        screens[screen] = viewer;
        Changed?.Invoke(ticketId);
    }

    /// <summary>The screen closed or moved to another ticket.</summary>
    public void Leave(Guid ticketId, object screen)
    {
        if (!_tickets.TryGetValue(ticketId, out var screens) || !screens.TryRemove(screen, out _)) return;
        if (screens.IsEmpty) _tickets.TryRemove(new KeyValuePair<Guid, ConcurrentDictionary<object, Viewer>>(ticketId, screens));
        Changed?.Invoke(ticketId);
    }

    /// <summary>The other people on the ticket, each once (replying if they are on any of their screens).</summary>
    public IReadOnlyList<Viewer> Others(Guid ticketId, string? subject) =>
        _tickets.TryGetValue(ticketId, out var screens)
            ? [.. screens.Values.Where(v => v.Subject != subject).GroupBy(v => v.Subject)
                .Select(g => g.First() with { Replying = g.Any(v => v.Replying) }).OrderBy(v => v.Name, StringComparer.Ordinal)]
            : [];
}
