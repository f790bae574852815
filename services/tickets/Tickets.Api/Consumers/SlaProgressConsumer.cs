using MassTransit;
using Microsoft.EntityFrameworkCore;
using Notify.Contracts;
using Sla.Contracts;
using Tickets.Api.Data;

namespace Tickets.Api.Consumers;

/// <summary>
/// Keeps the ticket's copy of its SLA clock and its acknowledgement up to date. Each message sets values rather
/// than adding to them, so a redelivery changes nothing.
/// </summary>
public sealed class SlaProgressConsumer(TicketsDbContext db)
    : IConsumer<SlaClockStarted>, IConsumer<SlaTargetMet>, IConsumer<AcknowledgementSent>
{
    public async Task Consume(ConsumeContext<SlaClockStarted> context)
    {
        var clock = context.Message;
        var ticket = await db.Tickets.SingleAsync(t => t.Id == clock.TicketId, context.CancellationToken);
        ticket.Sla.AcknowledgeDueAt = clock.AcknowledgeDueAt;
        ticket.Sla.AcknowledgeInternalDueAt = clock.AcknowledgeInternalDueAt;
        ticket.Sla.WorkBeginsDueAt = clock.WorkBeginsDueAt;
        ticket.Sla.WorkBeginsInternalDueAt = clock.WorkBeginsInternalDueAt;
        await db.SaveChangesAsync(context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<SlaTargetMet> context)
    {
        if (context.Message.Target != SlaTargets.Acknowledge) return;
        var ticket = await db.Tickets.SingleAsync(t => t.Id == context.Message.TicketId, context.CancellationToken);
        ticket.Sla.AcknowledgedAt = context.Message.MetAt;
        await db.SaveChangesAsync(context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<AcknowledgementSent> context)
    {
        var ticket = await db.Tickets.SingleAsync(t => t.Id == context.Message.TicketId, context.CancellationToken);
        ticket.Acknowledge();
        await db.SaveChangesAsync(context.CancellationToken);
    }
}
