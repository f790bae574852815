using System.Data.Common;
using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Outbox.Bench;

/// <summary>
/// Where the outbox delivery service's time goes, seen from EF Core: a pass starts with its
/// <c>SELECT ... FROM "OutboxState" ... FOR UPDATE SKIP LOCKED</c> and ends when its transaction commits (a pass that
/// found nothing rolls back and is not counted). The time of the pass not spent in database commands or the commit is
/// the broker sends (with their confirms) and the work in between. Also counts the other commits, to show that each
/// writer's SaveChanges commits a transaction (which is what wakes the delivery service); with --with-consumer they
/// include the consumer inbox's commits.
/// </summary>
public sealed class DeliveryProfile : IDbCommandInterceptor, IDbTransactionInterceptor
{
    public static readonly DeliveryProfile Instance = new();

    private readonly ConditionalWeakTable<DbContext, Pass> _passes = [];
    private readonly Lock _lock = new();
    private Totals _totals = new();

    public Totals Take()
    {
        lock (_lock)
        {
            var totals = _totals;
            _totals = new Totals();
            return totals;
        }
    }

    public sealed record Totals
    {
        public int Passes { get; set; }
        public long Messages { get; set; }
        public double PassMs { get; set; }
        public double SelectMs { get; set; }
        public double DeleteMs { get; set; }
        public double CommitMs { get; set; }
        public int OtherCommits { get; set; }
        public double SendMs => PassMs - SelectMs - DeleteMs - CommitMs;
    }

    private sealed class Pass
    {
        public long Start;
        public double SelectMs;
        public double DeleteMs;
        public long Messages;
    }

    public InterceptionResult<DbDataReader> ReaderExecuting(DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result)
    {
        Begin(command, eventData);
        return result;
    }

    public ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(DbCommand command, CommandEventData eventData,
        InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
    {
        Begin(command, eventData);
        return ValueTask.FromResult(result);
    }

    public ValueTask<DbDataReader> ReaderExecutedAsync(DbCommand command, CommandExecutedEventData eventData, DbDataReader result,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } db && _passes.TryGetValue(db, out var pass)) pass.SelectMs += eventData.Duration.TotalMilliseconds;
        return ValueTask.FromResult(result);
    }

    public ValueTask<int> NonQueryExecutedAsync(DbCommand command, CommandExecutedEventData eventData, int result,
        CancellationToken cancellationToken = default)
    {
        if (eventData.Context is { } db && _passes.TryGetValue(db, out var pass))
        {
            pass.DeleteMs += eventData.Duration.TotalMilliseconds;
            if (command.CommandText.Contains("DELETE FROM \"OutboxMessage\"", StringComparison.Ordinal)) pass.Messages += result;
        }
        return ValueTask.FromResult(result);
    }

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData);

    private void Begin(DbCommand command, CommandEventData eventData)
    {
        if (eventData.Context is { } db
            && command.CommandText.Contains("FROM \"OutboxState\"", StringComparison.Ordinal)
            && command.CommandText.Contains("FOR UPDATE SKIP LOCKED", StringComparison.Ordinal))
            _passes.AddOrUpdate(db, new Pass { Start = TimeProvider.System.GetTimestamp() });
    }

    private void Committed(TransactionEndEventData eventData)
    {
        lock (_lock)
        {
            if (eventData.Context is { } db && _passes.TryGetValue(db, out var pass))
            {
                _passes.Remove(db);
                _totals.Passes++;
                _totals.Messages += pass.Messages;
                _totals.PassMs += TimeProvider.System.GetElapsedTime(pass.Start).TotalMilliseconds;
                _totals.SelectMs += pass.SelectMs;
                _totals.DeleteMs += pass.DeleteMs;
                _totals.CommitMs += eventData.Duration.TotalMilliseconds;
            }
            else
            {
                _totals.OtherCommits++;
            }
        }
    }
}
