using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Notify.Api.Channels;
using Notify.Api.Data;
using Notify.Api.Domain;
using Notify.Contracts;
using ServiceDesk.Platform;

namespace Notify.Api.Sending;

/// <summary>The durable scheduler brings this back to notify when a delivery's next attempt falls due.</summary>
/// <param name="Attempt">The attempts made when it was scheduled: a fire for an older attempt (a copy) changes nothing.</param>
public sealed record RetryDelivery(Guid DeliveryId, int Attempt);

/// <summary>
/// Sends through the delivery ledger: a message is stored once per event, recipient and channel, attempted at once,
/// retried with back-off through the durable scheduler while its provider's failure is transient, and stopped (failed)
/// when it is not or the attempts run out. All of it in the consuming message's transaction (the consumer outbox): the
/// row, the scheduled retry and the announcement commit together.
/// </summary>
public sealed class Deliveries(NotifyDbContext db, IDbContextFactory<NotifyDbContext> contexts, IEnumerable<IChannelProvider> providers,
    TimeProvider clock, IOptions<NotifyOptions> options, ILogger<Deliveries> logger)
{
    /// <summary>
    /// The ledger's row for <paramref name="draft"/>'s event, recipient and channel: the one already there (a redelivered
    /// or republished event), else <paramref name="draft"/>, stored and attempted now. A row already accepted by its
    /// provider is announced again (from what was stored) so a republished event gets its answer.
    /// </summary>
    public async Task<Domain.Delivery> SendOnceAsync(ConsumeContext context, Domain.Delivery draft)
    {
        var existing = await db.Deliveries.AsTracking().SingleOrDefaultAsync(
            d => d.EventKey == draft.EventKey && d.Recipient == draft.Recipient && d.Channel == draft.Channel, context.CancellationToken);
        if (existing is not null)
        {
            if (existing.SentAt is not null) await AnnounceAsync(context, existing);
            // A page's row committed ahead of its send whose consume then failed: this redelivery makes the attempt.
            else if (existing is { State: DeliveryState.Queued, Attempts: 0 }) await AttemptAsync(context, existing);
            return existing;
        }
        if (draft is { Kind: MessageKind.Page, Channel: Channel.Sms })
        {
            var stored = await CommitAheadAsync(draft, context.CancellationToken);
            db.Deliveries.Attach(stored);
            if (stored is { State: DeliveryState.Queued, Attempts: 0 }) await AttemptAsync(context, stored);
            return stored;
        }
        db.Deliveries.Add(draft);
        await AttemptAsync(context, draft);
        return draft;
    }

    /// <summary>
    /// A page's text is on record before it is sent, committed on a connection of its own (docs/adr/0058): the person
    /// may answer it by SMS in the instant between Twilio's acceptance and the consumer's commit, and a reply is matched
    /// to its page by this row. Stored here it is "queued"; the attempt in the consumer's transaction marks it sent or
    /// failed. The row already there (a consume that failed after storing it) is returned as it is.
    /// </summary>
    private async Task<Domain.Delivery> CommitAheadAsync(Domain.Delivery draft, CancellationToken cancellationToken)
    {
        await using var own = await contexts.CreateDbContextAsync(cancellationToken);
        return await own.InsertOnceAsync(d => d.EventKey == draft.EventKey && d.Recipient == draft.Recipient && d.Channel == draft.Channel,
            () => draft, cancellationToken);
    }

    /// <summary>One attempt: the provider's answer moves the row to sent, schedules the next attempt, or fails it.</summary>
    public async Task AttemptAsync(ConsumeContext context, Domain.Delivery delivery)
    {
        var provider = providers.FirstOrDefault(p => p.Channel == delivery.Channel);
        delivery.Attempts++;
        var outcome = provider is { IsConfigured: true }
            ? await provider.SendAsync(new OutboundMessage(delivery.Id, delivery.Recipient, delivery.RecipientName, delivery.MessageId,
                delivery.InReplyTo, delivery.Subject, delivery.Text, delivery.Html, delivery.AutoSubmitted), context.CancellationToken)
            : new SendOutcome.Failed($"The {delivery.Channel} channel is not configured.", Transient: false);
        var now = clock.GetUtcNow();
        delivery.UpdatedAt = now;
        delivery.Provider = provider?.GetType().Name;
        switch (outcome)
        {
            case SendOutcome.Accepted accepted:
                delivery.State = DeliveryState.Sent;
                delivery.ProviderId = accepted.ProviderId;
                delivery.SentAt = now;
                delivery.NextAttemptAt = null;
                delivery.LastError = null;
                logger.LogInformation("Sent {Kind} {DeliveryId} by {Channel} to {Recipient} (attempt {Attempt})",
                    delivery.Kind, delivery.Id, delivery.Channel, delivery.Recipient, delivery.Attempts);
                break;
            case SendOutcome.Failed { Transient: true } failed when delivery.Attempts < options.Value.MaxAttempts:
                var delay = options.Value.Delays[delivery.Attempts - 1];
                delivery.LastError = Deliveries.Truncate(failed.Error);
                delivery.NextAttemptAt = now + delay;
                await context.SchedulePublish(delay, new RetryDelivery(delivery.Id, delivery.Attempts));
                logger.LogWarning("{Kind} {DeliveryId} by {Channel}: attempt {Attempt} failed ({Error}); next in {Delay}",
                    delivery.Kind, delivery.Id, delivery.Channel, delivery.Attempts, failed.Error, delay);
                break;
            case SendOutcome.Failed failed:
                delivery.State = DeliveryState.Failed;
                delivery.LastError = Deliveries.Truncate(failed.Error);
                delivery.FailedAt = now;
                delivery.NextAttemptAt = null;
                logger.LogWarning("{Kind} {DeliveryId} by {Channel} to {Recipient} failed for good after {Attempts} attempt(s): {Error}",
                    delivery.Kind, delivery.Id, delivery.Channel, delivery.Recipient, delivery.Attempts, failed.Error);
                break;
        }
        await db.SaveChangesAsync(context.CancellationToken);
        if (delivery.State == DeliveryState.Sent)
        {
            await AnnounceAsync(context, delivery);
            if (delivery.Channel is Channel.Sms or Channel.Voice) await ApplyEarlyReportsAsync(context, delivery);
        }
        else if (delivery.State == DeliveryState.Failed) await FailedAsync(context, delivery);
    }

    /// <summary>
    /// Status callbacks that arrived before this attempt's row was committed (a fast provider) were kept without a
    /// delivery; they are applied now, in the order they came, after the acceptance was announced. Runs in the consumed
    /// message's transaction, which the lock below needs.
    /// </summary>
    private async Task ApplyEarlyReportsAsync(ConsumeContext context, Domain.Delivery delivery)
    {
        // Held until this delivery's transaction commits: a callback still being stored is waited for, and one arriving
        // from now on waits for the row (ProviderReports.LockAsync).
        await ProviderReports.LockAsync(db, delivery.ProviderId!, context.CancellationToken);
        var prefix = $"twilio:{delivery.ProviderId}:";
        var early = await db.Reports.AsTracking().Where(r => r.DeliveryId == null && r.Key.StartsWith(prefix))
            .OrderBy(r => r.ReceivedAt).ToListAsync(context.CancellationToken);
        if (early.Count == 0) return;
        foreach (var report in early)
        {
            report.DeliveryId = delivery.Id;
            await ProviderReports.ApplyAsync(delivery, ProviderReports.FormPairs(report.Raw), clock.GetUtcNow(), context);
        }
        await db.SaveChangesAsync(context.CancellationToken);
    }

    /// <summary>Errors quote the provider; the ledger keeps the first 1000 characters.</summary>
    public static string Truncate(string error) => error.Length <= 1000 ? error : error[..1000];

    /// <summary>Tells the rest of the system a client-facing message reached its provider (what sla counts, what tickets threads by).</summary>
    private async Task AnnounceAsync(ConsumeContext context, Domain.Delivery delivery)
    {
        var sentAt = delivery.SentAt!.Value;
        // A client-facing text: tickets threads the contact's answer by their number (docs/adr/0047).
        if (delivery is { Channel: Channel.Sms, Kind: MessageKind.Acknowledgement or MessageKind.Reply or MessageKind.Resolution })
            await context.Publish(new TextMessageSent(delivery.TicketId, delivery.ClientId, delivery.Recipient, delivery.ProviderId ?? delivery.MessageId,
                delivery.Kind, sentAt));
        switch (delivery.Kind)
        {
            case MessageKind.Acknowledgement:
                await db.InsertOnceAsync(a => a.TicketId == delivery.TicketId, () => new SentAcknowledgement
                    { TicketId = delivery.TicketId, Recipient = delivery.Recipient, MessageId = delivery.MessageId, SentAt = sentAt }, context.CancellationToken);
                await context.Publish(new AcknowledgementSent(delivery.TicketId, delivery.Channel, delivery.Recipient, delivery.MessageId, sentAt));
                break;
            // Only the mail: an SMS's id is no Message-ID a mail client answers (and may look like a reply's by chance).
            case MessageKind.Reply when delivery.Channel == Channel.Email && ReplyMessageIds.TryParse(delivery.MessageId, out var replyId):
                await db.InsertOnceAsync(r => r.ReplyId == replyId, () => new SentReply
                    { ReplyId = replyId, TicketId = delivery.TicketId, Recipient = delivery.Recipient, MessageId = delivery.MessageId, SentAt = sentAt },
                    context.CancellationToken);
                await context.Publish(new ReplyMailed(replyId, delivery.TicketId, delivery.MessageId, delivery.Recipient, sentAt));
                break;
        }
    }

    /// <summary>A client-facing message that will not reach its recipient is news for sla and for staff.</summary>
    public static async Task FailedAsync(IPublishEndpoint publish, Domain.Delivery delivery)
    {
        if (delivery.Kind is not (MessageKind.Acknowledgement or MessageKind.Reply or MessageKind.Resolution)) return; // staff alerts do not alert about themselves
        await publish.Publish(new CommunicationFailed(delivery.TicketId, delivery.ClientId, delivery.MessageId, delivery.Kind, delivery.Channel,
            delivery.Recipient, delivery.State, delivery.LastError ?? "", delivery.FailedAt ?? delivery.UpdatedAt));
    }

    private static Task FailedAsync(ConsumeContext context, Domain.Delivery delivery) => FailedAsync((IPublishEndpoint)context, delivery);
}

/// <summary>Runs a scheduled retry: only while the delivery still waits for exactly that attempt.</summary>
public sealed class RetryDeliveryConsumer(NotifyDbContext db, Deliveries deliveries) : IConsumer<RetryDelivery>
{
    public async Task Consume(ConsumeContext<RetryDelivery> context)
    {
        var delivery = await db.Deliveries.FromSql($"SELECT * FROM deliveries WHERE \"Id\" = {context.Message.DeliveryId} FOR UPDATE")
            .AsTracking().SingleOrDefaultAsync(context.CancellationToken);
        if (delivery is null || delivery.State != DeliveryState.Queued || delivery.Attempts != context.Message.Attempt) return;
        await deliveries.AttemptAsync(context, delivery);
    }
}
