using MassTransit;
using Notify.Api.Channels;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Api.Sending;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Notify.Api.Consumers;

/// <summary>
/// The night emergency's mail to the client (docs/adr/0039): the ticket's contact gets the summary of the call-down walk
/// with every call (once per ticket): whom we reached, or that nobody was and when work starts instead; the person reached
/// gets the request for approval with the terms quoted (once per ticket); and an approver who asked for it gets the
/// written confirmation of their approval (once per approval). The ledger's event keys make copies and redeliveries send nothing.
/// </summary>
public sealed class AfterHoursConsumer(Recipients recipients, Deliveries deliveries, Mailer mailer, TimeProvider clock)
    : IConsumer<CallDownExhausted>, IConsumer<CallDownReached>, IConsumer<AfterHoursWorkApproved>
{
    public async Task Consume(ConsumeContext<CallDownExhausted> context)
    {
        var exhausted = context.Message;
        var (contact, email, name, reach) = await SummaryReachAsync(context, exhausted.TicketId, exhausted.ClientId, exhausted.ContactEmail,
            exhausted.ContactName, MessageKind.CallDownExhausted);
        var text = Templates.Templates.CallDownExhausted(new(contact.Number, name ?? email, contact.Subject, exhausted.WaitsUntil,
            reach.TimeZone, reach.Language, exhausted.Calls));
        await SendAsync(context, contact, $"{MessageKind.CallDownExhausted}:{contact.TicketId:N}", MessageKind.CallDownExhausted, email, name, text);
    }

    public async Task Consume(ConsumeContext<CallDownReached> context)
    {
        var reached = context.Message;
        var (contact, email, name, reach) = await SummaryReachAsync(context, reached.TicketId, reached.ClientId, reached.ContactEmail,
            reached.ContactName, MessageKind.CallDownReached);
        var text = Templates.Templates.CallDownReached(new(contact.Number, name ?? email, contact.Subject, reached.ReachedName, reached.At,
            reached.Calls, reach.TimeZone, reach.Language));
        await SendAsync(context, contact, $"{MessageKind.CallDownReached}:{contact.TicketId:N}", MessageKind.CallDownReached, email, name, text);

        // The person reached, asked in writing too, with the terms quoted: their reply (SD# in the subject) threads onto the ticket.
        if (string.IsNullOrWhiteSpace(reached.ReachedEmail)) return;
        var approver = reached.ReachedEmail.Trim();
        var theirs = await recipients.ReachAsync(contact, MessageKind.ApprovalRequest, approver, context.CancellationToken);
        var request = Templates.Templates.ApprovalRequest(new(contact.Number, reached.ReachedName, contact.Subject, reached.QuotedRate,
            reached.QuotedMinimum, reached.Currency, theirs.Language));
        await SendAsync(context, contact, $"{MessageKind.ApprovalRequest}:{contact.TicketId:N}", MessageKind.ApprovalRequest, approver,
            reached.ReachedName, request);
    }

    public async Task Consume(ConsumeContext<AfterHoursWorkApproved> context)
    {
        var approved = context.Message;
        if (!approved.SendConfirmation || string.IsNullOrWhiteSpace(approved.ApproverEmail)) return;
        Telemetry.TagTicket(approved.TicketId, approved.ClientId);
        var contact = await recipients.LockTicketAsync(approved.TicketId, context.CancellationToken);
        var eventKey = $"{MessageKind.ApprovalConfirmation}:{approved.ApprovalId:N}";
        var reach = await recipients.ReachAsync(contact, MessageKind.ApprovalConfirmation, approved.ApproverEmail.Trim(), context.CancellationToken);
        var text = Templates.Templates.ApprovalConfirmation(new(contact.Number, approved.ApproverName, contact.Subject, approved.Method, approved.At,
            approved.QuotedRate, approved.QuotedMinimum, approved.Currency, approved.CapHours, approved.OnSiteRequired, approved.RepresentativePresent,
            reach.TimeZone, reach.Language));
        await SendAsync(context, contact, eventKey, MessageKind.ApprovalConfirmation, approved.ApproverEmail.Trim(), approved.ApproverName, text);
    }

    /// <summary>The ticket (locked) and where the walk's summary goes: the contact the event names, else the ticket's, in their words.</summary>
    private async Task<(TicketContact Contact, string Email, string? Name, ContactReach Reach)> SummaryReachAsync(ConsumeContext context, Guid ticketId,
        Guid clientId, string? contactEmail, string? contactName, string kind)
    {
        Telemetry.TagTicket(ticketId, clientId);
        var contact = await recipients.LockTicketAsync(ticketId, context.CancellationToken);
        var (email, name) = string.IsNullOrWhiteSpace(contactEmail) ? (contact.Email, contact.Name) : (contactEmail, contactName);
        return (contact, email, name, await recipients.ReachAsync(contact, kind, email, context.CancellationToken));
    }

    private Task SendAsync(ConsumeContext context, TicketContact contact, string eventKey, string kind, string email, string? name,
        Templates.Composed text) =>
        deliveries.SendOnceAsync(context, Recipients.Draft(contact, eventKey, kind, Channel.Email, email, name,
            Recipients.MessageIdFor(eventKey, Channel.Email, email, kind, mailer.From.Domain), text, clock, autoSubmitted: "auto-generated"));
}
