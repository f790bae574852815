using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;

namespace Sla.Api.Endpoints;

public static class SlaEndpoints
{
    public static IEndpointRouteBuilder MapSlaEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sla/tickets/{id:guid}", Get)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .ProducesProblem(StatusCodes.Status404NotFound);
        app.MapPreviewEndpoints();
        app.MapTermsEndpoints();
        return app;
    }

    /// <summary>
    /// A ticket's clock, replayed from its ledger: running, paused or stopped; each target's due times (null while a
    /// pause suspends them) and what was met; the next escalation; and the ledger in order. A client's caller finds
    /// only its own client's tickets (the query filter), so another client's ticket is a 404.
    /// </summary>
    private static async Task<IResult> Get(Guid id, SlaDbContext db, PolicyCatalog catalog, ClockSettings settings,
        CancellationToken cancellationToken)
    {
        var saga = await db.TicketSlas.AsNoTracking().SingleOrDefaultAsync(s => s.CorrelationId == id, cancellationToken);
        if (saga is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No SLA clock for this ticket.");

        var calendars = await catalog.CalendarsAsync(db, TicketClock.CalendarOf(saga.Ledger), cancellationToken);
        var clock = await catalog.ReplayAsync(db, saga.Ledger, settings, cancellationToken);
        DateTimeOffset? Due(ResponseType type, Commitment commitment) => clock.DueAt(type, commitment);
        return TypedResults.Ok(new
        {
            TicketId = saga.CorrelationId,
            saga.ClientId,
            clock.Tier,
            Priority = clock.Priority.ToString(),
            TimeZone = calendars.BusinessHours.TimeZone.Id,
            // The calendar revision the due times count on; null for a clock started before calendars were stored.
            Calendar = calendars.Source == default ? null : new { Id = calendars.Source.CalendarId, calendars.Source.Revision },
            // The tier's extended-hours calendar revision its extended-hours targets count on (docs/adr/0042); null for none.
            ExtendedHoursCalendar = clock.ExtendedHours is { Source: var extended } ? new { Id = extended.CalendarId, extended.Revision } : null,
            StartedAt = clock.EnteredAt, // from the ledger, as CountsFrom: the saga column keeps microseconds only
            CountsFrom = clock.StartedAt,
            Status = clock.State.ToString(),
            Paused = clock.State != ClockState.Running,
            AcknowledgeDueAt = Due(ResponseType.Acknowledge, Commitment.Contractual),
            AcknowledgeInternalDueAt = Due(ResponseType.Acknowledge, Commitment.Internal),
            WorkBeginsDueAt = Due(ResponseType.WorkBegins, Commitment.Contractual),
            WorkBeginsInternalDueAt = Due(ResponseType.WorkBegins, Commitment.Internal),
            AcknowledgedAt = clock.Target(ResponseType.Acknowledge)?.MetAt,
            Targets = clock.Targets.Select(t => new
            {
                Target = TierPolicy.Name(t.Type),
                t.MetAt,
                Contractual = new { DueAt = Due(t.Type, Commitment.Contractual), Budget = t.Target.Contractual, AnnouncedPercent = t.AnnouncedContractual },
                Internal = new { DueAt = Due(t.Type, Commitment.Internal), Budget = t.Target.Internal, AnnouncedPercent = t.AnnouncedInternal },
            }),
            saga.NextEscalationAt,
            Ledger = clock.Ledger.Select(e => new { e.At, Kind = e.Kind.ToString(), Target = TargetOf(e), e.Cause, MessageId = MessageOf(e) }),
        });
    }

    /// <summary>The message that met a target, or whose failure reopened it (issue 15).</summary>
    private static string? MessageOf(ClockEntry entry) => entry switch
    {
        TargetMet met => met.MessageId,
        DeliveryFailed failed => failed.MessageId,
        _ => null,
    };

    private static string? TargetOf(ClockEntry entry) => entry switch
    {
        TargetMet met => TierPolicy.Name(met.Target),
        EscalationReached reached => TierPolicy.Name(reached.Target),
        DeliveryFailed failed => TierPolicy.Name(failed.Target),
        _ => null,
    };
}
