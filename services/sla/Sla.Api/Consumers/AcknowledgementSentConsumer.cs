using MassTransit;
using Microsoft.EntityFrameworkCore;
using Notify.Contracts;
using Sla.Api.Data;
using ServiceDesk.Platform;
using Sla.Contracts;

namespace Sla.Api.Consumers;

/// <summary>
/// A real communication reached the client: the acknowledgement target is met. Recorded once; a redelivery
/// republishes the recorded outcome.
/// </summary>
public sealed class AcknowledgementSentConsumer(SlaDbContext db) : IConsumer<AcknowledgementSent>
{
    public async Task Consume(ConsumeContext<AcknowledgementSent> context)
    {
        var sent = context.Message;
        // The clock exists before notify can acknowledge (notify waits for SlaClockStarted).
        var clock = await db.Clocks.Include(c => c.Ledger).SingleAsync(c => c.TicketId == sent.TicketId, context.CancellationToken);
        if (clock.MeetAcknowledgement(sent.SentAt, $"Acknowledgement {sent.Medium} sent to {sent.Recipient}."))
        {
            try
            {
                await db.SaveChangesAsync(context.CancellationToken);
            }
            catch (DbUpdateException e) when (e.IsUniqueViolation())
            {
                // A duplicate recorded it first (the ledger's unique "met" index): publish what it recorded.
                db.ChangeTracker.Clear();
                clock = await db.Clocks.AsNoTracking().SingleAsync(c => c.TicketId == sent.TicketId, context.CancellationToken);
            }
        }

        var metAt = clock.AcknowledgedAt!.Value;
        await context.Publish(new SlaTargetMet(clock.TicketId, SlaTargets.Acknowledge, metAt, clock.AcknowledgeDueAt,
            MetContractual: metAt <= clock.AcknowledgeDueAt, MetInternal: metAt <= clock.AcknowledgeInternalDueAt));
    }
}
