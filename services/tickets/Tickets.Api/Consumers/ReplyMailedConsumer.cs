using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Notify.Contracts;
using Tickets.Api.Data;

namespace Tickets.Api.Consumers;

/// <summary>
/// notify mailed a public reply: its Message-ID joins the ticket's thread, so the client's answer to that mail
/// (In-Reply-To, References) threads onto the ticket (ThreadMatch). Adding a known Message-ID changes nothing, so a
/// redelivery is harmless. The ticket's status is not touched: a reply is not an acknowledgement (ADR 12).
/// </summary>
public sealed class ReplyMailedConsumer(TicketsDbContext db) : IConsumer<ReplyMailed>
{
    public async Task Consume(ConsumeContext<ReplyMailed> context)
    {
        var mailed = context.Message;
        if (!ThreadMatch.IsMessageId(mailed.MessageId)) return;
        var ticket = await db.Tickets.SingleForUpdateAsync(mailed.TicketId, context.CancellationToken);
        await db.AddThreadReferenceAsync(mailed.MessageId, ticket, mailed.SentAt, context.CancellationToken);
        await db.SaveChangesAsync(context.CancellationToken);
    }
}
