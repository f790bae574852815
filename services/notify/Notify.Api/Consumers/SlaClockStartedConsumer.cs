using MassTransit;
using Notify.Api.Data;
using Notify.Api.Channels;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Api.Sending;
using Notify.Api.Templates;
using ServiceDesk.Platform;
using Sla.Contracts;

namespace Notify.Api.Consumers;

/// <summary>
/// Once a ticket's clock runs, notify knows the ticket (docs/adr/0068) and tells the contact that the request was
/// received and when work will begin, and, once the mail server accepted it, announces
/// <see cref="Notify.Contracts.AcknowledgementSent"/> (what meets the target). One message per ticket: the ledger's key is the ticket, and the ticket's contact row stays locked (in the
/// consumer outbox's transaction) while it goes out, so two copies of the event wait for each other and the second
/// finds the row. If the process dies after sending but before committing, the redelivery sends again (at-least-once)
/// with the same Message-ID, so mail clients can fold the copies.
/// </summary>
public sealed class SlaClockStartedConsumer(Recipients recipients, Deliveries deliveries, Mailer mailer, TimeProvider clock)
    : IConsumer<SlaClockStarted>
{
    public async Task Consume(ConsumeContext<SlaClockStarted> context)
    {
        var sla = context.Message;
        var contact = await recipients.StartTicketAsync(sla, context.CancellationToken);
        Telemetry.TagTicket(contact.TicketId, contact.ClientId, sla.Priority);

        var eventKey = $"{MessageKind.Acknowledgement}:{contact.TicketId:N}";
        // On every channel the contact allows (email; SMS for a request by text or phone, or by their preference; a call
        // reads the text message out), in their language and zone.
        var reach = await recipients.ReachAsync(contact, MessageKind.Acknowledgement, contact.Email, context.CancellationToken);
        var model = new AcknowledgementModel(contact.Number, contact.Name ?? contact.Email, contact.Subject, sla.WorkBeginsDueAt, reach.TimeZone,
            sla.OutsideCoverage ? sla.CountsFrom : null, sla.PagesOnCall, reach.Language);
        foreach (var (channel, recipient) in reach.Channels)
            await deliveries.SendOnceAsync(context, channel == Channel.Email
                ? Recipients.Draft(contact, eventKey, MessageKind.Acknowledgement, channel, recipient, contact.Name,
                    $"{contact.TicketId:N}.ack@{mailer.From.Domain}", Templates.Templates.Acknowledgement(model), clock,
                    autoSubmitted: "auto-replied") // RFC 3834: other robots must not answer this
                : Recipients.Draft(contact, eventKey, MessageKind.Acknowledgement, channel, recipient, contact.Name,
                    Recipients.MessageIdFor(eventKey, channel, recipient, MessageKind.Acknowledgement, mailer.From.Domain),
                    Templates.Templates.AcknowledgementSms(model), clock));
    }
}
