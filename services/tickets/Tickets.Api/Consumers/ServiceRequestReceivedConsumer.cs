using Intake.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Consumers;

/// <summary>
/// Opens the ticket for a received request, in the queue of the team the routing rules choose. Idempotent: the ticket's
/// id is the request's id, so a redelivered request finds its ticket and publishes the same TicketOpened again (in case
/// the first publish was lost).
/// </summary>
public sealed class ServiceRequestReceivedConsumer(TicketsDbContext db)
    : IConsumer<ServiceRequestReceived>
{
    /// <summary>Triage sets priorities; until it does, a ticket waits at the default.</summary>
    public const string DefaultPriority = "P3";

    public async Task Consume(ConsumeContext<ServiceRequestReceived> context)
    {
        var request = context.Message;
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == request.RequestId, context.CancellationToken)
            ?? await OpenAsync(request, context.CancellationToken);

        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        await context.Publish(new TicketOpened(ticket.Id, ticket.Number, ticket.ClientId, ticket.ContactEmail,
            ticket.ContactName, ticket.Channel, ticket.Subject, ticket.Priority, ticket.OpenedAt, ticket.TeamId));
    }

    /// <summary>The ticket, its first audit entry and its routing, in one SaveChanges; a duplicate racing us finds the first one's.</summary>
    private async Task<Ticket> OpenAsync(ServiceRequestReceived request, CancellationToken cancellationToken)
    {
        var ticket = new Ticket
        {
            Id = request.RequestId,
            ClientId = request.ClientId,
            ContactEmail = request.ContactEmail,
            ContactName = request.ContactName,
            Channel = request.Channel,
            Subject = request.Subject,
            Description = request.Description,
            Priority = DefaultPriority,
            PriorityHint = request.PriorityHint,
            OpenedAt = request.ReceivedAt,
        };
        ticket.TeamId = await RouteAsync(ticket, cancellationToken);
        db.Tickets.Add(ticket);

        var actor = new Actor("system:intake", request.Channel);
        db.Record(ticket, actor, request.ReceivedAt, "opened", new { request.Channel, ticket.Priority, ticket.TeamId });
        if (ticket.TeamId is not null)
            db.Assignments.Add(new TicketAssignment
            {
                TicketId = ticket.Id, ClientId = ticket.ClientId, TeamId = ticket.TeamId, At = request.ReceivedAt,
                By = "system:routing", Reason = "Routing rule",
            });
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return ticket;
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
            return await db.Tickets.AsNoTracking().SingleAsync(t => t.Id == request.RequestId, cancellationToken);
        }
    }

    /// <summary>The first rule, by order, whose client, channel and category all match (null matches anything).</summary>
    private Task<Guid?> RouteAsync(Ticket ticket, CancellationToken cancellationToken) =>
        db.RoutingRules.AsNoTracking()
            .Where(r => (r.ClientId == null || r.ClientId == ticket.ClientId)
                && (r.Channel == null || r.Channel == ticket.Channel)
                && (r.Category == null || r.Category == ticket.Category))
            .OrderBy(r => r.Order).ThenBy(r => r.Id)
            .Select(r => (Guid?)r.TeamId)
            .FirstOrDefaultAsync(cancellationToken);
}
