using Intake.Contracts;
using MassTransit;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Consumers;

/// <summary>
/// Opens the ticket for a received request. Idempotent: the ticket's id is the request's id, so a redelivered
/// request finds its ticket and publishes the same TicketOpened again (in case the first publish was lost).
/// </summary>
public sealed class ServiceRequestReceivedConsumer(TicketsDbContext db)
    : IConsumer<ServiceRequestReceived>
{
    /// <summary>Triage sets priorities; until it does, a ticket waits at the default.</summary>
    public const string DefaultPriority = "P3";

    public async Task Consume(ConsumeContext<ServiceRequestReceived> context)
    {
        var request = context.Message;
        var ticket = await db.InsertOnceAsync(t => t.Id == request.RequestId, () => Open(request), context.CancellationToken);

        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        await context.Publish(new TicketOpened(ticket.Id, ticket.Number, ticket.ClientId, ticket.ContactEmail,
            ticket.ContactName, ticket.Channel, ticket.Subject, ticket.Priority, ticket.OpenedAt));
    }

    /// <summary>The ticket a request opens; its number comes from the database sequence when it is stored.</summary>
    private static Ticket Open(ServiceRequestReceived request) => new()
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
}
