using MassTransit;
using MassTransit.Context;
using MassTransit.Middleware;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage;

namespace ServiceDesk.Platform.Outbox;

/// <summary>
/// MassTransit saga instances stored by EF Core in the owning service's database. Loading an instance locks its row
/// (<c>FOR UPDATE</c>), so two events for one instance processed at once take turns; <c>xmin</c> stays the concurrency
/// token as a guard, and two first events racing to create an instance meet on the primary key, after which the bus's
/// retry loads the winner's state. The saga's
/// reads and writes share the consumer outbox's transaction, so state, published events and timers commit together,
/// and its changes are left pending for the outbox's one batch of statements at the end of the delivery.
/// </summary>
internal sealed class SagaRepositoryContextFactory<TDbContext, TSaga>(TDbContext db, ISagaConsumeContextFactory<DbContext, TSaga> factory)
    : ISagaRepositoryContextFactory<TSaga>, ILoadSagaRepositoryContextFactory<TSaga>, IQuerySagaRepositoryContextFactory<TSaga>
    where TDbContext : DbContext
    where TSaga : class, ISaga
{
    public Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<TSaga, T>> next) where T : class =>
        InTransaction(() => next.Send(new SagaContext<TSaga, T>(db, context, factory)), context.CancellationToken);

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<TSaga> query, IPipe<SagaRepositoryQueryContext<TSaga, T>> next)
        where T : class =>
        InTransaction(async () =>
        {
            var instances = await db.Set<TSaga>().Where(query.FilterExpression).ToListAsync(context.CancellationToken);
            await next.Send(new LoadedSagaRepositoryQueryContext<TSaga, T>(new SagaContext<TSaga, T>(db, context, factory), instances));
        }, context.CancellationToken);

    public async Task<T> Execute<T>(Func<LoadSagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class => await asyncMethod(new ReadContext(db, cancellationToken));

    public async Task<T> Execute<T>(Func<QuerySagaRepositoryContext<TSaga>, Task<T>> asyncMethod, CancellationToken cancellationToken = default)
        where T : class => await asyncMethod(new ReadContext(db, cancellationToken));

    public void Probe(ProbeContext context) => context.Add("persistence", "servicedesk-postgres");

    /// <summary>
    /// Inside the consumer outbox the transaction exists already, and the outbox saves what the saga changed together
    /// with the inbox row and the published messages; a saga used without it gets a transaction of its own.
    /// </summary>
    private async Task InTransaction(Func<Task> work, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is not null)
        {
            await work();
            return;
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await work();
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
    }

    private sealed class ReadContext(DbContext db, CancellationToken cancellationToken)
        : BasePipeContext(cancellationToken), LoadSagaRepositoryContext<TSaga>, QuerySagaRepositoryContext<TSaga>
    {
        public Task<TSaga> Load(Guid correlationId) =>
            db.Set<TSaga>().AsNoTracking().SingleOrDefaultAsync(x => x.CorrelationId == correlationId, CancellationToken)!;

        public async Task<SagaRepositoryQueryContext<TSaga>> Query(ISagaQuery<TSaga> query, CancellationToken cancellationToken = default)
        {
            var ids = await db.Set<TSaga>().AsNoTracking().Where(query.FilterExpression).Select(x => x.CorrelationId).ToListAsync(cancellationToken);
            return new DefaultSagaRepositoryQueryContext<TSaga>(this, ids);
        }
    }
}

internal sealed class SagaContext<TSaga, TMessage>(DbContext db, ConsumeContext<TMessage> consumeContext, ISagaConsumeContextFactory<DbContext, TSaga> factory)
    : ConsumeContextScope<TMessage>(consumeContext, db), SagaRepositoryContext<TSaga, TMessage>
    where TSaga : class, ISaga
    where TMessage : class
{
    private readonly ConsumeContext<TMessage> _context = consumeContext;

    public Task<SagaConsumeContext<TSaga, TMessage>> Add(TSaga instance) =>
        factory.CreateSagaConsumeContext(db, _context, instance, SagaConsumeContextMode.Add);

    public async Task<SagaConsumeContext<TSaga, TMessage>> Insert(TSaga instance)
    {
        // Inside a transaction a failed insert would abort it, so a duplicate is left to the retry, which then loads it.
        db.Set<TSaga>().Add(instance);
        await db.SaveChangesAsync(CancellationToken);
        return await factory.CreateSagaConsumeContext(db, _context, instance, SagaConsumeContextMode.Insert);
    }

    public async Task<SagaConsumeContext<TSaga, TMessage>> Load(Guid correlationId)
    {
        // FOR UPDATE: events for one instance then take turns instead of colliding, so a burst of them cannot use up
        // the retries (optimistic concurrency alone lost events that way on a machine with more parallelism).
        var instance = await db.Set<TSaga>().FromSqlRaw(LockingQueries.SelectForUpdate<TSaga>(db), correlationId).AsTracking().SingleOrDefaultAsync(CancellationToken);
        return instance is null ? null! : await factory.CreateSagaConsumeContext(db, _context, instance, SagaConsumeContextMode.Load);
    }

    // Save, Update and Delete leave the change pending: whoever owns the transaction saves once (see InTransaction).
    public Task Save(SagaConsumeContext<TSaga> context)
    {
        db.Set<TSaga>().Add(context.Saga);
        return Task.CompletedTask;
    }

    public Task Update(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Delete(SagaConsumeContext<TSaga> context)
    {
        db.Set<TSaga>().Remove(context.Saga);
        return Task.CompletedTask;
    }

    public Task Discard(SagaConsumeContext<TSaga> context) => Task.CompletedTask;

    public Task Undo(SagaConsumeContext<TSaga> context)
    {
        var entry = db.ChangeTracker.Entries<TSaga>().FirstOrDefault(e => e.Entity.CorrelationId == context.Saga.CorrelationId);
        if (entry is not null) entry.State = EntityState.Unchanged;
        return Task.CompletedTask;
    }

    public Task<SagaConsumeContext<TSaga, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, TSaga instance, SagaConsumeContextMode mode)
        where T : class => factory.CreateSagaConsumeContext(db, consumeContext, instance, mode);
}

public static class SagaModel
{
    /// <summary>
    /// Maps a saga instance: its CorrelationId is the key, and PostgreSQL's <c>xmin</c> system column is the concurrency
    /// token, so no column of ours has to be maintained.
    /// </summary>
    public static EntityTypeBuilder<TSaga> AddSagaState<TSaga>(this ModelBuilder modelBuilder, string table) where TSaga : class, ISaga
    {
        var saga = modelBuilder.Entity<TSaga>();
        saga.ToTable(table);
        saga.HasKey(x => x.CorrelationId);
        saga.Property(x => x.CorrelationId).ValueGeneratedNever();
        saga.Property<uint>("xmin").IsRowVersion();
        return saga;
    }
}
