using Microsoft.EntityFrameworkCore;
using Sla.Api.Data;
using Sla.Api.Domain;
using Sla.Contracts;

namespace Sla.Api.Reports;

/// <summary>
/// Keeps the reports' tables, written by the SLA saga in its own transaction as it decides what it publishes (a target
/// met or breached) and as it applies tickets' assignments and merges in their version order (docs/adr/0034): no
/// delivery of its own, and the saga's order is the reports' order. Each call sets a row to what it says, so applying
/// the same fact twice changes nothing; a breach never overrides a target already met. Rows added earlier in the same
/// transaction are found too (FindAsync looks at what is tracked first): the saga saves once, at the end.
/// </summary>
public static class ReportProjection
{
    public static async Task TargetMetAsync(SlaDbContext db, TicketClock clock, SlaTargetMet met, CancellationToken cancellationToken)
    {
        var outcome = await OutcomeAsync(db, clock, met.Target, cancellationToken);
        outcome.MetAt = met.MetAt;
        outcome.BusinessSeconds = clock.BusinessTimeUntil(TargetType(met.Target), met.MetAt).TotalSeconds;
        outcome.MetContractual = met.MetContractual;
        outcome.MetInternal = met.MetInternal;
    }

    /// <summary>The message that met the target never reached the client: the target is undecided again, as on the clock,
    /// until another message meets it or it breaches.</summary>
    public static async Task ReopenedAsync(SlaDbContext db, TicketClock clock, string target, CancellationToken cancellationToken)
    {
        var outcome = await OutcomeAsync(db, clock, target, cancellationToken);
        (outcome.MetAt, outcome.BusinessSeconds, outcome.MetContractual, outcome.MetInternal) = (null, null, null, null);
    }

    public static async Task BreachedAsync(SlaDbContext db, TicketClock clock, SlaBreached breached, CancellationToken cancellationToken)
    {
        var outcome = await OutcomeAsync(db, clock, breached.Target, cancellationToken);
        if (outcome.MetAt is not null) return; // met (late or not) is already decided by SlaTargetMet
        if (breached.Commitment == SlaCommitments.Contractual) outcome.MetContractual = false;
        else outcome.MetInternal = false;
    }

    public static async Task AssignedAsync(SlaDbContext db, Guid ticketId, Guid? teamId, DateTimeOffset at, int version, CancellationToken cancellationToken)
    {
        var ticket = await TicketAsync(db, ticketId, cancellationToken);
        // An older assignment changes nothing. The ticket's version orders them (two in one instant too); only between
        // unversioned events (0, older publishers) does the instant decide.
        var older = version > 0 && ticket.AssignedVersion > 0 ? version <= ticket.AssignedVersion : at < ticket.AssignedAt;
        if (older) return;
        (ticket.TeamId, ticket.AssignedAt, ticket.AssignedVersion) = (teamId, at, version);
    }

    public static async Task MergedAsync(SlaDbContext db, Guid ticketId, CancellationToken cancellationToken) =>
        (await TicketAsync(db, ticketId, cancellationToken)).Merged = true;

    private static async Task<ReportTicket> TicketAsync(SlaDbContext db, Guid ticketId, CancellationToken cancellationToken)
    {
        var ticket = await db.ReportTickets.FindAsync([ticketId], cancellationToken);
        if (ticket is null)
        {
            ticket = new ReportTicket { TicketId = ticketId, AssignedAt = DateTimeOffset.MinValue };
            db.ReportTickets.Add(ticket);
        }
        return ticket;
    }

    /// <summary>The target's row (new or stored) with the ticket's facts as the clock now has them.</summary>
    private static async Task<TargetOutcome> OutcomeAsync(SlaDbContext db, TicketClock clock, string target, CancellationToken cancellationToken)
    {
        var outcome = await db.TargetOutcomes.FindAsync([clock.TicketId, target], cancellationToken);
        if (outcome is null)
        {
            outcome = new TargetOutcome { TicketId = clock.TicketId, Target = target, Priority = "", Tier = "" };
            db.TargetOutcomes.Add(outcome);
        }
        outcome.ClientId = clock.ClientId;
        outcome.Priority = clock.Priority.ToString();
        outcome.Tier = clock.Tier;
        outcome.EnteredAt = clock.EnteredAt;
        return outcome;
    }

    private static ResponseType TargetType(string name) =>
        Enum.GetValues<ResponseType>().Single(type => TierPolicy.Name(type) == name);
}
