using Billing.Api.Data;
using Billing.Api.Domain;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Tickets.Contracts;

namespace Billing.Api.Consumers;

/// <summary>
/// Opens the tickets' billing records, a batch at a time in one transaction (docs/adr/0066): a delivery of its own cost
/// billing a transaction per ticket for one insert. One record per ticket id: a ticket whose record is there already is
/// skipped, so a redelivered batch changes nothing, and the batch runs without the inbox (Messaging.AddBatchConsumer). A
/// second billing instance inserting the same ticket at the same moment fails this batch on the key, and the retry skips it.
/// </summary>
public sealed class TicketOpenedConsumer(BillingDbContext db) : IConsumer<Batch<TicketOpened>>
{
    public async Task Consume(ConsumeContext<Batch<TicketOpened>> context)
    {
        var opened = context.Message.Select(m => m.Message).DistinctBy(t => t.TicketId).ToArray();
        var ids = opened.Select(t => t.TicketId).ToArray();
        await using var transaction = await db.Database.BeginTransactionAsync(context.CancellationToken);
        var existing = await db.Records.IgnoreQueryFilters().Where(r => ids.Contains(r.TicketId)).Select(r => r.TicketId)
            .ToHashSetAsync(context.CancellationToken);
        db.Records.AddRange(opened.Where(t => !existing.Contains(t.TicketId)).Select(ticket => new BillingRecord
        {
            TicketId = ticket.TicketId,
            TicketNumber = ticket.Number,
            ClientId = ticket.ClientId,
            OpenedAt = ticket.OpenedAt,
        }));
        await db.SaveChangesAsync(context.CancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
    }
}
