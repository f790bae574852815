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
        return app;
    }

    /// <summary>A ticket's clock: due times, what was met, and the ledger in order.</summary>
    private static async Task<IResult> Get(Guid id, SlaDbContext db, CancellationToken cancellationToken)
    {
        var clock = await db.Clocks.AsNoTracking().Include(c => c.Ledger).SingleOrDefaultAsync(c => c.TicketId == id, cancellationToken);
        if (clock is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No SLA clock for this ticket.");

        return TypedResults.Ok(new
        {
            clock.TicketId,
            clock.ClientId,
            clock.Priority,
            clock.TimeZone,
            clock.StartedAt,
            clock.AcknowledgeDueAt,
            clock.AcknowledgeInternalDueAt,
            clock.WorkBeginsDueAt,
            clock.WorkBeginsInternalDueAt,
            clock.AcknowledgedAt,
            Ledger = clock.Ledger.OrderBy(e => e.Id).Select(e => new { e.At, e.Kind, e.Target, e.Cause }),
        });
    }
}
