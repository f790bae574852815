using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Testing;

namespace Platform.Tests;

/// <summary>The platform's outbox, inbox, saga repository and scheduler against real RabbitMQ and PostgreSQL.</summary>
public sealed class ReliableMessagingTests(ProbeFixture probe) : IClassFixture<ProbeFixture>
{
    [Fact]
    public async Task A_message_delivered_three_times_has_one_effect_and_publishes_once()
    {
        var record = new ProbeRecord(NewId.NextGuid());
        var messageId = NewId.NextGuid();
        for (var i = 0; i < 3; i++) await probe.Bus.Publish(record, c => c.MessageId = messageId);

        await Eventually.TrueAsync(async () => await probe.EffectsAsync(record.RecordId, "observed") == 1, "the published event to be consumed");
        // A later, different message proves the queue has drained past the copies.
        var marker = new ProbeRecord(NewId.NextGuid());
        await probe.Bus.Publish(marker);
        await Eventually.TrueAsync(async () => await probe.EffectsAsync(marker.RecordId, "observed") == 1, "the marker to be consumed");

        Assert.Equal(1, await probe.EffectsAsync(record.RecordId, "recorded"));
        Assert.Equal(1, await probe.EffectsAsync(record.RecordId, "observed"));
        // The copies came as first deliveries: each ran, met the inbox row on its key, and its retry counted it (docs/adr/0069).
        Assert.Equal(3, await probe.QueryAsync(db => db.Set<InboxState>().Where(i => i.MessageId == messageId).SumAsync(i => i.ReceiveCount)));
    }

    [Fact]
    public async Task A_delivery_saves_without_savepoints_while_a_request_in_its_own_transaction_keeps_them()
    {
        // A delivery's failed save fails the attempt, and the retry starts a fresh transaction: a savepoint per save would
        // be two statements for nothing (docs/adr/0030).
        var delivered = new ProbeRecord(NewId.NextGuid());
        await probe.Bus.Publish(delivered);
        await Eventually.TrueAsync(async () => await probe.EffectsAsync(delivered.RecordId, "observed") == 1, "the published event to be consumed");
        Assert.False(probe.Savepoints.TakenFor(delivered.RecordId));

        // A request may go on after a failed save in its own transaction (intake does, after a duplicate): it keeps them,
        // on the same pooled contexts the deliveries used.
        var requested = NewId.NextGuid();
        await probe.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<ProbeDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            db.Effects.Add(new ProbeEffect { RecordId = requested, Kind = "requested" });
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        });
        Assert.True(probe.Savepoints.TakenFor(requested));
    }

    [Fact]
    public async Task Messages_published_by_a_request_leave_only_if_its_transaction_commits()
    {
        var committed = new ProbeRecord(NewId.NextGuid());
        var rolledBack = new ProbeRecord(NewId.NextGuid());
        await probe.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<ProbeDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await services.GetRequiredService<IPublishEndpoint>().Publish(rolledBack);
            await db.SaveChangesAsync();
            Assert.Equal(1, await db.Set<OutboxMessage>().CountAsync(m => m.Body.Contains(rolledBack.RecordId.ToString()))); // stored, not sent
            await transaction.RollbackAsync();
        });
        await probe.InScopeAsync(async services =>
        {
            await services.GetRequiredService<IPublishEndpoint>().Publish(committed);
            await services.GetRequiredService<ProbeDbContext>().SaveChangesAsync();
        });

        await Eventually.TrueAsync(async () => await probe.EffectsAsync(committed.RecordId, "observed") == 1, "the committed message's effects");
        Assert.Equal(0, await probe.EffectsAsync(rolledBack.RecordId, "recorded"));
        // Sent rows are deleted in batches, a moment after their confirm.
        await Eventually.TrueAsync(async () => await probe.QueryAsync(db => db.Set<OutboxMessage>().CountAsync(m => m.OutboxId != null)) == 0,
            "the outbox to be empty");
    }

    /// <summary>
    /// A pooled context serves request after request. When a commit fails (here the server ends the session first, as a
    /// restart does), the outbox that transaction wrote must not go out with the next transaction's commit on the same
    /// context: its request was never stored (the fault suite saw tickets for requests intake did not have).
    /// </summary>
    [Fact]
    public async Task A_message_whose_commit_failed_does_not_leave_with_the_next_commit_of_its_context()
    {
        var failed = new ProbeRecord(NewId.NextGuid());
        var next = new ProbeRecord(NewId.NextGuid());
        await probe.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<ProbeDbContext>();
            var publish = services.GetRequiredService<IPublishEndpoint>();
            await using (var transaction = await db.Database.BeginTransactionAsync())
            {
                await publish.Publish(failed);
                await db.SaveChangesAsync();
                var session = await db.Database.SqlQuery<int>($"SELECT pg_backend_pid() AS \"Value\"").SingleAsync();
                await probe.QueryAsync(other => other.Database.SqlQuery<bool>($"SELECT pg_terminate_backend({session}) AS \"Value\"").SingleAsync());
                await Assert.ThrowsAnyAsync<Exception>(() => transaction.CommitAsync());
            }
            db.ChangeTracker.Clear();
            await using var second = await db.Database.BeginTransactionAsync();
            await publish.Publish(next);
            await db.SaveChangesAsync();
            await second.CommitAsync();
        });

        await Eventually.TrueAsync(async () => await probe.EffectsAsync(next.RecordId, "observed") == 1, "the next message's effects");
        Assert.Equal(0, await probe.EffectsAsync(failed.RecordId, "recorded"));
    }

    [Fact]
    public async Task A_message_whose_save_failed_never_leaves_though_its_transaction_commits()
    {
        var dropped = new ProbeRecord(NewId.NextGuid());
        var kept = new ProbeRecord(NewId.NextGuid());
        await probe.InScopeAsync(async services =>
        {
            var db = services.GetRequiredService<ProbeDbContext>();
            var publish = services.GetRequiredService<IPublishEndpoint>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            var (messageId, consumerId) = (NewId.NextGuid(), NewId.NextGuid());
            db.Add(new InboxState { MessageId = messageId, ConsumerId = consumerId, Received = DateTime.UtcNow });
            await db.SaveChangesAsync();
            db.ChangeTracker.Clear();
            // The same inbox key again: this save fails (EF Core rolls back to its savepoint), and the caller recovers
            // as intake does on a duplicate delivery: it drops what it tracked and goes on in the same transaction.
            await publish.Publish(dropped);
            db.Add(new InboxState { MessageId = messageId, ConsumerId = consumerId, Received = DateTime.UtcNow });
            await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            db.ChangeTracker.Clear();
            await publish.Publish(kept);
            await db.SaveChangesAsync();
            await transaction.CommitAsync();
        });

        await Eventually.TrueAsync(async () => await probe.EffectsAsync(kept.RecordId, "observed") == 1, "the kept message's effects");
        Assert.Equal(0, await probe.EffectsAsync(dropped.RecordId, "recorded"));
        Assert.Equal(0, await probe.EffectsAsync(dropped.RecordId, "observed"));
    }

    [Fact]
    public async Task Concurrent_events_for_one_saga_are_all_applied()
    {
        var counter = NewId.NextGuid();
        // Back to back: the endpoint takes several at once, so instances collide on xmin and are retried.
        await Task.WhenAll(Enumerable.Range(0, 200).Select(_ => probe.Bus.Publish(new ProbeIncrement(counter))));

        var count = await Eventually.GetAsync(async () =>
            await probe.QueryAsync(db => db.Counters.AsNoTracking().SingleOrDefaultAsync(c => c.CorrelationId == counter)) is { Count: 200 } c ? c : null,
            "all 200 increments", progress: async () => (object?)
                (await probe.QueryAsync(db => db.Counters.AsNoTracking().SingleOrDefaultAsync(c => c.CorrelationId == counter)))?.Count);
        Assert.Equal(200, count.Count);
    }

    [Fact]
    public async Task A_saga_timer_fires_once_and_a_cancelled_one_never()
    {
        var fires = NewId.NextGuid();
        var cancelled = NewId.NextGuid();
        await probe.Bus.Publish(new ProbeStartTimer(cancelled, Seconds: 2));
        await Eventually.TrueAsync(() => TimerStoredAsync(cancelled), "the first timer to be stored");
        await probe.Bus.Publish(new ProbeCancelTimer(cancelled));
        await probe.Bus.Publish(new ProbeStartTimer(fires, Seconds: 2));

        await Eventually.TrueAsync(async () => await TimeoutsFiredAsync(fires) == 1, "the timer to fire");
        // Both were due at about the same time; the cancelled one must have been settled by now.
        await Eventually.TrueAsync(async () => await probe.QueryAsync(db => db.Set<ScheduledTimer>()
            .AnyAsync(t => t.State == ScheduledTimerState.Cancelled)), "the cancelled timer's tombstone");
        Assert.Equal(0, await TimeoutsFiredAsync(cancelled));
        Assert.Equal(1, await TimeoutsFiredAsync(fires));
    }

    private Task<bool> TimerStoredAsync(Guid counter) =>
        probe.QueryAsync(async db => await db.Counters.AsNoTracking().SingleOrDefaultAsync(c => c.CorrelationId == counter) is { TimeoutToken: { } token }
            && await db.Set<ScheduledTimer>().AnyAsync(t => t.TokenId == token));

    private Task<int> TimeoutsFiredAsync(Guid counter) =>
        probe.QueryAsync(async db => (await db.Counters.AsNoTracking().SingleOrDefaultAsync(c => c.CorrelationId == counter))?.TimeoutsFired ?? 0);
}
