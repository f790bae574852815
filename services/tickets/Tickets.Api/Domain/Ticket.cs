namespace Tickets.Api.Domain;

public enum TicketStatus
{
    New,
    Acknowledged,
    Scheduled,
    InProgress,
    WaitingOnClient,
    Resolved,
    Closed,
    Reopened,
}

public sealed class Ticket
{
    public static readonly string[] Priorities = ["P1", "P2", "P3", "P4"];

    /// <summary>The id of the request that opened the ticket.</summary>
    public Guid Id { get; init; }

    /// <summary>Assigned by a database sequence; shown to people as SD#Number.</summary>
    public long Number { get; init; }

    public Guid ClientId { get; init; }
    public required string ContactEmail { get; init; }
    public string? ContactName { get; init; }
    public required string Channel { get; init; }
    public required string Subject { get; init; }
    public required string Description { get; init; }
    /// <summary>Changed only through <see cref="TryMoveTo"/>, so the transition table cannot be bypassed.</summary>
    public TicketStatus Status { get; private set; }
    public required string Priority { get; set; }
    public string? PriorityHint { get; init; }

    /// <summary>
    /// How the client declared an emergency at the door, if they did: the ticket opened as a P1 candidate, and the
    /// client's tier, not a person, decides whether anyone is woken (docs/adr/0037). Triage may still lower it.
    /// </summary>
    public string? EmergencyDeclared { get; init; }

    public DateTimeOffset OpenedAt { get; init; }

    /// <summary>The team whose queue holds the ticket; null is the unassigned (dispatch) queue.</summary>
    public Guid? TeamId { get; set; }

    /// <summary>The technician working it (their token's subject); null while it waits in its team's queue.</summary>
    public string? Assignee { get; set; }

    /// <summary>
    /// The version callers see and send back with every change; a change from an older one is refused (409,
    /// docs/adr/0012). It moves only when a person changes the ticket (<see cref="ChangedByPerson"/>): a status,
    /// priority, assignment or merge through the API, or a client's message that moves the status. The bookkeeping
    /// consumers write (sla's due times, risk and breach, notify's acknowledgement) leaves it alone, so nobody's
    /// edit is refused for a change no person made. A concurrency token: the UPDATE is conditional on it.
    /// </summary>
    public uint Version { get; private set; } = 1;

    /// <summary>A person's change is being saved: the next read shows a new version, and older ones are refused.</summary>
    public void ChangedByPerson() => Version++;

    /// <summary>
    /// The version of the last event this ticket published (docs/adr/0023): TicketOpened is 1, and each later event that
    /// changes the ticket takes <see cref="NextEventVersion"/> in the transaction that stores the change and the event
    /// (outbox), so consumers can apply a ticket's events in order although they may arrive in any. Not <see cref="Version"/>:
    /// notify's acknowledgement publishes an event but is no person's change; consumers need a gapless counter. Tickets older than
    /// the counter start at 0.
    /// </summary>
    public int EventVersion { get; private set; } = 1;

    /// <summary>The version for an event about to be published with this change.</summary>
    public int NextEventVersion() => ++EventVersion;

    /// <summary>
    /// The ticket this one was merged into (docs/adr/0021-merging-tickets.md). Never a ticket that is itself merged:
    /// merging the survivor later moves these pointers on, so a reply is routed by following one pointer at most.
    /// </summary>
    public Guid? MergedIntoId { get; private set; }

    /// <summary>sla's view of the ticket, copied from its events so one read shows the whole ticket.</summary>
    public SlaSnapshot Sla { get; init; } = new();

    /// <summary>Moves along the transition table; false (and no change) when the table does not allow it.</summary>
    public bool TryMoveTo(TicketStatus to)
    {
        if (!TicketLifecycle.CanMove(Status, to)) return false;
        Status = to;
        return true;
    }

    /// <summary>
    /// Closes this ticket as a duplicate of <paramref name="survivor"/>. Not a step of the transition table: a duplicate
    /// is closed from whatever open status it is in, and only this way can a ticket reach Closed unresolved.
    /// </summary>
    public void MergeInto(Ticket survivor)
    {
        if (Status == TicketStatus.Closed || survivor.Status == TicketStatus.Closed || survivor.Id == Id || survivor.ClientId != ClientId)
            throw new InvalidOperationException($"Ticket {Id} cannot be merged into {survivor.Id}.");
        MergedIntoId = survivor.Id;
        Status = TicketStatus.Closed;
    }
}

public sealed class SlaSnapshot
{
    /// <summary>
    /// The clock's state as sla last announced it (Running, Paused, Stopped); null until sla has started the clock,
    /// which the API shows as "starting" (the clock exists a moment after the ticket).
    /// </summary>
    public string? Clock { get; set; }

    /// <summary>
    /// The clock version (sla's ledger length) the due times below come from: a copy from an older version arriving
    /// late changes nothing (SlaDueTimesChanged, docs/adr/0023).
    /// </summary>
    public int ClockVersion { get; set; }

    public DateTimeOffset? AcknowledgeDueAt { get; set; }
    public DateTimeOffset? AcknowledgeInternalDueAt { get; set; }
    public DateTimeOffset? WorkBeginsDueAt { get; set; }
    public DateTimeOffset? WorkBeginsInternalDueAt { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }

    /// <summary>
    /// The highest escalation step sla warned of for <see cref="RiskTarget"/> (50, 75, 90 % of its budget used); null
    /// once that target is met or while nothing is at risk. The "at-risk" queue view lists these.
    /// </summary>
    public int? RiskPercent { get; set; }

    public string? RiskTarget { get; set; }
    public DateTimeOffset? RiskDueAt { get; set; }

    /// <summary>When a target was first missed (sla's breach); stays set: the "breached" view lists these.</summary>
    public DateTimeOffset? BreachedAt { get; set; }

    public string? BreachedTarget { get; set; }
}

/// <summary>
/// Which status may follow which (docs/adr/0012-ticket-lifecycle.md explains the choices). Closed is final: a client
/// who writes again after closing opens a new ticket, so a closed ticket's SLA figures and invoice never change.
/// </summary>
public static class TicketLifecycle
{
    private static readonly TicketStatus[] Working = [TicketStatus.Scheduled, TicketStatus.InProgress, TicketStatus.WaitingOnClient, TicketStatus.Resolved];

    public static readonly IReadOnlyDictionary<TicketStatus, TicketStatus[]> Transitions = new Dictionary<TicketStatus, TicketStatus[]>
    {
        [TicketStatus.New] = [TicketStatus.Acknowledged, .. Working],
        [TicketStatus.Acknowledged] = Working,
        [TicketStatus.Scheduled] = [TicketStatus.InProgress, TicketStatus.WaitingOnClient, TicketStatus.Resolved],
        [TicketStatus.InProgress] = [TicketStatus.Scheduled, TicketStatus.WaitingOnClient, TicketStatus.Resolved],
        [TicketStatus.WaitingOnClient] = [TicketStatus.Scheduled, TicketStatus.InProgress, TicketStatus.Resolved],
        [TicketStatus.Resolved] = [TicketStatus.Closed, TicketStatus.Reopened],
        [TicketStatus.Closed] = [],
        [TicketStatus.Reopened] = Working,
    };

    /// <summary>Statuses a queue shows by default: everything not finished.</summary>
    public static readonly TicketStatus[] Open =
        [TicketStatus.New, TicketStatus.Acknowledged, TicketStatus.Scheduled, TicketStatus.InProgress, TicketStatus.WaitingOnClient, TicketStatus.Reopened];

    public static bool CanMove(TicketStatus from, TicketStatus to) => Transitions[from].Contains(to);
}
