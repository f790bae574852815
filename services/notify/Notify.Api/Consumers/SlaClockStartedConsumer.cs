using System.Globalization;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Notify.Api.Data;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Contracts;
using ServiceDesk.Platform;
using Sla.Contracts;

namespace Notify.Api.Consumers;

/// <summary>
/// Once a ticket's clock runs, tells the contact by email that the request was received and when work will begin.
/// Sent once per ticket: the inbox makes a redelivered message a no-op, and the ticket's contact row stays locked (in
/// the consumer outbox's transaction) while the mail goes out, so two different messages for one ticket wait for each
/// other and the second finds the acknowledgement recorded. If the process dies after sending but before committing,
/// the redelivery sends again (at-least-once) with the same Message-ID, so mail clients can fold the copies.
/// </summary>
public sealed class SlaClockStartedConsumer(NotifyDbContext db, Mailer mailer, TimeProvider clock, ILogger<SlaClockStartedConsumer> logger)
    : IConsumer<SlaClockStarted>
{
    public async Task Consume(ConsumeContext<SlaClockStarted> context)
    {
        var sla = context.Message;
        var cancellationToken = context.CancellationToken;
        // TicketOpened normally arrives first; if not, the retry policy brings this message back shortly.
        var contact = await db.Contacts.FromSql($"SELECT * FROM ticket_contacts WHERE \"TicketId\" = {sla.TicketId} FOR UPDATE")
            .AsNoTracking().SingleOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Ticket {sla.TicketId} is not known to notify yet.");
        Telemetry.TagTicket(contact.TicketId, contact.ClientId, sla.Priority);

        var sent = await db.Acknowledgements.AsNoTracking().SingleOrDefaultAsync(a => a.TicketId == sla.TicketId, cancellationToken);
        if (sent is null)
        {
            // Deterministic, so a resend is recognisably the same message and replies thread onto the ticket.
            var messageId = $"{contact.TicketId:N}.ack@{mailer.From.Domain}";
            await mailer.SendAsync(Compose(contact, sla, messageId), cancellationToken);
            sent = new SentAcknowledgement { TicketId = contact.TicketId, Recipient = contact.Email, MessageId = messageId, SentAt = clock.GetUtcNow() };
            db.Acknowledgements.Add(sent);
            await db.SaveChangesAsync(cancellationToken);
            logger.LogInformation("Acknowledged SD#{Number} to {Recipient}", contact.Number, contact.Email);
        }

        await context.Publish(new AcknowledgementSent(sent.TicketId, "email", sent.Recipient, sent.MessageId, sent.SentAt));
    }

    private MimeMessage Compose(TicketContact contact, SlaClockStarted sla, string messageId)
    {
        var reference = $"SD#{contact.Number}";
        var workBegins = FormatLocal(sla.WorkBeginsDueAt, sla.TimeZone);
        var from = mailer.From;
        var message = new MimeMessage
        {
            MessageId = messageId,
            Subject = $"[{reference}] We received your request: {contact.Subject}",
            Body = new TextPart("plain")
            {
                Text = $"""
                    Hello {contact.Name ?? contact.Email},

                    We received your request "{contact.Subject}" and opened ticket {reference}.
                    Work will begin by {workBegins}.

                    Reply to this email to add to the ticket; keep {reference} in the subject.
                    """,
            },
        };
        message.From.Add(from);
        message.To.Add(new MailboxAddress(contact.Name, contact.Email));
        message.Headers.Add("Auto-Submitted", "auto-replied"); // RFC 3834: other robots must not answer this
        return message;
    }

    /// <summary>"Monday 23 November 2026, 10:00 (America/New_York)": the client's local time, unambiguous.</summary>
    internal static string FormatLocal(DateTimeOffset instant, string timeZone)
    {
        var local = TimeZoneInfo.ConvertTime(instant, TimeZoneInfo.FindSystemTimeZoneById(timeZone));
        return local.ToString("dddd d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture) + $" ({timeZone})";
    }
}
