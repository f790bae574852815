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

/// <summary>
/// notify texted a ticket's contact: their number now points at that ticket, so a text back without "SD#1234" threads
/// onto it (ThreadMatch, docs/adr/0047). Only a newer text moves the number to another ticket: a redelivered or late
/// older one changes nothing.
/// </summary>
public sealed class TextMessageSentConsumer(TicketsDbContext db) : IConsumer<TextMessageSent>
{
    public async Task Consume(ConsumeContext<TextMessageSent> context)
    {
        var sent = context.Message;
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO text_threads ("Phone", "TicketId", "ClientId", "At") VALUES ({sent.Recipient}, {sent.TicketId}, {sent.ClientId}, {sent.SentAt})
            ON CONFLICT ("Phone") DO UPDATE SET "TicketId" = excluded."TicketId", "ClientId" = excluded."ClientId", "At" = excluded."At"
            WHERE text_threads."At" < excluded."At"
            """, context.CancellationToken);
    }
}
