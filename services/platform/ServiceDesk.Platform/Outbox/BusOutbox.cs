using System.Data.Common;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using MassTransit;
using MassTransit.Clients;
using MassTransit.DependencyInjection;
using MassTransit.Middleware;
using MassTransit.Middleware.Outbox;
using MassTransit.Transports;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace ServiceDesk.Platform.Outbox;

/// <summary>
/// Wakes the outbox delivery service when a transaction that wrote outbox rows commits. A pending signal is kept
/// until the service waits for it, so a commit that lands while the service is busy is never missed.
/// </summary>
public sealed class OutboxSignal : DbTransactionInterceptor
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });
    private readonly ConditionalWeakTable<DbContext, object> _pending = [];

    /// <summary>Notes that <paramref name="db"/> holds outbox rows that its next commit makes deliverable.</summary>
    public void Expect(DbContext db) => _pending.AddOrUpdate(db, this);

    public void Signal() => _signal.Writer.TryWrite(true);

    /// <summary>Returns when signalled, or after <paramref name="timeout"/> at the latest (for other instances' commits).</summary>
    public async Task WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await _signal.Reader.ReadAsync(wait.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
        }
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData.Context);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData.Context);
        return Task.CompletedTask;
    }

    private void Committed(DbContext? db)
    {
        if (db is not null && _pending.Remove(db)) Signal();
    }
}

/// <summary>
/// The bus outbox for HTTP endpoints: outside a consumer, the scoped <see cref="IPublishEndpoint"/> and
/// <see cref="ISendEndpointProvider"/> write messages into the service's database instead of the broker, so the request
/// and what it publishes commit in one transaction (the endpoint's SaveChanges). Inside a consumer they go through the
/// consume context, which the consumer outbox captures.
/// </summary>
internal sealed class OutboxScopedBusContextProvider<TDbContext> : IScopedBusContextProvider<IBus>
    where TDbContext : DbContext
{
    public OutboxScopedBusContextProvider(IBus bus, TDbContext db, OutboxSignal signal, Bind<IBus, IClientFactory> clientFactory,
        Bind<IBus, IScopedConsumeContextProvider> consumeContextProvider, IScopedConsumeContextProvider globalConsumeContextProvider,
        IServiceProvider provider)
    {
        if (consumeContextProvider.Value.HasContext)
            Context = new ConsumeContextScopedBusContext(consumeContextProvider.Value.GetContext(), clientFactory.Value);
        else if (globalConsumeContextProvider.HasContext)
            Context = new ConsumeContextScopedBusContext<IBus>(bus, globalConsumeContextProvider.GetContext(), clientFactory.Value, provider);
        else
            Context = new OutboxBusContext<TDbContext>(bus, db, signal, clientFactory.Value, provider);
    }

    public ScopedBusContext Context { get; }
}

internal sealed class OutboxBusContext<TDbContext>(IBus bus, TDbContext db, OutboxSignal signal, IClientFactory clientFactory, IServiceProvider provider)
    : ScopedBusContext, OutboxSendContext
    where TDbContext : DbContext
{
    private readonly Lock _adding = new();
    private OutboxState? _outbox;

    public ISendEndpointProvider SendEndpointProvider => field ??= new OutboxSendEndpointProvider(this, bus);
    public IPublishEndpoint PublishEndpoint => field ??= new PublishEndpoint(new OutboxPublishEndpointProvider(this, bus));
    public IScopedClientFactory ClientFactory =>
        field ??= new ScopedClientFactory(new ClientFactory(new ScopedClientFactoryContext(clientFactory, provider)), null);

    public Task AddSend<T>(SendContext<T> context) where T : class
    {
        lock (_adding)
        {
            // One outbox per unit of work: after a commit, the next message starts a new one.
            if (_outbox is null || db.Entry(_outbox).State != EntityState.Added)
            {
                _outbox = new OutboxState { OutboxId = NewId.NextGuid(), Created = DateTime.UtcNow };
                db.Add(_outbox);
            }
            db.Add(OutboxMessage.From(context, inboxMessageId: null, inboxConsumerId: null, _outbox.OutboxId));
            signal.Expect(db);
        }
        return Task.CompletedTask;
    }

    public object? GetService(Type serviceType) => provider.GetService(serviceType);
}
