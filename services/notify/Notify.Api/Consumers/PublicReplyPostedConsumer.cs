using MassTransit;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Notify.Api.Data;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Contracts;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Notify.Api.Consumers;

/// <summary>
/// Mails a public reply to the ticket's contact, threaded under the ticket's acknowledgement, then announces the mail's
/// Message-ID so the client's answer threads back onto the ticket. Mailed once per reply, like the acknowledgement: the
/// inbox makes a redelivered message a no-op, the ticket's contact row stays locked (in the consumer outbox's
/// transaction) while the mail goes out, and the sent reply is recorded by its reply id, so a copy republished with a new
/// MessageId finds it. If the process dies after sending but before committing, the redelivery sends again
/// (at-least-once) with the same Message-ID.
/// </summary>
public sealed class PublicReplyPostedConsumer(NotifyDbContext db, Mailer mailer, TimeProvider clock, ILogger<PublicReplyPostedConsumer> logger)
    : IConsumer<PublicReplyPosted>
{
    public async Task Consume(ConsumeContext<PublicReplyPosted> context)
    {
        var reply = context.Message;
        var cancellationToken = context.CancellationToken;
        Telemetry.TagTicket(reply.TicketId, reply.ClientId);
        // TicketOpened comes long before a reply; if not, the retry policy brings this message back shortly.
        var contact = await db.Contacts.FromSql($"SELECT * FROM ticket_contacts WHERE \"TicketId\" = {reply.TicketId} FOR UPDATE")
            .AsNoTracking().SingleOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Ticket {reply.TicketId} is not known to notify yet.");

        var sent = await db.Replies.AsNoTracking().SingleOrDefaultAsync(r => r.ReplyId == reply.ReplyId, cancellationToken);
        if (sent is null)
        {
            // Deterministic, so a resend is recognisably the same message.
            var messageId = ReplyMessageIds.For(reply.ReplyId, mailer.From.Domain);
            var acknowledgement = await db.Acknowledgements.AsNoTracking()
                .Where(a => a.TicketId == contact.TicketId).Select(a => a.MessageId).SingleOrDefaultAsync(cancellationToken);
            var message = Compose(reply, contact, messageId, acknowledgement);
            await mailer.SendAsync(message, cancellationToken);
            sent = new SentReply
            {
                ReplyId = reply.ReplyId, TicketId = contact.TicketId, Recipient = message.To.Mailboxes.Single().Address,
                MessageId = messageId, SentAt = clock.GetUtcNow(),
            };
            db.Replies.Add(sent);
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Mailed reply {ReplyId} on SD#{Number} to {Recipient}", reply.ReplyId, reply.Number, sent.Recipient);
        }

        await context.Publish(new ReplyMailed(sent.ReplyId, sent.TicketId, sent.MessageId, sent.Recipient, sent.SentAt));
    }

    /// <summary>To the contact the reply names (tickets' current one), falling back to whom notify knows for the ticket.</summary>
    private MimeMessage Compose(PublicReplyPosted reply, TicketContact contact, string messageId, string? acknowledgementId)
    {
        var email = string.IsNullOrWhiteSpace(reply.ContactEmail) ? contact.Email : reply.ContactEmail;
        var name = string.IsNullOrWhiteSpace(reply.ContactEmail) ? contact.Name : reply.ContactName;
        var subject = string.IsNullOrWhiteSpace(reply.Subject) ? contact.Subject : reply.Subject;
        var message = new MimeMessage
        {
            MessageId = messageId,
            Subject = $"[SD#{reply.Number}] {subject}",
            Body = new TextPart("plain") { Text = reply.Body },
        };
        message.From.Add(mailer.From);
        message.To.Add(new MailboxAddress(name, email));
        if (acknowledgementId is not null)
        {
            // The client's mail program shows the reply in the acknowledgement's thread, and answers carry both ids.
            message.InReplyTo = acknowledgementId;
            message.References.Add(acknowledgementId);
        }
        // No Auto-Submitted: a person wrote this, and the client's auto-responders may answer it like any mail.
        return message;
    }
}
