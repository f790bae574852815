using System.Collections.Immutable;
using MassTransit;
using Sla.Api.Domain;

namespace Sla.Api.StateMachines;

/// <summary>
/// One ticket's SLA saga as stored (table ticket_sla). <see cref="Ledger"/> is the truth: the domain's
/// <see cref="TicketClock"/> is rebuilt from it by replay for every event, so due times are always the ones the ledger
/// gives. The other columns are copies kept for queries, reconciliation and the scheduler.
/// </summary>
public sealed class TicketSlaState : SagaStateMachineInstance
{
    /// <summary>The ticket id.</summary>
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = null!;
    public Guid ClientId { get; set; }
    /// <summary>The lower-cased address the ticket was opened from (TicketOpened), for a client user's scope; "" on a clock
    /// started before sla kept it, which only staff and client admins read.</summary>
    public string ContactEmail { get; set; } = "";
    public string Tier { get; set; } = null!;
    public string Priority { get; set; } = null!;
    /// <summary>When the ticket was entered (the clock may count from a later, covered instant).</summary>
    public DateTimeOffset EnteredAt { get; set; }
    /// <summary>The clock's <see cref="ClockState"/>: Running, Paused or Stopped.</summary>
    public string Clock { get; set; } = null!;
    /// <summary>The earliest escalation step still to come; null while paused, stopped or with every target met.</summary>
    public DateTimeOffset? NextEscalationAt { get; set; }
    /// <summary>The instant the pending timer was scheduled for, so it is replaced only when that changes.</summary>
    public DateTimeOffset? EscalationScheduledAt { get; set; }
    /// <summary>The durable scheduler's token of the pending timer (one per saga).</summary>
    public Guid? EscalationToken { get; set; }
    public ImmutableList<ClockEntry> Ledger { get; set; } = [];
    /// <summary>The client's revision (sla's copy of tickets' directory) the clock's tier follows: a tier change of an
    /// older or the same revision arriving later changes nothing.</summary>
    public int ClientRevision { get; set; }

    /// <summary>
    /// The version of the last ticket event applied (docs/adr/0023): the next one applies only when it is this plus one.
    /// 0 on a clock opened by an unversioned TicketOpened: the first versioned event is applied and sets it.
    /// </summary>
    public int TicketVersion { get; set; }

    /// <summary>Ticket events that arrived before an earlier version: applied, in order, when the gap fills.</summary>
    public ImmutableList<HeldEvent> Held { get; set; } = [];

    /// <summary>Copies what queries need from the clock, which already holds the new ledger.</summary>
    public void Keep(TicketClock clock)
    {
        Ledger = clock.Ledger;
        Tier = clock.Tier;
        Priority = clock.Priority.ToString();
        Clock = clock.State.ToString();
        NextEscalationAt = clock.NextEscalations() is [var next, ..] ? next.DueAt : null;
    }
}

/// <summary>
/// A ticket event kept on the saga until the versions before it arrive, as its message type's name and its JSON (the
/// contracts' own shape), so it is applied later exactly as it came.
/// </summary>
public sealed record HeldEvent(int Version, string Type, System.Text.Json.JsonElement Message);
