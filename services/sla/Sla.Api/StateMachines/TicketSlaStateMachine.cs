using System.Text.Json;
using MassTransit;
using Notify.Contracts;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;
using Sla.Api.Reports;
using Sla.Contracts;
using Tickets.Contracts;

namespace Sla.Api.StateMachines;

/// <summary>The durable scheduler sends this to a ticket's saga when its next escalation step falls due.</summary>
public sealed record SlaEscalationDue(Guid TicketId);

/// <summary>
/// sla's ClientChangedConsumer tells each open clock of a client that the client's tier (at that client revision) is
/// <paramref name="Tier"/>, correlated by ticket id, so the saga's row lock orders it with the ticket's other events.
/// </summary>
/// <param name="Tier">The tier's name as tickets has it (it may be unknown to sla: the default then applies).</param>
public sealed record ClientTierChanged(Guid TicketId, Guid ClientId, int ClientRevision, string Tier, DateTimeOffset At, string By);

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
/// <para>
/// Order (docs/adr/0023): the ticket's events carry its version and are applied in that order, whatever order they
/// arrive in. The next version is applied (then any held ones it unblocks), a later one is held on the saga's row until
/// the gap fills, a version already applied is dropped. Assignments and merges change nothing on the clock but are
/// consumed for their versions, so the sequence sla sees has no gaps. Unversioned events (0) apply as they arrive.
/// </para>
/// </summary>
public sealed class TicketSlaStateMachine : MassTransitStateMachine<TicketSlaState>
{
    private readonly PolicyCatalog _catalog;
    private readonly ClockSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public TicketSlaStateMachine(PolicyCatalog catalog, ClockSettings settings, TimeProvider time, ILogger<TicketSlaStateMachine> logger)
    {
        (_catalog, _settings, _time, _logger) = (catalog, settings, time, logger);

        InstanceState(x => x.CurrentState);
        Event(() => Opened, e => e.CorrelateById(m => m.Message.TicketId));
        // Anything but the opening needs the clock. Before it exists (a race with TicketOpened) the message faults and
        // the bus's retries wait for it (docs/adr/0067); a ticket that never got a clock ends in _error, where it is visible.
        // The acknowledgement answers SlaClockStarted, which sla publishes once the clock exists: without one it can
        // only be wrong, and goes to _error after the quick retries.
        Event(() => AcknowledgementSent, e => { e.CorrelateById(m => m.Message.TicketId); e.OnMissingInstance(m => m.Fault()); });
        Event(() => ReplyMailed, e => WaitsForClock(e, m => m.TicketId));
        // A failure is news only about a message sla counted, which needs a clock: none, nothing to undo.
        Event(() => CommunicationFailed, e => { e.CorrelateById(m => m.Message.TicketId); e.OnMissingInstance(m => m.Discard()); });
        Event(() => StatusChanged, e => WaitsForClock(e, m => m.TicketId));
        Event(() => PriorityChanged, e => WaitsForClock(e, m => m.TicketId));
        Event(() => Assigned, e => WaitsForClock(e, m => m.TicketId));
        Event(() => Merged, e => WaitsForClock(e, m => m.TicketId));
        // Sent only for clocks that exist (the consumer lists them), so a missing one cannot happen; nothing to do if it did.
        Event(() => TierChanged, e => { e.CorrelateById(m => m.Message.TicketId); e.OnMissingInstance(m => m.Discard()); });
        Schedule(() => Escalation, x => x.EscalationToken, s => s.Received = e => e.CorrelateById(m => m.Message.TicketId));

        Initially(
            Rescheduled(When(Opened)
                .ThenAsync(StartAsync)
                .TransitionTo(Open)));

        During(Open,
            Ignore(Opened), // a copy with a new id: the clock started once, and SlaClockStarted left with it (outbox)
            Rescheduled(When(AcknowledgementSent).ThenAsync(c => ChangeAsync(c, nameof(AcknowledgementSent), c.Message.SentAt, (clock, at, note) =>
                Task.FromResult(clock.Communicate(Communication.AcknowledgementSent, at, $"{c.Message.Medium} to {c.Message.Recipient}{note}",
                    c.Message.MessageId))))),
            // A reply counts when it was mailed, as the acknowledgement does (DOMAIN.md: when it reached the provider).
            Rescheduled(When(ReplyMailed).ThenAsync(c => ChangeAsync(c, nameof(ReplyMailed), c.Message.SentAt, (clock, at, note) =>
                Task.FromResult(clock.Communicate(Communication.PublicReply, at, $"reply mailed to {c.Message.Recipient}{note}", c.Message.MessageId))))),
            // The message that met a target bounced or failed (issue 15): the target is at risk again; notify tells staff.
            Rescheduled(When(CommunicationFailed).ThenAsync(c => ChangeAsync(c, nameof(CommunicationFailed), c.Message.FailedAt, (clock, at, note) =>
                Task.FromResult(clock.CommunicationFailed(c.Message.MessageId, at,
                    $"{c.Message.Kind} by {c.Message.Channel} to {c.Message.Recipient} {c.Message.State}: {c.Message.Reason}{note}"))))),
            Rescheduled(When(StatusChanged).ThenAsync(c => InOrderAsync(c, c.Message.TicketVersion, c.Message))),
            Rescheduled(When(PriorityChanged).ThenAsync(c => InOrderAsync(c, c.Message.TicketVersion, c.Message))),
            Rescheduled(When(Assigned).ThenAsync(c => InOrderAsync(c, c.Message.TicketVersion, c.Message))),
            Rescheduled(When(Merged).ThenAsync(c => InOrderAsync(c, c.Message.TicketVersion, c.Message))),
            Rescheduled(When(TierChanged).ThenAsync(ChangeTierAsync)),
            Rescheduled(When(Escalation.Received).ThenAsync(EscalateAsync)));
    }

    public State Open { get; private set; } = null!;
    public Event<TicketOpened> Opened { get; private set; } = null!;
    public Event<AcknowledgementSent> AcknowledgementSent { get; private set; } = null!;
    public Event<ReplyMailed> ReplyMailed { get; private set; } = null!;
    public Event<CommunicationFailed> CommunicationFailed { get; private set; } = null!;
    public Event<TicketStatusChanged> StatusChanged { get; private set; } = null!;
    public Event<TicketPriorityChanged> PriorityChanged { get; private set; } = null!;
    public Event<TicketAssigned> Assigned { get; private set; } = null!;
    public Event<TicketMerged> Merged { get; private set; } = null!;
    public Event<ClientTierChanged> TierChanged { get; private set; } = null!;
    public Schedule<TicketSlaState, SlaEscalationDue> Escalation { get; private set; } = null!;

    /// <summary>
    /// Starts the clock on the client's tier and current calendar revision (sla's copy of the directory; the defaults
    /// when it has none or names one sla does not know, said in the start entry and the log).
    /// </summary>
    private async Task StartAsync(BehaviorContext<TicketSlaState, TicketOpened> context)
    {
        var ticket = context.Message;
        Telemetry.TagTicket(ticket.TicketId, ticket.ClientId, ticket.Priority);
        var db = Db(context);
        await ClientLocks.ShareAsync(db, ticket.ClientId, context.CancellationToken);
        var terms = await _catalog.ForClientAsync(db, ticket.ClientId, context.CancellationToken);
        if (terms.Note is { } note)
            _logger.LogWarning("Ticket {TicketId} of client {ClientId}: {Note}", ticket.TicketId, ticket.ClientId, note);
        var priority = Priorities.Parse(ticket.Priority);
        var clock = TicketClock.Start(ticket.TicketId, ticket.ClientId, terms.Tier, priority, ticket.OpenedAt, terms.Calendars, _settings, terms.Note);
        context.Saga.ClientId = ticket.ClientId;
        context.Saga.ContactEmail = ticket.ContactEmail?.ToLowerInvariant() ?? ""; // a phone ticket may arrive without an address
        context.Saga.EnteredAt = ticket.OpenedAt;
        context.Saga.ClientRevision = terms.ClientRevision;
        context.Saga.TicketVersion = ticket.TicketVersion;
        context.Saga.Keep(clock);
        await ReportProjection.AssignedAsync(db, ticket.TicketId, ticket.TeamId, ticket.OpenedAt, ticket.TicketVersion, context.CancellationToken);

        DateTimeOffset Due(ResponseType type, Commitment commitment) => clock.DueAt(type, commitment)!.Value;
        await context.Publish(new SlaClockStarted(ticket.TicketId, ticket.ClientId, ticket.Priority, ticket.OpenedAt,
            Due(ResponseType.Acknowledge, Commitment.Contractual), Due(ResponseType.Acknowledge, Commitment.Internal),
            Due(ResponseType.WorkBegins, Commitment.Contractual), Due(ResponseType.WorkBegins, Commitment.Internal),
            terms.Calendars.BusinessHours.TimeZone.Id, clock.Ledger.Count)
        {
            CountsFrom = clock.StartedAt,
            PagesOnCall = clock.PagesOnCall,
            Ticket = new OpenedTicket(ticket.Number, ticket.ContactEmail ?? "", ticket.ContactName, ticket.Channel, ticket.Subject, ticket.TeamId),
        });
    }

    /// <summary>
    /// Applies a ticket event in the ticket's version order (class remarks): the next version now, with the held ones
    /// it unblocks; a later one is held; an applied one is dropped.
    /// </summary>
    private async Task InOrderAsync(BehaviorContext<TicketSlaState> context, int version, object message)
    {
        var saga = context.Saga;
        if (version == 0 || saga.TicketVersion == 0)
        {
            // Unversioned (an older publisher), or a clock opened before versions: arrival order is all there is.
            await ApplyAsync(context, message);
            if (version > saga.TicketVersion) saga.TicketVersion = version;
            return;
        }
        if (version <= saga.TicketVersion)
        {
            _logger.LogInformation("Ticket {TicketId}: {Event} version {Version} dropped, version {Applied} is applied already",
                saga.CorrelationId, message.GetType().Name, version, saga.TicketVersion);
            return;
        }
        if (version > saga.TicketVersion + 1)
        {
            if (saga.Held.All(h => h.Version != version)) // a copy of a held event is held once
                saga.Held = saga.Held.Add(new HeldEvent(version, message.GetType().Name, JsonSerializer.SerializeToElement(message, message.GetType(), Json)));
            _logger.LogInformation("Ticket {TicketId}: {Event} version {Version} held until version {Next} arrives",
                saga.CorrelationId, message.GetType().Name, version, saga.TicketVersion + 1);
            return;
        }
        await ApplyAsync(context, message);
        saga.TicketVersion = version;
        while (saga.Held.FirstOrDefault(h => h.Version == saga.TicketVersion + 1) is { } next)
        {
            saga.Held = saga.Held.Remove(next);
            await ApplyAsync(context, Restore(next));
            saga.TicketVersion = next.Version;
        }
    }

    /// <summary>
    /// Correlated by the ticket; before its clock exists (its TicketOpened not yet consumed) the event is waited for,
    /// not parked: the exception sends it to the bus's long retries (docs/adr/0067).
    /// </summary>
    private static void WaitsForClock<T>(IEventCorrelationConfigurator<TicketSlaState, T> e, Func<T, Guid> ticketId) where T : class
    {
        e.CorrelateById(m => ticketId(m.Message));
        e.OnMissingInstance(m => m.Execute(c => throw new NotYetKnownException(
            $"{typeof(T).Name} {c.MessageId} is about ticket {ticketId(c.Message)}, which sla has no clock for yet: its TicketOpened has not been consumed.")));
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private static object Restore(HeldEvent held) => held.Type switch
    {
        nameof(TicketStatusChanged) => held.Message.Deserialize<TicketStatusChanged>(Json)!,
        nameof(TicketPriorityChanged) => held.Message.Deserialize<TicketPriorityChanged>(Json)!,
        nameof(TicketAssigned) => held.Message.Deserialize<TicketAssigned>(Json)!,
        nameof(TicketMerged) => held.Message.Deserialize<TicketMerged>(Json)!,
        _ => throw new InvalidOperationException($"Held event of unknown type {held.Type}."),
    };

    private Task ApplyAsync(BehaviorContext<TicketSlaState> context, object message) => message switch
    {
        TicketStatusChanged changed => ChangeStatusAsync(context, changed),
        TicketPriorityChanged changed => ChangePriorityAsync(context, changed),
        // Nothing on the clock depends on who works the ticket, and a merge closes it by its status change: both are for
        // the reports.
        TicketAssigned assigned => ReportProjection.AssignedAsync(Db(context), assigned.TicketId, assigned.TeamId, assigned.At,
            assigned.TicketVersion, context.CancellationToken),
        TicketMerged merged => ReportProjection.MergedAsync(Db(context), merged.TicketId, context.CancellationToken),
        _ => Task.CompletedTask,
    };

    private Task ChangeStatusAsync(BehaviorContext<TicketSlaState> context, TicketStatusChanged changed)
    {
        if (!Enum.TryParse<TicketStatus>(changed.To, ignoreCase: false, out var status))
        {
            // A status this version does not know cannot be one that pauses or meets anything here.
            _logger.LogWarning("Ticket {TicketId}: unknown status {Status} ignored by the SLA clock", changed.TicketId, changed.To);
            return Task.CompletedTask;
        }
        return ChangeAsync(context, nameof(TicketStatusChanged), changed.At, (clock, at, _) => Task.FromResult(clock.ChangeStatus(status, at)));
    }

    private Task ChangePriorityAsync(BehaviorContext<TicketSlaState> context, TicketPriorityChanged changed)
    {
        var priority = Priorities.Parse(changed.To);
        if (priority.ToString() == context.Saga.Priority) return Task.CompletedTask; // nothing to recompute (e.g. a copy)
        var reason = string.IsNullOrWhiteSpace(changed.Reason) ? "no reason given" : changed.Reason.Trim();
        var pagesOnCall = false;
        return ChangeAsync(context, nameof(TicketPriorityChanged), changed.At, async (clock, at, note) =>
        {
            // The tier's targets as they are now; a tier deleted since the clock started gives way to the default.
            var (tier, tierNote) = await _catalog.TierOrDefaultAsync(Db(context), clock.Tier, context.CancellationToken);
            var extended = await _catalog.ExtendedHoursAsync(Db(context), tier, clock.TimeZone, clock.ExtendedHours, context.CancellationToken);
            var recalculated = clock.Recalculate(tier, priority, at, $"{reason} (by {changed.By}){note}{(tierNote is null ? "" : " " + tierNote)}", extended);
            // Raised to a covered P1 outside business hours: on-call is woken as for a P1 that arrived so (docs/adr/0046).
            pagesOnCall = recalculated.PagesOnCall;
            return recalculated;
        }, () => pagesOnCall);
    }

    /// <summary>
    /// The client's tier changed: recompute the targets from the start on the new tier (ADR 11, rule 7). Only a newer
    /// client revision than the clock follows counts, so copies and revisions overtaken on the way change nothing.
    /// </summary>
    private async Task ChangeTierAsync(BehaviorContext<TicketSlaState, ClientTierChanged> context)
    {
        var changed = context.Message;
        if (changed.ClientRevision <= context.Saga.ClientRevision) return;
        context.Saga.ClientRevision = changed.ClientRevision;
        var (tier, tierNote) = await _catalog.TierOrDefaultAsync(Db(context), changed.Tier, context.CancellationToken);
        if (tierNote is not null)
            _logger.LogWarning("Ticket {TicketId} of client {ClientId}: {Note}", changed.TicketId, changed.ClientId, tierNote);
        if (tier.Tier == context.Saga.Tier) return; // e.g. a tier renamed in tickets to one sla resolves the same way
        await ChangeAsync(context, nameof(ClientTierChanged), changed.At, async (clock, at, note) => clock.Recalculate(tier, clock.Priority, at,
            $"tier changed from {clock.Tier} to {tier.Tier} (client revision {changed.ClientRevision}, by {changed.By}){note}{(tierNote is null ? "" : " " + tierNote)}",
            await _catalog.ExtendedHoursAsync(Db(context), tier, clock.TimeZone, clock.ExtendedHours, context.CancellationToken)));
    }

    /// <summary>The timer fired: announce every step now due, then the saga schedules the following one.</summary>
    private async Task EscalateAsync(BehaviorContext<TicketSlaState, SlaEscalationDue> context)
    {
        // This timer is spent: whatever comes next gets a new one (and nothing is cancelled in its name).
        context.Saga.EscalationToken = null;
        context.Saga.EscalationScheduledAt = null;
        var clock = await ReplayAsync(context);
        var now = _time.GetUtcNow();
        var result = clock.Escalate(now > clock.Ledger[^1].At ? now : clock.Ledger[^1].At);
        foreach (var warning in result.Warnings) await context.Publish(warning);
        foreach (var breach in result.Breaches)
        {
            await context.Publish(breach);
            await ReportProjection.BreachedAsync(Db(context), result.Clock, breach, context.CancellationToken);
        }
        context.Saga.Keep(result.Clock);
    }

    /// <summary>
    /// Applies one command at the event's instant, or at the ledger's last instant when the event is older (see the
    /// class remarks); <c>note</c> is text for the entry's cause saying so, empty when in order.
    /// </summary>
    /// <param name="pagesOnCall">Read after <paramref name="change"/>: whether the due times' message asks tickets to page on-call.</param>
    private async Task ChangeAsync(BehaviorContext<TicketSlaState> context, string eventName, DateTimeOffset reportedAt,
        Func<TicketClock, DateTimeOffset, string, Task<TicketClock>> change, Func<bool>? pagesOnCall = null)
    {
        var clock = await ReplayAsync(context);
        var last = clock.Ledger[^1].At;
        var at = reportedAt;
        var note = "";
        if (reportedAt < last)
        {
            _logger.LogWarning("Ticket {TicketId}: {Event} for {ReportedAt:O} arrived after the ledger entry at {LastAt:O}; recorded at {LastAt:O}",
                context.Saga.CorrelationId, eventName, reportedAt, last, last);
            at = last;
            note = $" (happened at {reportedAt:u}, reported after later entries)";
        }
        var changed = await change(clock, at, note);
        foreach (var met in changed.Ledger.Skip(clock.Ledger.Count).OfType<TargetMet>())
        {
            var dueAt = changed.DueAt(met.Target, Commitment.Contractual)!.Value;
            var internalDueAt = changed.DueAt(met.Target, Commitment.Internal)!.Value;
            var targetMet = new SlaTargetMet(changed.TicketId, TierPolicy.Name(met.Target), met.At, dueAt,
                MetContractual: met.At <= dueAt, MetInternal: met.At <= internalDueAt);
            await context.Publish(targetMet);
            await ReportProjection.TargetMetAsync(Db(context), changed, targetMet, context.CancellationToken);
        }
        foreach (var failed in changed.Ledger.Skip(clock.Ledger.Count).OfType<DeliveryFailed>())
            await ReportProjection.ReopenedAsync(Db(context), changed, TierPolicy.Name(failed.Target), context.CancellationToken);
        // A pause, a resume or a recalculation moves the due times: tickets (and any countdown) follows this.
        if (changed.Ledger.Skip(clock.Ledger.Count).Any(e => e is ClockPaused or ClockResumed or TargetsRecalculated))
            await context.Publish(DueTimes(changed) with { PagesOnCall = pagesOnCall?.Invoke() ?? false });
        context.Saga.Keep(changed);
    }

    private static SlaDueTimesChanged DueTimes(TicketClock clock) => new(clock.TicketId, clock.ClientId, clock.State.ToString(),
        clock.Priority.ToString(),
        clock.DueAt(ResponseType.Acknowledge, Commitment.Contractual), clock.DueAt(ResponseType.Acknowledge, Commitment.Internal),
        clock.DueAt(ResponseType.WorkBegins, Commitment.Contractual), clock.DueAt(ResponseType.WorkBegins, Commitment.Internal),
        clock.DueAt(ResponseType.Resolution, Commitment.Contractual), clock.DueAt(ResponseType.Resolution, Commitment.Internal),
        clock.Ledger[^1].At, clock.Ledger.Count);

    /// <summary>The clock from its ledger, on the calendar revisions it names (cached after the first use).</summary>
    private Task<TicketClock> ReplayAsync(BehaviorContext<TicketSlaState> context) =>
        _catalog.ReplayAsync(Db(context), context.Saga.Ledger, _settings, context.CancellationToken);

    /// <summary>The message's own DbContext: the one holding the saga's row and the outbox's transaction.</summary>
    private static SlaDbContext Db(ConsumeContext context) => context.GetServiceOrCreateInstance<SlaDbContext>();

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
