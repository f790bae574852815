using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
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
/// Pages for covered emergencies (tickets' paging saga, docs/adr/0041): the person paged gets an SMS, a call and an
/// email with the one-tap link, one of each per page whatever the redeliveries; the ticket remembers them as its
/// on-call person, so its night alerts reach them and nobody else. When nobody takes it, the desk is told.
/// </summary>
public sealed class PagingConsumer(NotifyDbContext db, Recipients recipients, Deliveries deliveries, Mailer mailer, IOptions<NotifyOptions> options,
    TimeProvider clock, ILogger<PagingConsumer> logger)
    : IConsumer<OnCallPaged>, IConsumer<PageAcknowledged>, IConsumer<PagingExhausted>
{
    public async Task Consume(ConsumeContext<OnCallPaged> context)
    {
        var page = context.Message;
        var ticket = await OnCallAsync(page.TicketId, page.Person, context.CancellationToken);
        var link = options.Value.PublicBaseUrl is { } site ? new Uri(site, $"/pages/{page.AckToken}").ToString() : null;
        var text = Templates.Templates.Page(new PageModel(ticket.Number, ticket.Subject, page.Layer, page.Round, link, page.TicketId, page.AckExpiresAt));
        var reach = recipients.Person(page.Person, urgent: true, call: true).ToList();
        if (reach.Count == 0)
        {
            // Nobody can be reached at this layer: the chain moves on when the wait is over; the desk hears of it now.
            logger.LogWarning("Page {PageId} of ticket {TicketId}: Staff:People has no address for {Person}", page.PageId, page.TicketId, page.Person);
            reach = [.. recipients.Desk()];
        }
        await SendAsync(context, ticket, $"{MessageKind.Page}:{page.PageId:N}", MessageKind.Page, reach, text);
    }

    public async Task Consume(ConsumeContext<PageAcknowledged> context)
    {
        var taken = context.Message;
        var ticket = await OnCallAsync(taken.TicketId, taken.By, context.CancellationToken);
        if (taken is not { How: "sms", PageId: { } pageId }) return;
        // Taken by a text back: confirm it to the number the page was texted to (the one that replied, docs/adr/0058).
        var pageKey = $"{MessageKind.Page}:{pageId:N}";
        var phone = await db.Deliveries.Where(d => d.EventKey == pageKey && d.Channel == Channel.Sms).Select(d => d.Recipient)
            .FirstOrDefaultAsync(context.CancellationToken);
        if (phone is null) return;
        await SendAsync(context, ticket, $"{MessageKind.PageTaken}:{pageId:N}", MessageKind.PageTaken, [(Channel.Sms, phone, (string?)taken.By)],
            Templates.Templates.PageTaken(ticket.Number, ticket.Subject));
    }

    public async Task Consume(ConsumeContext<PagingExhausted> context)
    {
        var exhausted = context.Message;
        var ticket = await recipients.LockTicketAsync(exhausted.TicketId, context.CancellationToken);
        var text = Templates.Templates.PagingExhausted(new PagingExhaustedModel(ticket.Number, ticket.Subject, exhausted.Reason));
        await SendAsync(context, ticket, $"{MessageKind.PagingExhausted}:{exhausted.TicketId:N}", MessageKind.PagingExhausted, recipients.Desk(), text);
    }

    /// <summary>The ticket, locked, with <paramref name="person"/> as its on-call person from now on.</summary>
    private async Task<TicketContact> OnCallAsync(Guid ticketId, string person, CancellationToken cancellationToken)
    {
        var ticket = await recipients.LockTicketAsync(ticketId, cancellationToken);
        Telemetry.TagTicket(ticket.TicketId, ticket.ClientId);
        await db.Contacts.Where(c => c.TicketId == ticketId).ExecuteUpdateAsync(c => c.SetProperty(x => x.OnCall, person), cancellationToken);
        return ticket;
    }

    private async Task SendAsync(ConsumeContext context, TicketContact ticket, string eventKey, string kind,
        IEnumerable<(string Channel, string Recipient, string? Name)> reach, Composed text)
    {
        foreach (var (channel, recipient, name) in reach)
            await deliveries.SendOnceAsync(context, Recipients.Draft(ticket, eventKey, kind, channel, recipient, name,
                Recipients.MessageIdFor(eventKey, channel, recipient, kind, mailer.From.Domain), text, clock, autoSubmitted: "auto-generated"));
    }
}
