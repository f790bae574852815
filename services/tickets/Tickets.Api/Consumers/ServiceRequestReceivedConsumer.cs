using Intake.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Consumers;

/// <summary>
/// Opens the ticket for a received request. Idempotent: the ticket's id is the request's id, so a redelivered
/// request finds its ticket and publishes the same TicketOpened again (in case the first publish was lost).
/// </summary>
public sealed class ServiceRequestReceivedConsumer(TicketsDbContext db, ILogger<ServiceRequestReceivedConsumer> logger)
    : IConsumer<ServiceRequestReceived>
{
    /// <summary>Triage sets priorities; until it does, a ticket waits at the default.</summary>
    public const string DefaultPriority = "P3";

    public async Task Consume(ConsumeContext<ServiceRequestReceived> context)
    {
        var request = context.Message;
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == request.RequestId, context.CancellationToken)
            ?? await Open(request, context.CancellationToken);

        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        await context.Publish(new TicketOpened(ticket.Id, ticket.Number, ticket.ClientId, ticket.ContactEmail,
            ticket.ContactName, ticket.Channel, ticket.Subject, ticket.Priority, ticket.OpenedAt));
    }

    private async Task<Ticket> Open(ServiceRequestReceived request, CancellationToken cancellationToken)
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
            Status = TicketStatus.New,
            Priority = DefaultPriority,
            PriorityHint = request.PriorityHint,
            OpenedAt = request.ReceivedAt,
        };
        db.Tickets.Add(ticket);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            // A concurrent duplicate delivery opened it first: use theirs.
            db.ChangeTracker.Clear();
            return await db.Tickets.AsNoTracking().SingleAsync(t => t.Id == request.RequestId, cancellationToken);
        }

        // Read back the number the sequence assigned.
        await db.Entry(ticket).ReloadAsync(cancellationToken);
        logger.LogInformation("Opened ticket SD#{Number} ({TicketId}) from {Channel}", ticket.Number, ticket.Id, ticket.Channel);
        return ticket;
    }
}
