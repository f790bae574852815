using System.Globalization;
using MassTransit;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Api.Sending;
using Notify.Api.Templates;
using Notify.Contracts;
using ServiceDesk.Platform;
using Sla.Contracts;

namespace Notify.Api.Consumers;

/// <summary>
/// Tells the staff on duty (<see cref="Recipients.OnDutyAsync"/>) that a ticket's SLA step fell due: a warning by email, a
/// breach also by SMS, a P1's contractual breach also by a call. One message per step and recipient.
/// </summary>
public sealed class SlaAlertConsumer(Recipients recipients, Deliveries deliveries, Mailer mailer, TimeProvider clock)
    : IConsumer<SlaWarning>, IConsumer<SlaBreached>
{
    public Task Consume(ConsumeContext<SlaWarning> context)
    {
        var w = context.Message;
        return AlertAsync(context, w.TicketId, MessageKind.SlaWarning, $"{w.Target}:{w.Commitment}:{w.Percent}:{Ticks(w.StepDueAt)}",
            contact => new SlaAlertModel(contact.Number, contact.Subject, w.Priority, w.Target, w.Commitment, w.Percent, w.DueAt), urgent: false, call: false,
            w.AfterHours, w.StepDueAt);
    }

    public Task Consume(ConsumeContext<SlaBreached> context)
    {
        var b = context.Message;
        return AlertAsync(context, b.TicketId, MessageKind.SlaBreach, $"{b.Target}:{b.Commitment}:{Ticks(b.DueAt)}",
            contact => new SlaAlertModel(contact.Number, contact.Subject, b.Priority, b.Target, b.Commitment, 100, b.DueAt),
            urgent: true, call: b.Priority == "P1" && b.Commitment == SlaCommitments.Contractual, b.AfterHours, b.DueAt);
    }

    /// <param name="at">When the step fell due: whose quiet hours it falls in.</param>
    private async Task AlertAsync(ConsumeContext context, Guid ticketId, string kind, string step, Func<TicketContact, SlaAlertModel> model, bool urgent, bool call,
        bool afterHours, DateTimeOffset at)
    {
        var contact = await recipients.LockTicketAsync(ticketId, context.CancellationToken);
        Telemetry.TagTicket(contact.TicketId, contact.ClientId);
        var eventKey = $"{kind}:{contact.TicketId:N}:{step}";
        var text = Templates.Templates.SlaAlert(model(contact));
        foreach (var (channel, recipient, name) in await recipients.OnDutyAsync(contact, at, urgent, call, afterHours, context.CancellationToken))
            await deliveries.SendOnceAsync(context, Recipients.Draft(contact, eventKey, kind, channel, recipient, name,
                Recipients.MessageIdFor(eventKey, channel, recipient, kind, mailer.From.Domain), text, clock, autoSubmitted: "auto-generated"));
    }

    private static string Ticks(DateTimeOffset at) => at.UtcTicks.ToString(CultureInfo.InvariantCulture);
}

/// <summary>
/// A client-facing message did not reach its recipient: the staff on duty are told, by email (and SMS for an
/// acknowledgement), by the same rule as SLA warnings: by day the assignee, team or desk; when the client's calendar is
/// closed only the ticket's on-call person (a paged emergency), else nobody but the integrators' webhooks.
/// </summary>
public sealed class CommunicationFailedConsumer(Recipients recipients, Deliveries deliveries, Mailer mailer, TimeProvider clock)
    : IConsumer<CommunicationFailed>
{
    public async Task Consume(ConsumeContext<CommunicationFailed> context)
    {
        var failed = context.Message;
        var contact = await recipients.LockTicketAsync(failed.TicketId, context.CancellationToken);
        Telemetry.TagTicket(contact.TicketId, contact.ClientId);
        var eventKey = $"{MessageKind.DeliveryFailed}:{failed.MessageId}:{failed.Channel}:{failed.Recipient}";
        var text = Templates.Templates.DeliveryFailed(new DeliveryFailedModel(contact.Number, contact.Subject, failed.Kind, failed.Channel,
            failed.Recipient, failed.State, failed.Reason));
        // Judged when the notice goes out (now), not when the message failed: whoever is on duty now must act on it.
        var now = clock.GetUtcNow();
        var afterHours = await recipients.AfterHoursAsync(contact, now, context.CancellationToken);
        foreach (var (channel, recipient, name) in await recipients.OnDutyAsync(contact, now, urgent: failed.Kind == MessageKind.Acknowledgement, call: false,
            afterHours, context.CancellationToken))
            await deliveries.SendOnceAsync(context, Recipients.Draft(contact, eventKey, MessageKind.DeliveryFailed, channel, recipient, name,
                Recipients.MessageIdFor(eventKey, channel, recipient, MessageKind.DeliveryFailed, mailer.From.Domain), text, clock,
                autoSubmitted: "auto-generated"));
    }
}
