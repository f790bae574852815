using System.Data;
using MassTransit;
using MassTransit.Middleware;
using MassTransit.Middleware.Outbox;
using MassTransit.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace ServiceDesk.Platform.Outbox;

/// <summary>
/// The consumer outbox and inbox on PostgreSQL, behind MassTransit's <see cref="IOutboxContextFactory{TContext}"/>: one
/// transaction per delivery (docs/adr/0030). It asks the inbox whether this consumer has had the message (MessageId +
/// consumer; if so it only counts the redelivery) when the delivery may have been consumed before (docs/adr/0069). If
/// not, it runs the consumer, and its database changes, the messages it published (as an outbox of their own, which
/// <see cref="OutboxDeliveryService{TDbContext}"/> sends after the commit, batched with others) and the inbox row commit
/// together, in one batch of statements where the consumer leaves them pending. A redelivered or duplicated message finds the row and has no second effect; a copy processed at the
/// same moment meets the first on the inbox row's unique key, fails, and is retried into finding it.
/// </summary>
internal sealed class OutboxContextFactory<TDbContext>(TDbContext db, OutboxSignal signal, IServiceProvider provider) : IOutboxContextFactory<TDbContext>
    where TDbContext : DbContext
{
    public async Task Send<T>(ConsumeContext<T> context, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next)
        where T : class
    {
        var messageId = context.GetOriginalMessageId() ?? throw new MessageException(typeof(T), "The inbox needs a MessageId.");
        db.ChangeTracker.Clear(); // a retried attempt starts from the database, not from what a failed one tracked
        // EF Core wraps each SaveChanges inside a transaction in a savepoint, so that the transaction could go on after a
        // failed save: two more statements per save, for nothing here, where a failed save fails the whole attempt and the
        // retry starts a fresh transaction (docs/adr/0030).
        db.Database.AutoSavepointsEnabled = false;
        try
        {
            await ConsumeOnceAsync(context, options, next, messageId);
        }
        finally
        {
            db.Database.AutoSavepointsEnabled = true; // the pooled context serves HTTP requests too, which may rely on them
        }
    }

    private async Task ConsumeOnceAsync<T>(ConsumeContext<T> context, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next, Guid messageId)
        where T : class
    {
        // Read committed is enough: rows the consumer changes are locked by it, and the inbox row's key settles duplicates.
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, context.CancellationToken);
        // Had it already: counted as received once more (ops see redeliveries), acknowledged, no second effect. Asked
        // only of a delivery that may have been consumed: one the broker redelivers, or a retry. A first delivery is new
        // but for a copy published again with the same MessageId (an outbox sent again after a crash); that copy meets
        // the first one's row on its key when this transaction commits its own, fails, and its retry asks here
        // (docs/adr/0069). It saves a round trip on nearly every delivery.
        if (context.MayBeCopy())
        {
            var seen = await db.Set<InboxState>()
                .Where(i => i.MessageId == messageId && i.ConsumerId == options.ConsumerId)
                .ExecuteUpdateAsync(i => i.SetProperty(x => x.ReceiveCount, x => x.ReceiveCount + 1), context.CancellationToken);
            if (seen > 0)
            {
                await transaction.CommitAsync(CancellationToken.None);
                return;
            }
        }

        var outboxContext = new InboxConsumeContext<TDbContext, T>(context, options, provider, db, messageId, provider.GetService<LocalTimers.Hosted>() is not null);
        await next.Send(outboxContext); // runs the consumer, then SetConsumed
        // Not cancellable: once the work is done, abandoning the commit would only make it run again.
        await transaction.CommitAsync(CancellationToken.None);
        if (outboxContext.Outbox is { } outbox) signal.Committed(outbox);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("outboxContextFactory").Add("provider", "servicedesk-postgres");
}

/// <summary>What MassTransit's outbox pipe sees of one delivery: never consumed before (else it is not called), and where captured messages go.</summary>
internal sealed class InboxConsumeContext<TDbContext, TMessage>(
    ConsumeContext<TMessage> context, OutboxConsumeOptions options, IServiceProvider provider, TDbContext db, Guid messageId, bool localTimers)
    : OutboxConsumeContextProxy<TMessage>(context, options, provider)
    where TDbContext : DbContext
    where TMessage : class
{
    private readonly SemaphoreSlim _adding = new(1); // a consumer may publish from several tasks at once
    private CommittedOutbox? _outbox;
    private bool _consumed;

    /// <summary>What the consumer published, if anything: handed to the delivery service once the transaction commits.</summary>
    public CommittedOutbox? Outbox => _outbox;

    public override Guid? MessageId => messageId;
    public override bool ContinueProcessing { get; set; } = true;
    public override bool IsMessageConsumed => _consumed;
    public override bool IsOutboxDelivered => _consumed;
    public override int ReceiveCount => 1;
    public override long? LastSequenceNumber => null;

    /// <summary>The inbox row, with whatever the consumer left pending and the captured messages: one batch, one round trip.</summary>
    public override async Task SetConsumed()
    {
        var now = DateTime.UtcNow;
        db.Add(new InboxState
        {
            MessageId = messageId, ConsumerId = ConsumerId, LockId = NewId.NextGuid(), Received = now, ReceiveCount = 1, Consumed = now, Delivered = now,
        });
        await db.SaveChangesAsync(CancellationToken);
        _consumed = true;
        ContinueProcessing = false;
    }

    // The delivery passes of MassTransit's pipe never run: a delivery is consumed in one pass, its messages sent after the commit.
    public override Task SetDelivered() => throw new NotSupportedException("The consumer outbox delivers through the bus outbox.");
    public override Task<List<OutboxMessageContext>> LoadOutboxMessages() => throw new NotSupportedException("The consumer outbox delivers through the bus outbox.");
    public override Task NotifyOutboxMessageDelivered(OutboxMessageContext message) => throw new NotSupportedException("The consumer outbox delivers through the bus outbox.");
    public override Task RemoveOutboxMessages() => throw new NotSupportedException("The consumer outbox delivers through the bus outbox.");

    public override async Task AddSend<T>(SendContext<T> context)
    {
        await _adding.WaitAsync(CancellationToken);
        try
        {
            // This service hosts the scheduler: a timer is a row of this transaction, not a message to itself (docs/adr/0031).
            if (localTimers && context is SendContext<ScheduleMessage> schedule)
            {
                LocalTimers.Schedule(db, schedule);
                return;
            }
            if (localTimers && context is SendContext<CancelScheduledMessage> cancel)
            {
                await LocalTimers.CancelAsync(db, cancel.Message.TokenId, CancellationToken);
                return;
            }
            if (_outbox is null)
            {
                var state = new OutboxState { OutboxId = NewId.NextGuid(), Created = DateTime.UtcNow };
                db.Add(state);
                _outbox = new CommittedOutbox(state.OutboxId, new List<OutboxMessage>());
            }
            var message = OutboxMessage.From(context, inboxMessageId: null, inboxConsumerId: null, _outbox.OutboxId);
            db.Add(message);
            ((List<OutboxMessage>)_outbox.Messages).Add(message);
        }
        finally
        {
            _adding.Release();
        }
    }
}
