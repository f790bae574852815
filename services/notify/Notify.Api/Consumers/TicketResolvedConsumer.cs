using MassTransit;
using Microsoft.EntityFrameworkCore;
using Notify.Api.Channels;
using Notify.Api.Data;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Api.Sending;
using Notify.Api.Templates;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Notify.Api.Consumers;

/// <summary>
/// Tells the contact their ticket was resolved, with how to reopen it (email threaded under the acknowledgement, and/or SMS,
/// by their preference). One message
/// per resolution (keyed by the ticket's version, or the instant for an unversioned event): resolved, reopened and
/// resolved again is two.
/// </summary>
public sealed class TicketResolvedConsumer(NotifyDbContext db, Recipients recipients, Deliveries deliveries, Mailer mailer, TimeProvider clock)
    : IConsumer<TicketResolved>
{
    public async Task Consume(ConsumeContext<TicketResolved> context)
    {
        var changed = context.Message;
        Telemetry.TagTicket(changed.TicketId, changed.ClientId);
        var contact = await recipients.LockTicketAsync(changed.TicketId, context.CancellationToken);
        var occurrence = changed.TicketVersion > 0 ? $"v{changed.TicketVersion}" : changed.At.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var eventKey = $"{MessageKind.Resolution}:{contact.TicketId:N}:{occurrence}";
        var acknowledgement = await db.Deliveries.AsNoTracking()
            .Where(d => d.TicketId == contact.TicketId && d.Kind == MessageKind.Acknowledgement && d.Channel == Channel.Email && d.SentAt != null)
            .Select(d => d.MessageId).FirstOrDefaultAsync(context.CancellationToken);
        var reach = await recipients.ReachAsync(contact, MessageKind.Resolution, contact.Email, context.CancellationToken);
        var model = new ResolutionModel(contact.Number, contact.Name ?? contact.Email, contact.Subject, changed.At, reach.TimeZone, reach.Language);
        foreach (var (channel, recipient) in reach.Channels)
            await deliveries.SendOnceAsync(context, Recipients.Draft(contact, eventKey, MessageKind.Resolution, channel, recipient, contact.Name,
                Recipients.MessageIdFor(eventKey, channel, recipient, MessageKind.Resolution, mailer.From.Domain),
                channel == Channel.Email ? Templates.Templates.Resolution(model) : Templates.Templates.ResolutionSms(model), clock,
                inReplyTo: channel == Channel.Email ? acknowledgement : null, autoSubmitted: "auto-generated"));
    }
}
