using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;

namespace Tickets.Api.Endpoints;

public sealed record ContactView(string Email, string? Name);

public sealed record SlaView(
    DateTimeOffset? AcknowledgeDueAt,
    DateTimeOffset? AcknowledgeInternalDueAt,
    DateTimeOffset? WorkBeginsDueAt,
    DateTimeOffset? WorkBeginsInternalDueAt,
    DateTimeOffset? AcknowledgedAt);

public sealed record TicketView(
    Guid Id,
    long Number,
    string Reference,
    Guid ClientId,
    ContactView Contact,
    string Channel,
    string Subject,
    string Description,
    TicketStatus Status,
    string Priority,
    string? PriorityHint,
    DateTimeOffset OpenedAt,
    SlaView Sla);

public static class TicketEndpoints
{
    public static IEndpointRouteBuilder MapTicketEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/tickets/{id:guid}", Get)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<TicketView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> Get(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such ticket.",
                detail: "A request that was just accepted becomes a ticket within moments; try again shortly.");

        var sla = ticket.Sla;
        return TypedResults.Ok(new TicketView(ticket.Id, ticket.Number, $"SD#{ticket.Number}", ticket.ClientId,
            new ContactView(ticket.ContactEmail, ticket.ContactName), ticket.Channel, ticket.Subject, ticket.Description,
            ticket.Status, ticket.Priority, ticket.PriorityHint, ticket.OpenedAt,
            new SlaView(sla.AcknowledgeDueAt, sla.AcknowledgeInternalDueAt, sla.WorkBeginsDueAt,
                sla.WorkBeginsInternalDueAt, sla.AcknowledgedAt)));
    }
}
