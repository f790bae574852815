using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Notify.Contracts;
using Sla.Contracts;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Api.OnCall;
using Tickets.Contracts;

namespace Tickets.Api.Consumers;

/// <summary>
/// Keeps the ticket's copy of its SLA clock and its acknowledgement up to date. Each message sets values rather
/// than adding to them, so a redelivery changes nothing; due times come with the clock's version, and only a newer one
/// replaces them, so copies arriving out of order leave the latest. Each loads the ticket locked (FOR UPDATE), so
/// deliveries about one ticket take turns; a staff change racing one of these fails on the ticket's version (409).
/// </summary>
public sealed class SlaProgressConsumer(TicketsDbContext db, Paging paging)
    : IConsumer<SlaClockStarted>, IConsumer<SlaDueTimesChanged>, IConsumer<AcknowledgementSent>, IConsumer<SlaWarning>, IConsumer<SlaBreached>
{
    public async Task Consume(ConsumeContext<SlaClockStarted> context)
    {
        var clock = context.Message;
        var ticket = await db.Tickets.SingleForUpdateAsync(clock.TicketId, context.CancellationToken);
        // The tier wakes on-call for this one (a covered P1 after hours): whatever else overtook the start.
        if (clock.PagesOnCall) await paging.StartAsync(context, ticket, Paging.Started(clock.ClockVersion, clock.StartedAt));
        // A pause or a recalculation can overtake the start; an unversioned start (0) only fills a copy never made.
        if (ticket.Sla.Clock is not null && clock.ClockVersion <= ticket.Sla.ClockVersion) return;
        Copy(ticket.Sla, "Running", clock.ClockVersion, clock.AcknowledgeDueAt, clock.AcknowledgeInternalDueAt, clock.WorkBeginsDueAt,
            clock.WorkBeginsInternalDueAt);
        await db.SaveChangesAsync(context.CancellationToken);
    }

    /// <summary>
    /// The clock paused, resumed or was recalculated: the copy follows the highest clock version. A raise to a covered P1
    /// at night pages on-call (docs/adr/0046) while the ticket is still a P1 and open, even if a later change of the
    /// clock overtook this message; a chain keyed by the raise makes a copy page nobody twice (docs/adr/0058).
    /// </summary>
    public async Task Consume(ConsumeContext<SlaDueTimesChanged> context)
    {
        var clock = context.Message;
        var ticket = await db.Tickets.SingleForUpdateAsync(clock.TicketId, context.CancellationToken);
        if (clock.PagesOnCall && ticket.Priority == "P1" && ticket.Status is not (TicketStatus.Resolved or TicketStatus.Closed))
            await paging.StartAsync(context, ticket, Paging.Raised(clock.ClockVersion, clock.At));
        if (clock.ClockVersion <= ticket.Sla.ClockVersion) // older, or a copy
        {
            await db.SaveChangesAsync(context.CancellationToken);
            return;
        }
        Copy(ticket.Sla, clock.Clock, clock.ClockVersion, clock.AcknowledgeDueAt, clock.AcknowledgeInternalDueAt, clock.WorkBeginsDueAt,
            clock.WorkBeginsInternalDueAt);
        await db.SaveChangesAsync(context.CancellationToken);
    }

    private static void Copy(SlaSnapshot sla, string clock, int version, DateTimeOffset? acknowledgeDueAt,
        DateTimeOffset? acknowledgeInternalDueAt, DateTimeOffset? workBeginsDueAt, DateTimeOffset? workBeginsInternalDueAt)
    {
        sla.Clock = clock;
        sla.ClockVersion = version;
        sla.AcknowledgeDueAt = acknowledgeDueAt;
        sla.AcknowledgeInternalDueAt = acknowledgeInternalDueAt;
        sla.WorkBeginsDueAt = workBeginsDueAt;
        sla.WorkBeginsInternalDueAt = workBeginsInternalDueAt;
    }

    /// <summary>The ticket joins the at-risk view; a later, higher step (or another target's) replaces a lower one.</summary>
    public async Task Consume(ConsumeContext<SlaWarning> context)
    {
        var warning = context.Message;
        var ticket = await db.Tickets.SingleForUpdateAsync(warning.TicketId, context.CancellationToken);
        if (ticket.Sla.RiskTarget == warning.Target && ticket.Sla.RiskPercent >= warning.Percent) return; // redelivered, or out of order
        ticket.Sla.RiskPercent = warning.Percent;
        ticket.Sla.RiskTarget = warning.Target;
        ticket.Sla.RiskDueAt = warning.DueAt;
        await db.SaveChangesAsync(context.CancellationToken);
    }

    /// <summary>The first breach is kept (the breached view); at risk no longer describes it.</summary>
    public async Task Consume(ConsumeContext<SlaBreached> context)
    {
        var breach = context.Message;
        var ticket = await db.Tickets.SingleForUpdateAsync(breach.TicketId, context.CancellationToken);
        if (ticket.Sla.BreachedAt is null || breach.DueAt < ticket.Sla.BreachedAt)
        {
            ticket.Sla.BreachedAt = breach.DueAt;
            ticket.Sla.BreachedTarget = breach.Target;
        }
        ticket.Sla.RiskPercent = null;
        ticket.Sla.RiskTarget = null;
        ticket.Sla.RiskDueAt = null;
        await db.SaveChangesAsync(context.CancellationToken);
    }

    /// <summary>
    /// The client was told: a New ticket becomes Acknowledged, like any other status change (audited, published). A
    /// ticket staff already moved on stays where it is; a redelivery finds it Acknowledged and publishes nothing.
    /// Either way the acknowledgement's Message-ID joins the ticket's thread.
    /// </summary>
    public async Task Consume(ConsumeContext<AcknowledgementSent> context)
    {
        var sent = context.Message;
        var ticket = await db.Tickets.SingleForUpdateAsync(sent.TicketId, context.CancellationToken);
        // A reply to the acknowledgement threads onto this ticket by its Message-ID (ThreadMatch).
        if (sent.Medium == "email" && ThreadMatch.IsMessageId(sent.MessageId))
            await db.AddThreadReferenceAsync(sent.MessageId, ticket, sent.SentAt, context.CancellationToken);
        if (ticket.Status != TicketStatus.New)
        {
            await db.SaveChangesAsync(context.CancellationToken);
            return;
        }
        ticket.TryMoveTo(TicketStatus.Acknowledged);
        var version = ticket.NextEventVersion();

        var actor = Actor.System("notify");
        var at = context.Message.SentAt;
        db.Record(ticket, actor, at, "status-changed", new { from = TicketStatus.New, to = TicketStatus.Acknowledged });
        // Save first, like ServiceRequestReceivedConsumer: of two deliveries racing here, the loser fails on the
        // ticket's version before it has published anything, and its retry finds the ticket Acknowledged.
        await db.SaveChangesAsync(context.CancellationToken);
        await context.Publish(new TicketStatusChanged(ticket.Id, ticket.ClientId, nameof(TicketStatus.New),
            nameof(TicketStatus.Acknowledged), at, actor.Subject, actor.Channel, TicketVersion: version));
    }
}

/// <summary>
/// Targets met, a batch at a time in one transaction (docs/adr/0066): every ticket's acknowledgement target is met within
/// a second of its opening, and a delivery of its own cost tickets a transaction per ticket for two column updates. Each
/// message only sets values (when the acknowledgement target was met; at risk no longer), so a redelivered batch changes
/// nothing, and the batch runs without the inbox (Messaging.AddBatchConsumer).
/// </summary>
public sealed class SlaTargetsMetConsumer(TicketsDbContext db) : IConsumer<Batch<SlaTargetMet>>
{
    public async Task Consume(ConsumeContext<Batch<SlaTargetMet>> context)
    {
        var ids = context.Message.Select(m => m.Message.TicketId).Distinct().ToArray();
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        var tickets = (await db.Tickets.ListForUpdateAsync(ids, context.CancellationToken)).ToDictionary(t => t.Id);
        foreach (var met in context.Message.Select(m => m.Message))
        {
            // sla's clock began with this ticket's TicketOpened, so the ticket is there; a message about no ticket is ignored.
            if (!tickets.TryGetValue(met.TicketId, out var ticket)) continue;
            if (met.Target == SlaTargets.Acknowledge) ticket.Sla.AcknowledgedAt = met.MetAt;
            if (ticket.Sla.RiskTarget == met.Target) // met after all: no longer at risk
            {
                ticket.Sla.RiskPercent = null;
                ticket.Sla.RiskTarget = null;
                ticket.Sla.RiskDueAt = null;
            }
        }
        await db.SaveChangesAsync(context.CancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
    }
}
