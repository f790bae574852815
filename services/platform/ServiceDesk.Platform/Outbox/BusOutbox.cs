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

/// <summary>An outbox whose transaction committed, with its messages as they were written: ready to send without a read.</summary>
public sealed record CommittedOutbox(Guid OutboxId, IReadOnlyList<OutboxMessage> Messages);

/// <summary>
/// Hands committed outboxes to the delivery service in memory (docs/adr/0032), so that it sends them at once and reads
/// the database only for outboxes nobody handed over (written before a crash, or by an instance that died). Consumers
/// and the scheduler hand theirs over after their commit. For HTTP requests EF Core interceptors do it: an outbox
/// counts once a SaveChanges wrote it, and goes out when the transaction that wrote it commits (SaveChanges' own
/// transaction, or the caller's); one rolled back, or never written (a failed save whose rows were then dropped), never
/// goes out. Each outbox goes out with the transaction that wrote it, named by EF Core's transaction id, and no other: a
/// pooled context serves many requests, and an outbox written in a transaction whose end was never seen here (its commit
/// failed as the server went away, or it was disposed unfinished) must not leave with the next request's commit. Whether
/// such a one was stored is not known here; if it was, the delivery service finds it in the database as an orphan.
/// </summary>
public sealed class OutboxSignal : DbTransactionInterceptor, ISaveChangesInterceptor
{
    private readonly Channel<CommittedOutbox> _committed = Channel.CreateUnbounded<CommittedOutbox>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConditionalWeakTable<DbContext, List<Pending>> _pending = [];

    private sealed class Pending(OutboxState state, CommittedOutbox outbox)
    {
        public OutboxState State { get; } = state;
        public CommittedOutbox Outbox { get; } = outbox;

        /// <summary>The transaction a save wrote it in (<see cref="Guid.Empty"/>: SaveChanges' own); null until then.</summary>
        public Guid? WrittenIn { get; set; }
    }

    /// <summary>Notes that <paramref name="db"/> holds the outbox <paramref name="state"/> (not yet saved).</summary>
    public void Expect(DbContext db, OutboxState state, CommittedOutbox outbox)
    {
        var pending = _pending.GetOrCreateValue(db);
        lock (pending) pending.Add(new Pending(state, outbox));
    }

    /// <summary>An outbox whose transaction has committed.</summary>
    public void Committed(CommittedOutbox outbox) => _committed.Writer.TryWrite(outbox);

    /// <summary>
    /// Up to <paramref name="max"/> committed outboxes: waits up to <paramref name="timeout"/> for the first, then takes
    /// what is there. Empty after the timeout.
    /// </summary>
    public async Task<List<CommittedOutbox>> TakeAsync(int max, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var taken = new List<CommittedOutbox>();
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            if (!await _committed.Reader.WaitToReadAsync(wait.Token)) return taken;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return taken;
        }
        while (taken.Count < max && _committed.Reader.TryRead(out var outbox)) taken.Add(outbox);
        return taken;
    }

    // SaveChanges commits its own transaction before it reports success, so an outbox it wrote without a caller's
    // transaction goes out here; inside a caller's transaction it waits for that transaction's commit.
    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result) => result;

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) =>
        Ended(eventData.Context, eventData.TransactionId, committed: true);

    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Ended(eventData.Context, eventData.TransactionId, committed: true);
        return Task.CompletedTask;
    }

    public override void TransactionRolledBack(DbTransaction transaction, TransactionEndEventData eventData) =>
        Ended(eventData.Context, eventData.TransactionId, committed: false);

    public override Task TransactionRolledBackAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Ended(eventData.Context, eventData.TransactionId, committed: false);
        return Task.CompletedTask;
    }

    private void Saved(DbContext? db)
    {
        if (db is null || !_pending.TryGetValue(db, out var pending)) return;
        var transaction = db.Database.CurrentTransaction?.TransactionId ?? Guid.Empty;
        lock (pending)
            foreach (var entry in pending)
                if (entry.WrittenIn is null && db.Entry(entry.State).State == EntityState.Unchanged) entry.WrittenIn = transaction;
        if (transaction == Guid.Empty) Ended(db, transaction, committed: true); // its own transaction has committed
    }

    /// <summary>
    /// The outboxes written in <paramref name="transaction"/> go out on a commit and are forgotten on a rollback. Any
    /// written in another transaction are forgotten too (its end went unseen: see the class); unwritten ones wait for a
    /// later save while the context still tracks them.
    /// </summary>
    private void Ended(DbContext? db, Guid transaction, bool committed)
    {
        if (db is null || !_pending.TryGetValue(db, out var pending)) return;
        List<Pending> written;
        lock (pending)
        {
            written = [.. pending.Where(p => p.WrittenIn == transaction)];
            pending.RemoveAll(p => p.WrittenIn is not null || db.Entry(p.State).State == EntityState.Detached);
        }
        if (!committed) return;
        foreach (var entry in written) Committed(entry.Outbox);
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
    private List<OutboxMessage> _messages = [];

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
                _messages = [];
                db.Add(_outbox);
                signal.Expect(db, _outbox, new CommittedOutbox(_outbox.OutboxId, _messages));
            }
            var message = OutboxMessage.From(context, inboxMessageId: null, inboxConsumerId: null, _outbox.OutboxId);
            db.Add(message);
            _messages.Add(message);
        }
        return Task.CompletedTask;
    }

    public object? GetService(Type serviceType) => provider.GetService(serviceType);
}
