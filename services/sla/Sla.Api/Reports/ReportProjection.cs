using MassTransit;
using Microsoft.EntityFrameworkCore;
using Sla.Api.Data;
using Sla.Api.Domain;
using Sla.Contracts;
using Tickets.Contracts;

namespace Sla.Api.Reports;

/// <summary>
/// Keeps the reports' tables from sla's own outcome events and tickets' assignments and merges. Each message sets a row to what
/// it says (an upsert), so a redelivery or a copy changes nothing, and events of one ticket may arrive in any order:
/// a breach never overrides a target already met, and the assignment of the highest ticket version wins. Two events racing to insert one
/// row: the loser's insert fails on the key, and its retry updates the row.
/// </summary>
public sealed class ReportProjection(SlaDbContext db, PolicyCatalog catalog, ClockSettings settings)
    : IConsumer<SlaTargetMet>, IConsumer<SlaBreached>, IConsumer<TicketOpened>, IConsumer<TicketAssigned>, IConsumer<TicketMerged>
{
    public async Task Consume(ConsumeContext<SlaTargetMet> context)
    {
        var met = context.Message;
        var (outcome, clock) = await OutcomeAsync(met.TicketId, met.Target, context.CancellationToken);
        outcome.MetAt = met.MetAt;
        outcome.BusinessSeconds = clock.BusinessTimeUntil(TargetType(met.Target), met.MetAt).TotalSeconds;
        outcome.MetContractual = met.MetContractual;
        outcome.MetInternal = met.MetInternal;
        await db.SaveChangesAsync(context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<SlaBreached> context)
    {
        var breached = context.Message;
        var (outcome, _) = await OutcomeAsync(breached.TicketId, breached.Target, context.CancellationToken);
        if (outcome.MetAt is not null) return; // met (late or not) is already decided by SlaTargetMet
        if (breached.Commitment == SlaCommitments.Contractual) outcome.MetContractual = false;
        else outcome.MetInternal = false;
        await db.SaveChangesAsync(context.CancellationToken);
    }

    public Task Consume(ConsumeContext<TicketOpened> context) =>
        AssignAsync(context.Message.TicketId, context.Message.TeamId, context.Message.OpenedAt, context.Message.TicketVersion, context.CancellationToken);

    public Task Consume(ConsumeContext<TicketAssigned> context) =>
        AssignAsync(context.Message.TicketId, context.Message.TeamId, context.Message.At, context.Message.TicketVersion, context.CancellationToken);

    public async Task Consume(ConsumeContext<TicketMerged> context)
    {
        var ticket = await TicketAsync(context.Message.TicketId, context.CancellationToken);
        ticket.Merged = true;
        await db.SaveChangesAsync(context.CancellationToken);
    }

    private async Task AssignAsync(Guid ticketId, Guid? teamId, DateTimeOffset at, int version, CancellationToken cancellationToken)
    {
        var ticket = await TicketAsync(ticketId, cancellationToken);
        // An older assignment arriving late changes nothing. The ticket's version orders them (two in one instant too);
        // only between unversioned events (0, older publishers) does the instant decide.
        var older = version > 0 && ticket.AssignedVersion > 0 ? version <= ticket.AssignedVersion : at < ticket.AssignedAt;
        if (older) return;
        (ticket.TeamId, ticket.AssignedAt, ticket.AssignedVersion) = (teamId, at, version);
        await db.SaveChangesAsync(cancellationToken);
    }

    private async Task<ReportTicket> TicketAsync(Guid ticketId, CancellationToken cancellationToken)
    {
        var ticket = await db.ReportTickets.SingleOrDefaultAsync(t => t.TicketId == ticketId, cancellationToken);
        if (ticket is null)
        {
            ticket = new ReportTicket { TicketId = ticketId, AssignedAt = DateTimeOffset.MinValue };
            db.ReportTickets.Add(ticket);
        }
        return ticket;
    }

    /// <summary>The target's row (new or stored) with the ticket's facts as the clock now has them.</summary>
    private async Task<(TargetOutcome Outcome, TicketClock Clock)> OutcomeAsync(Guid ticketId, string target, CancellationToken cancellationToken)
    {
        // sla published the event after storing the clock (outbox), so the clock is there.
        var saga = await db.TicketSlas.AsNoTracking().SingleAsync(s => s.CorrelationId == ticketId, cancellationToken);
        var calendars = await catalog.CalendarsAsync(db, TicketClock.CalendarOf(saga.Ledger), cancellationToken);
        var clock = TicketClock.Replay(saga.Ledger, calendars, settings);
        var outcome = await db.TargetOutcomes.SingleOrDefaultAsync(o => o.TicketId == ticketId && o.Target == target, cancellationToken);
        if (outcome is null)
        {
            outcome = new TargetOutcome { TicketId = ticketId, Target = target, Priority = "", Tier = "" };
            db.TargetOutcomes.Add(outcome);
        }
        outcome.ClientId = clock.ClientId;
        outcome.Priority = clock.Priority.ToString();
        outcome.Tier = clock.Tier;
        outcome.EnteredAt = clock.EnteredAt;
        return (outcome, clock);
    }

    private static ResponseType TargetType(string name) =>
        Enum.GetValues<ResponseType>().Single(type => TierPolicy.Name(type) == name);
}
