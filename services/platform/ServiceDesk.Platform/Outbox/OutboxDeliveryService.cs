using MassTransit;
using MassTransit.Logging;
using MassTransit.Middleware;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Platform.Outbox;

/// <summary>
/// Delivers the outboxes to RabbitMQ (docs/adr/0032). Committed outboxes arrive in memory (<see cref="OutboxSignal"/>):
/// each pass sends up to a batch of them, concurrently, each outbox's messages in order with the broker's confirm
/// awaited; what was confirmed is deleted in one transaction per <see cref="DeleteDelay"/> at most. Outboxes nobody
/// handed over (written before a crash, by an instance that died, or whose send failed) are found in the database once
/// they are older than <see cref="OutboxOptions.OrphanAge"/>: such a pass locks them (<c>FOR UPDATE SKIP LOCKED</c>, so
/// several instances share the work), sends and deletes them in one transaction. A crash between a confirm and the
/// delete sends those messages again with the same MessageId, which the consumers' inbox absorbs.
/// </summary>
internal sealed class OutboxDeliveryService<TDbContext>(
    IServiceScopeFactory scopes, IBusControl bus, OutboxSignal signal, IOptions<OutboxOptions> options,
    ILogger<OutboxDeliveryService<TDbContext>> logger) : BackgroundService
    where TDbContext : DbContext
{
    /// <summary>Sent outboxes are deleted together, at most this long after the first of them was sent.</summary>
    private static readonly TimeSpan DeleteDelay = TimeSpan.FromMilliseconds(250);

    private readonly List<Guid> _sent = [];
    private DateTime _firstSent;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var failures = 0;
        var orphansLooked = DateTime.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await bus.WaitForHealthStatus(BusHealthStatus.Healthy, stoppingToken);
                var wait = _sent.Count == 0 ? settings.DeliveryPollInterval : _firstSent + DeleteDelay - DateTime.UtcNow;
                var committed = await signal.TakeAsync(settings.DeliveryBatchSize, wait > TimeSpan.Zero ? wait : TimeSpan.Zero, stoppingToken);
                if (committed.Count > 0) await SendCommitted(committed, settings, stoppingToken);
                if (_sent.Count >= settings.DeliveryBatchSize || (_sent.Count > 0 && DateTime.UtcNow - _firstSent >= DeleteDelay))
                    await DeleteSent(stoppingToken);
                // Busy or not, the database is looked at once per poll interval, and again at once while it has more.
                if (DateTime.UtcNow - orphansLooked < settings.DeliveryPollInterval) continue;
                while (await DeliverOrphans(settings, stoppingToken) == settings.DeliveryBatchSize) { }
                orphansLooked = DateTime.UtcNow;
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database or the broker is away; what is not deleted is still there for an orphan pass.
                failures++;
                logger.LogWarning(e, "Outbox delivery failed ({Failures} in a row); retrying", failures);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, failures))), stoppingToken);
            }
        }
    }

    /// <summary>
    /// Sends outboxes handed over in memory; those sent whole are deleted with the next <see cref="DeleteSent"/>, the
    /// rest are left to an orphan pass.
    /// </summary>
    private async Task SendCommitted(List<CommittedOutbox> committed, OutboxOptions settings, CancellationToken cancellationToken)
    {
        var results = await Task.WhenAll(committed.Select(outbox => SendInOrder(outbox.OutboxId, outbox.Messages, settings, cancellationToken)));
        if (_sent.Count == 0) _firstSent = DateTime.UtcNow;
        _sent.AddRange(results.Where(r => r.Complete).Select(r => r.OutboxId));
        if (results.FirstOrDefault(r => r.Error is not null) is { Error: { } error })
            logger.LogWarning(error, "The broker did not confirm an outbox message; its outbox goes out with an orphan pass");
    }

    /// <summary>
    /// One transaction for every outbox sent since the last: under load, many deliveries' outboxes share it. A crash
    /// before it sends those again (same MessageIds, absorbed by the inboxes).
    /// </summary>
    private async Task DeleteSent(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // This commit need not wait for the disk: if a crash loses it, the messages go out again.
        await db.Database.ExecuteSqlRawAsync("SET LOCAL synchronous_commit = off", cancellationToken);
        await db.Set<OutboxMessage>().Where(m => m.OutboxId != null && _sent.Contains(m.OutboxId.Value)).ExecuteDeleteAsync(CancellationToken.None);
        await db.Set<OutboxState>().Where(o => _sent.Contains(o.OutboxId)).ExecuteDeleteAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);
        _sent.Clear();
    }

    /// <summary>Returns how many outboxes it found: outboxes older than the orphan age, which no instance is sending.</summary>
    private async Task<int> DeliverOrphans(OutboxOptions settings, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlRawAsync("SET LOCAL synchronous_commit = off", cancellationToken);
        var before = DateTime.UtcNow - settings.OrphanAge;
        var outboxes = await db.Set<OutboxState>()
            .FromSql($"""SELECT * FROM "OutboxState" WHERE "Created" < {before} ORDER BY "Created" LIMIT {settings.DeliveryBatchSize} FOR UPDATE SKIP LOCKED""")
            .AsNoTracking()
            .Select(o => o.OutboxId)
            .ToListAsync(cancellationToken);
        if (outboxes.Count == 0) return 0;

        var messages = await db.Set<OutboxMessage>()
            .Where(m => m.OutboxId != null && outboxes.Contains(m.OutboxId.Value))
            .OrderBy(m => m.SequenceNumber)
            .AsNoTracking()
            .ToListAsync(cancellationToken);

        // Outboxes are independent, so they go out concurrently; within one, strictly one after another.
        var results = await Task.WhenAll(messages.GroupBy(m => m.OutboxId!.Value)
            .Select(outbox => SendInOrder(outbox.Key, outbox.ToList(), settings, cancellationToken)));
        var sent = results.SelectMany(r => r.Sent).ToList();
        var finished = results.Where(r => r.Complete).Select(r => r.OutboxId)
            .Concat(outboxes.Except(messages.Select(m => m.OutboxId!.Value))) // an outbox whose messages are all gone
            .ToList();

        await db.Set<OutboxMessage>().Where(m => sent.Contains(m.SequenceNumber)).ExecuteDeleteAsync(CancellationToken.None);
        await db.Set<OutboxState>().Where(o => finished.Contains(o.OutboxId)).ExecuteDeleteAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);

        if (results.FirstOrDefault(r => r.Error is not null) is { Error: { } error })
            throw new InvalidOperationException("The broker did not confirm an outbox message.", error);
        return outboxes.Count;
    }

    private async Task<(Guid OutboxId, List<long> Sent, bool Complete, Exception? Error)> SendInOrder(
        Guid outboxId, IReadOnlyList<OutboxMessage> messages, OutboxOptions settings, CancellationToken cancellationToken)
    {
        var sent = new List<long>(messages.Count);
        foreach (var message in messages)
        {
            try
            {
                await Send(message, settings, cancellationToken);
                sent.Add(message.SequenceNumber);
            }
            catch (Exception e)
            {
                return (outboxId, sent, false, e);
            }
        }
        return (outboxId, sent, true, null);
    }

    private async Task Send(OutboxMessage message, OutboxOptions settings, CancellationToken cancellationToken)
    {
        message.Deserialize(SystemTextJsonMessageSerializer.Instance);
        var destination = message.DestinationAddress
            ?? throw new InvalidOperationException($"Outbox message {message.MessageId} has no destination.");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(settings.SendTimeout);
        var endpoint = await bus.GetSendEndpoint(destination);
        // Continues the trace that published the message: the stored headers carry its parent activity.
        var activity = LogContext.Current?.StartOutboxDeliverActivity(message);
        try
        {
            await endpoint.Send(new SerializedMessageBody(), new OutboxMessageSendPipe(message, destination), timeout.Token);
        }
        catch (Exception e)
        {
            activity?.AddExceptionEvent(e);
            throw;
        }
        finally
        {
            activity?.Stop();
        }
    }
}
