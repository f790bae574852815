using System.Data;
using MassTransit;
using MassTransit.Middleware;
using MassTransit.Middleware.Outbox;
using Microsoft.EntityFrameworkCore;

namespace ServiceDesk.Platform.Outbox;

/// <summary>
/// The consumer outbox and inbox on PostgreSQL, behind MassTransit's <see cref="IOutboxContextFactory{TContext}"/>.
/// MassTransit's OutboxConsumeFilter drives the passes; each runs in one transaction that holds the inbox row
/// (MessageId + consumer) locked: (1) record the message as received and run the consumer, whose database changes,
/// captured messages and the "consumed" mark commit together; (2) send the captured messages to the broker, mark the
/// inbox row delivered and remove the sent rows. (MassTransit's own EF outbox spends four commits on this; two matter
/// at our volumes, and the new row's unique key gives the same exclusion as its separate first pass.) A redelivered or duplicated message finds its row consumed and has no second effect.
/// </summary>
internal sealed class OutboxContextFactory<TDbContext>(TDbContext db, IServiceProvider provider) : IOutboxContextFactory<TDbContext>
    where TDbContext : DbContext
{
    public async Task Send<T>(ConsumeContext<T> context, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next)
        where T : class
    {
        var messageId = context.GetOriginalMessageId() ?? throw new MessageException(typeof(T), "The inbox needs a MessageId.");
        var continueProcessing = true;
        while (continueProcessing)
            continueProcessing = await Pass(context, messageId, options, next);
    }

    private async Task<bool> Pass<T>(ConsumeContext<T> context, Guid messageId, OutboxConsumeOptions options, IPipe<OutboxConsumeContext<T>> next)
        where T : class
    {
        db.ChangeTracker.Clear(); // a retried attempt starts from the database, not from what a failed one tracked
        // Read committed is enough: the inbox row lock serialises every pass for one message and consumer.
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.ReadCommitted, context.CancellationToken);
        var inbox = await db.Set<InboxState>()
            .FromSql($"""SELECT * FROM "InboxState" WHERE "MessageId" = {messageId} AND "ConsumerId" = {options.ConsumerId} FOR UPDATE""")
            .AsTracking()
            .SingleOrDefaultAsync(context.CancellationToken);
        if (inbox is null)
        {
            // First delivery: the new row's unique key holds any concurrent copy until this transaction ends; that copy
            // then fails, is retried, and finds the message consumed.
            inbox = new InboxState { MessageId = messageId, ConsumerId = options.ConsumerId, Received = DateTime.UtcNow, LockId = NewId.NextGuid() };
            db.Add(inbox);
        }
        else
        {
            inbox.LockId = NewId.NextGuid();
        }
        inbox.ReceiveCount++;
        await db.SaveChangesAsync(context.CancellationToken);
        var outboxContext = new InboxConsumeContext<TDbContext, T>(context, options, provider, db, inbox);
        var wasDelivered = outboxContext.IsOutboxDelivered;
        await next.Send(outboxContext);
        // Delivered just now: the closing step (remove the sent rows, report the message consumed) joins this commit.
        if (!wasDelivered && outboxContext.IsOutboxDelivered && outboxContext.ContinueProcessing) await next.Send(outboxContext);
        await db.SaveChangesAsync(context.CancellationToken);
        // Not cancellable: once the work is done, abandoning the commit would only make it run again.
        await transaction.CommitAsync(CancellationToken.None);
        return outboxContext.ContinueProcessing;
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("outboxContextFactory").Add("provider", "servicedesk-postgres");
}

/// <summary>What the outbox filter sees of one pass: the inbox row, and where captured messages are stored.</summary>
internal sealed class InboxConsumeContext<TDbContext, TMessage>(
    ConsumeContext<TMessage> context, OutboxConsumeOptions options, IServiceProvider provider, TDbContext db, InboxState inbox)
    : OutboxConsumeContextProxy<TMessage>(context, options, provider)
    where TDbContext : DbContext
    where TMessage : class
{
    private readonly Lock _adding = new();

    public override Guid? MessageId => inbox.MessageId;
    public override bool ContinueProcessing { get; set; } = true;
    public override bool IsMessageConsumed => inbox.Consumed.HasValue;
    public override bool IsOutboxDelivered => inbox.Delivered.HasValue;
    public override int ReceiveCount => inbox.ReceiveCount;
    public override long? LastSequenceNumber => inbox.LastSequenceNumber;

    public override async Task SetConsumed()
    {
        inbox.Consumed = DateTime.UtcNow;
        await db.SaveChangesAsync(CancellationToken);
    }

    public override async Task SetDelivered()
    {
        inbox.Delivered = DateTime.UtcNow;
        await db.SaveChangesAsync(CancellationToken);
    }

    public override async Task<List<OutboxMessageContext>> LoadOutboxMessages()
    {
        var after = LastSequenceNumber ?? 0;
        var messages = await db.Set<OutboxMessage>()
            .Where(m => m.InboxMessageId == inbox.MessageId && m.InboxConsumerId == ConsumerId && m.SequenceNumber > after)
            .OrderBy(m => m.SequenceNumber)
            .Take(Options.MessageDeliveryLimit + 1)
            .AsNoTracking()
            .ToListAsync(CancellationToken);
        foreach (var message in messages) message.Deserialize(SerializerContext);
        return [.. messages];
    }

    public override Task NotifyOutboxMessageDelivered(OutboxMessageContext message)
    {
        inbox.LastSequenceNumber = message.SequenceNumber;
        return Task.CompletedTask;
    }

    public override Task RemoveOutboxMessages() =>
        db.Set<OutboxMessage>()
            .Where(m => m.InboxMessageId == inbox.MessageId && m.InboxConsumerId == ConsumerId)
            .ExecuteDeleteAsync(CancellationToken);

    public override Task AddSend<T>(SendContext<T> context)
    {
        var message = OutboxMessage.From(context, inbox.MessageId, ConsumerId, outboxId: null);
        lock (_adding) db.Add(message); // a consumer may publish from several tasks at once
        return Task.CompletedTask;
    }
}
