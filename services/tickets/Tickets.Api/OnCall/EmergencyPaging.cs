using System.Security.Cryptography;

namespace Tickets.Api.OnCall;

public enum PagingState
{
    /// <summary>A page is out and its wait is running.</summary>
    Paging,

    /// <summary>Someone took it: nobody else is paged.</summary>
    Acknowledged,

    /// <summary>The chain ran its rounds unanswered (or nobody was on call): the dispatcher queue was told.</summary>
    Exhausted,
}

/// <summary>
/// The paging of one covered emergency start (docs/adr/0041, 0058): the chain primary → backup → team lead, each page
/// waiting the team's <c>PageWait</c> for an acknowledgement, repeated <c>PageRounds</c> times, then the dispatcher queue.
/// One per ticket and <see cref="StartKey"/>, so a copy of the same start pages nobody twice, while a ticket lowered and
/// raised again (a new start) gets a chain of its own.
/// </summary>
public sealed class EmergencyPaging
{
    /// <summary>The chain's id; chains stored before a ticket could have several took their ticket's id.</summary>
    public Guid Id { get; init; }

    /// <summary>What started it: "started:{clock version}:{start}" or "raised:{clock version}:{instant}"; empty on old chains.</summary>
    public string StartKey { get; init; } = "";

    /// <summary>The chain's layers in the order they are woken.</summary>
    public static readonly string[] Layers = ["primary", "backup", "lead"];

    /// <summary>How long a page's one-tap link stays valid: the length of any night.</summary>
    public static readonly TimeSpan LinkLifetime = TimeSpan.FromHours(24);

    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public Guid? TeamId { get; init; }
    public PagingState State { get; private set; } = PagingState.Paging;

    /// <summary>The pass through the chain (1-based) and the layer (index into <see cref="Layers"/>) paged last.</summary>
    public int Round { get; private set; } = 1;
    public int Step { get; private set; } = -1;

    public DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; private set; }
    public string? AcknowledgedBy { get; private set; }
    public string? AcknowledgedHow { get; private set; }
    public List<Page> Pages { get; init; } = [];

    /// <summary>The page whose wait is running; a timer for any other page is late news and changes nothing.</summary>
    public Guid? CurrentPageId { get; private set; }

    /// <summary>
    /// The next page after the current one: the next layer with someone on call (a person already woken earlier in this
    /// pass is not woken again as another layer), wrapping into the next round up to <paramref name="rounds"/>. Null when
    /// the chain is spent or nobody is on call at all.
    /// </summary>
    public Page? PageNext(OnCallNow onCall, int rounds, DateTimeOffset at, out string token)
    {
        token = "";
        if (State != PagingState.Paging) return null;
        var people = Layers.Select((_, step) => PersonAt(onCall, step)).ToArray();
        var (round, step) = (Round, Step + 1);
        for (; round <= rounds && people.Any(p => p is not null); round++, step = 0)
            for (; step < Layers.Length; step++)
                if (people[step] is { } person && Array.IndexOf(people, person) == step)
                {
                    (Round, Step) = (round, step);
                    token = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                    var page = new Page
                    {
                        Id = MassTransit.NewId.NextGuid(), PagingId = Id, TicketId = TicketId, Round = round, Layer = Layers[step], Person = person, At = at,
                        AckTokenHash = Page.Hash(token), AckExpiresAt = at + LinkLifetime,
                    };
                    Pages.Add(page);
                    CurrentPageId = page.Id;
                    return page;
                }
        return null;
    }

    /// <summary>Nobody answered: the chain stops here and the dispatcher queue takes over.</summary>
    public void Exhaust(DateTimeOffset at)
    {
        State = PagingState.Exhausted;
        CurrentPageId = null;
        EndedAt = at;
    }

    /// <summary>
    /// Someone took the emergency. The first acknowledgement counts; later ones (the backup tapping after the primary)
    /// change nothing and say so. An exhausted chain can still be taken: the dispatcher found someone.
    /// </summary>
    public bool Acknowledge(string by, string how, DateTimeOffset at)
    {
        if (State == PagingState.Acknowledged) return false;
        State = PagingState.Acknowledged;
        (AcknowledgedBy, AcknowledgedHow, EndedAt, CurrentPageId) = (by, how, at, null);
        return true;
    }

    private static string? PersonAt(OnCallNow onCall, int step) => step switch
    {
        0 => onCall.Primary,
        1 => onCall.Backup,
        _ => onCall.Lead,
    };
}

/// <summary>One page: who was woken, as which layer, and the one-tap link's secret (only its hash is kept).</summary>
public sealed class Page
{
    public Guid Id { get; init; }
    /// <summary>The chain this page belongs to.</summary>
    public Guid PagingId { get; init; }
    public Guid TicketId { get; init; }
    public int Round { get; init; }
    public required string Layer { get; init; }
    public required string Person { get; init; }
    public DateTimeOffset At { get; init; }
    public required byte[] AckTokenHash { get; init; }
    public DateTimeOffset AckExpiresAt { get; init; }

    public static byte[] Hash(string token) => SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(token));
}
