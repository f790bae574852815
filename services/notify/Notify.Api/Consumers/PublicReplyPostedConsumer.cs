using MassTransit;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Notify.Api.Channels;
using Notify.Api.Data;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Api.Sending;
using Notify.Contracts;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Notify.Api.Consumers;

/// <summary>
/// Sends a public reply to the ticket's contact (email and/or SMS, by their preference): the mail threaded under the ticket's acknowledgement, then announces the mail's
/// Message-ID (<see cref="ReplyMailed"/>) so the client's answer threads back onto the ticket. One message per reply
/// (the ledger's key is the reply id); a republished reply is announced again from the stored row.
/// </summary>
public sealed class PublicReplyPostedConsumer(NotifyDbContext db, Recipients recipients, Deliveries deliveries, Mailer mailer, TimeProvider clock)
    : IConsumer<PublicReplyPosted>
{
    public async Task Consume(ConsumeContext<PublicReplyPosted> context)
    {
        var reply = context.Message;
        Telemetry.TagTicket(reply.TicketId, reply.ClientId);
        // The clock's start comes long before a reply; if not, the retry policy brings this message back until it has.
        var contact = await recipients.LockTicketAsync(reply.TicketId, context.CancellationToken);

        // To the contact the reply names (tickets' current one) when it is a mail address, else whom notify knows.
        var named = !string.IsNullOrWhiteSpace(reply.ContactEmail) && MailboxAddress.TryParse(reply.ContactEmail, out var address)
            && address.Address.Contains('@');
        var email = named ? reply.ContactEmail.Trim() : contact.Email;
        var name = named ? reply.ContactName : contact.Name;
        var subject = string.IsNullOrWhiteSpace(reply.Subject) ? contact.Subject : reply.Subject;
        var acknowledgement = await db.Deliveries.AsNoTracking()
            .Where(d => d.TicketId == contact.TicketId && d.Kind == MessageKind.Acknowledgement && d.Channel == Channel.Email && d.SentAt != null)
            .Select(d => d.MessageId).FirstOrDefaultAsync(context.CancellationToken);

        // By email (threaded, and the client's answer threads back by its Message-ID) and/or by text, as the contact allows.
        // No Auto-Submitted: a person wrote this, and the client's auto-responders may answer it like any mail.
        var eventKey = $"{MessageKind.Reply}:{reply.ReplyId:N}";
        foreach (var (channel, recipient) in (await recipients.ReachAsync(contact, MessageKind.Reply, email, context.CancellationToken)).Channels)
            await deliveries.SendOnceAsync(context, channel == Channel.Email
                ? Recipients.Draft(contact, eventKey, MessageKind.Reply, channel, recipient, name, ReplyMessageIds.For(reply.ReplyId, mailer.From.Domain),
                    Templates.Templates.Reply(reply.Number, subject, reply.Body), clock, inReplyTo: acknowledgement)
                : Recipients.Draft(contact, eventKey, MessageKind.Reply, channel, recipient, name,
                    Recipients.MessageIdFor(eventKey, channel, recipient, MessageKind.Reply, mailer.From.Domain),
                    Templates.Templates.ReplySms(reply.Number, reply.Body), clock));
    }
}
