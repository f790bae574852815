using MassTransit;
using Notify.Contracts;
using ServiceDesk.Platform;
using Sla.Api.Domain;
using Sla.Contracts;
using Tickets.Contracts;

namespace Sla.Api.StateMachines;

/// <summary>The durable scheduler sends this to a ticket's saga when its next escalation step falls due.</summary>
public sealed record SlaEscalationDue(Guid TicketId);

/// <summary>
/// One saga per ticket (CorrelationId = ticket id) around the domain's <see cref="TicketClock"/> (ADR 0014): each
/// event replays the clock from the stored ledger, applies one command at the event's own instant, stores the new
/// ledger, publishes what the change means (<see cref="SlaTargetMet"/>, <see cref="SlaWarning"/>,
/// <see cref="SlaBreached"/>) and keeps exactly one timer pending, for the clock's next escalation step.
/// <para>
/// Late events: the clock refuses an instant earlier than its last entry. Such an event is recorded at that last
/// instant instead (clamped), with a note in the ledger where the entry has words of its own and a warning in the
/// log: a target met a moment before a timer fired but reported after it is met late by that moment, never lost.
/// Duplicates: the inbox drops a redelivered message; a copy with a new id finds the change already made (a met
/// target stays met, a paused clock stays paused, the same priority recalculates nothing).
/// </para>
/// </summary>
public sealed class TicketSlaStateMachine : MassTransitStateMachine<TicketSlaState>
{
    private readonly ClientCalendars _calendars;
    private readonly SlaPolicySet _policies;
    private readonly ClockSettings _settings;
    private readonly string _defaultTier;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TicketSlaStateMachine(ClientCalendars calendars, SlaPolicySet policies, ClockSettings settings,
        Microsoft.Extensions.Options.IOptions<SlaOptions> options, TimeProvider time, ILogger<TicketSlaStateMachine> logger)
    {
        (_calendars, _policies, _settings, _defaultTier, _time, _logger) = (calendars, policies, settings, options.Value.DefaultTier, time, logger);

        InstanceState(x => x.CurrentState);
        Event(() => Opened, e => e.CorrelateById(m => m.Message.TicketId));
        // Anything but the opening needs the clock. Before it exists (a race with TicketOpened) the message faults and
        // the bus's retries find it; a ticket that never got a clock ends in _error, where it is visible.
        Event(() => AcknowledgementSent, e => { e.CorrelateById(m => m.Message.TicketId); e.OnMissingInstance(m => m.Fault()); });
        Event(() => ReplyPosted, e => { e.CorrelateById(m => m.Message.TicketId); e.OnMissingInstance(m => m.Fault()); });
        Event(() => StatusChanged, e => { e.CorrelateById(m => m.Message.TicketId); e.OnMissingInstance(m => m.Fault()); });
        Event(() => PriorityChanged, e => { e.CorrelateById(m => m.Message.TicketId); e.OnMissingInstance(m => m.Fault()); });
        Schedule(() => Escalation, x => x.EscalationToken, s => s.Received = e => e.CorrelateById(m => m.Message.TicketId));

        Initially(
            Rescheduled(When(Opened)
                .ThenAsync(StartAsync)
                .TransitionTo(Open)));

        During(Open,
            Ignore(Opened), // a copy with a new id: the clock started once, and SlaClockStarted left with it (outbox)
            Rescheduled(When(AcknowledgementSent).ThenAsync(c => ChangeAsync(c, c.Message.SentAt, (clock, at, note) =>
                clock.Communicate(Communication.AcknowledgementSent, at, $"{c.Message.Medium} to {c.Message.Recipient}{note}")))),
            Rescheduled(When(ReplyPosted).ThenAsync(c => ChangeAsync(c, c.Message.At, (clock, at, note) =>
                clock.Communicate(Communication.PublicReply, at, $"{c.Message.Author} wrote to {c.Message.ContactEmail}{note}")))),
            Rescheduled(When(StatusChanged).ThenAsync(ChangeStatusAsync)),
            Rescheduled(When(PriorityChanged).ThenAsync(ChangePriorityAsync)),
            Rescheduled(When(Escalation.Received).ThenAsync(EscalateAsync)));
    }

    public State Open { get; private set; } = null!;
    public Event<TicketOpened> Opened { get; private set; } = null!;
    public Event<AcknowledgementSent> AcknowledgementSent { get; private set; } = null!;
    public Event<PublicReplyPosted> ReplyPosted { get; private set; } = null!;
    public Event<TicketStatusChanged> StatusChanged { get; private set; } = null!;
    public Event<TicketPriorityChanged> PriorityChanged { get; private set; } = null!;
    public Schedule<TicketSlaState, SlaEscalationDue> Escalation { get; private set; } = null!;

    private async Task StartAsync(BehaviorContext<TicketSlaState, TicketOpened> context)
    {
        var ticket = context.Message;
        Telemetry.TagTicket(ticket.TicketId, ticket.ClientId, ticket.Priority);
        var clock = TicketClock.Start(ticket.TicketId, ticket.ClientId, _policies.For(_defaultTier), Priorities.Parse(ticket.Priority),
            ticket.OpenedAt, _calendars, _settings);
        context.Saga.ClientId = ticket.ClientId;
        context.Saga.EnteredAt = ticket.OpenedAt;
        context.Saga.Keep(clock);

        DateTimeOffset Due(ResponseType type, Commitment commitment) => clock.DueAt(type, commitment)!.Value;
        await context.Publish(new SlaClockStarted(ticket.TicketId, ticket.ClientId, ticket.Priority, ticket.OpenedAt,
            Due(ResponseType.Acknowledge, Commitment.Contractual), Due(ResponseType.Acknowledge, Commitment.Internal),
            Due(ResponseType.WorkBegins, Commitment.Contractual), Due(ResponseType.WorkBegins, Commitment.Internal),
            _calendars.BusinessHours.TimeZone.Id));
    }

    private Task ChangeStatusAsync(BehaviorContext<TicketSlaState, TicketStatusChanged> context)
    {
        var changed = context.Message;
        if (!Enum.TryParse<TicketStatus>(changed.To, ignoreCase: false, out var status))
        {
            // A status this version does not know cannot be one that pauses or meets anything here.
            _logger.LogWarning("Ticket {TicketId}: unknown status {Status} ignored by the SLA clock", changed.TicketId, changed.To);
            return Task.CompletedTask;
        }
        return ChangeAsync(context, changed.At, (clock, at, _) => clock.ChangeStatus(status, at));
    }

    private Task ChangePriorityAsync(BehaviorContext<TicketSlaState, TicketPriorityChanged> context)
    {
        var changed = context.Message;
        var priority = Priorities.Parse(changed.To);
        if (priority.ToString() == context.Saga.Priority) return Task.CompletedTask; // nothing to recompute (e.g. a copy)
        var reason = string.IsNullOrWhiteSpace(changed.Reason) ? "no reason given" : changed.Reason.Trim();
        return ChangeAsync(context, changed.At, (clock, at, note) =>
            clock.Recalculate(_policies.For(clock.Tier), priority, at, $"{reason} (by {changed.By}){note}"));
    }

    /// <summary>The timer fired: announce every step now due, then the saga schedules the following one.</summary>
    private async Task EscalateAsync(BehaviorContext<TicketSlaState, SlaEscalationDue> context)
    {
        // This timer is spent: whatever comes next gets a new one (and nothing is cancelled in its name).
        context.Saga.EscalationToken = null;
        context.Saga.EscalationScheduledAt = null;
        var clock = Replay(context.Saga);
        var now = _time.GetUtcNow();
        var result = clock.Escalate(now > clock.Ledger[^1].At ? now : clock.Ledger[^1].At);
        foreach (var warning in result.Warnings) await context.Publish(warning);
        foreach (var breach in result.Breaches) await context.Publish(breach);
        context.Saga.Keep(result.Clock);
    }

    /// <summary>
    /// Applies one command at the event's instant, or at the ledger's last instant when the event is older (see the
    /// class remarks); <c>note</c> is text for the entry's cause saying so, empty when in order.
    /// </summary>
    private async Task ChangeAsync<T>(BehaviorContext<TicketSlaState, T> context, DateTimeOffset reportedAt,
        Func<TicketClock, DateTimeOffset, string, TicketClock> change) where T : class
    {
        var clock = Replay(context.Saga);
        var last = clock.Ledger[^1].At;
        var at = reportedAt;
        var note = "";
        if (reportedAt < last)
        {
            _logger.LogWarning("Ticket {TicketId}: {Event} for {ReportedAt:O} arrived after the ledger entry at {LastAt:O}; recorded at {LastAt:O}",
                context.Saga.CorrelationId, typeof(T).Name, reportedAt, last, last);
            at = last;
            note = $" (happened at {reportedAt:u}, reported after later entries)";
        }
        var changed = change(clock, at, note);
        foreach (var met in changed.Ledger.Skip(clock.Ledger.Count).OfType<TargetMet>())
        {
            var dueAt = changed.DueAt(met.Target, Commitment.Contractual)!.Value;
            var internalDueAt = changed.DueAt(met.Target, Commitment.Internal)!.Value;
            await context.Publish(new SlaTargetMet(changed.TicketId, TierPolicy.Name(met.Target), met.At, dueAt,
                MetContractual: met.At <= dueAt, MetInternal: met.At <= internalDueAt));
        }
        context.Saga.Keep(changed);
    }

    private TicketClock Replay(TicketSlaState saga) => TicketClock.Replay(saga.Ledger, _calendars, _settings);

    /// <summary>
    /// After a change: one timer for the clock's next escalation step. It is replaced only when that instant moved,
    /// and cancelled when nothing can fall due (paused, stopped, every target met).
    /// </summary>
    private EventActivityBinder<TicketSlaState, T> Rescheduled<T>(EventActivityBinder<TicketSlaState, T> binder) where T : class =>
        binder
            .If(c => c.Saga.NextEscalationAt is null && c.Saga.EscalationToken is not null,
                none => none.Unschedule(Escalation).Then(c => c.Saga.EscalationScheduledAt = null))
            .If(c => c.Saga.NextEscalationAt is { } next && (next != c.Saga.EscalationScheduledAt || c.Saga.EscalationToken is null),
                moved => moved
                    .Schedule(Escalation, c => new SlaEscalationDue(c.Saga.CorrelationId), c => c.Saga.NextEscalationAt!.Value.UtcDateTime)
                    .Then(c => c.Saga.EscalationScheduledAt = c.Saga.NextEscalationAt));
}
