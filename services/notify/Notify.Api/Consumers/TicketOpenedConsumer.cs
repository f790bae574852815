using MassTransit;
using Notify.Api.Data;
using Notify.Api.Domain;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Notify.Api.Consumers;

/// <summary>Remembers whom to write to about a ticket. Idempotent: one row per ticket.</summary>
public sealed class TicketOpenedConsumer(NotifyDbContext db) : IConsumer<TicketOpened>
{
    public async Task Consume(ConsumeContext<TicketOpened> context)
    {
        var ticket = context.Message;
        Telemetry.TagTicket(ticket.TicketId, ticket.ClientId, ticket.Priority);
        await db.InsertOnceAsync(c => c.TicketId == ticket.TicketId, () => new TicketContact
        {
            TicketId = ticket.TicketId,
            Number = ticket.Number,
            ClientId = ticket.ClientId,
            Email = ticket.ContactEmail,
            Name = ticket.ContactName,
            Subject = ticket.Subject,
        }, context.CancellationToken);
    }
}
