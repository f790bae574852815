using Billing.Api.Data;
using Billing.Api.Domain;
using MassTransit;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Billing.Api.Consumers;

/// <summary>Opens the ticket's billing record. Idempotent: one record per ticket id.</summary>
public sealed class TicketOpenedConsumer(BillingDbContext db) : IConsumer<TicketOpened>
{
    public async Task Consume(ConsumeContext<TicketOpened> context)
    {
        var ticket = context.Message;
        Telemetry.TagTicket(ticket.TicketId, ticket.ClientId, ticket.Priority);
        await db.InsertOnceAsync(r => r.TicketId == ticket.TicketId, () => new BillingRecord
        {
            TicketId = ticket.TicketId,
            TicketNumber = ticket.Number,
            ClientId = ticket.ClientId,
            OpenedAt = ticket.OpenedAt,
        }, context.CancellationToken);
    }
}
