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
/// Delivers the bus outbox to RabbitMQ. Each pass locks a batch of outboxes (<c>FOR UPDATE SKIP LOCKED</c>, so several
/// instances share the work without sending a message twice), sends each outbox's messages in order and waits for
/// the broker's confirm of each, then deletes what was confirmed, all in one transaction. A crash between the
/// confirm and the commit sends those messages again with the same MessageId, which the consumers' inbox absorbs.
/// </summary>
internal sealed class OutboxDeliveryService<TDbContext>(
    IServiceScopeFactory scopes, IBusControl bus, OutboxSignal signal, IOptions<OutboxOptions> options,
    ILogger<OutboxDeliveryService<TDbContext>> logger) : BackgroundService
    where TDbContext : DbContext
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await bus.WaitForHealthStatus(BusHealthStatus.Healthy, stoppingToken);
                var delivered = await DeliverBatch(settings, stoppingToken);
                failures = 0;
                if (delivered == 0) await signal.WaitAsync(settings.DeliveryPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // The database or the broker is away; what is not deleted is still there for the next pass.
                failures++;
                logger.LogWarning(e, "Outbox delivery failed ({Failures} in a row); retrying", failures);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * Math.Pow(2, failures))), stoppingToken);
            }
        }
    }

    /// <summary>Returns how many messages reached the broker.</summary>
    private async Task<int> DeliverBatch(OutboxOptions settings, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // This commit need not wait for the disk: if a crash loses it, the messages go out again with the same
        // MessageIds, which the consumers' inbox absorbs. It saves a flush per pass.
        await db.Database.ExecuteSqlRawAsync("SET LOCAL synchronous_commit = off", cancellationToken);
        var outboxes = await db.Set<OutboxState>()
            .FromSql($"""SELECT * FROM "OutboxState" ORDER BY "Created" LIMIT {settings.DeliveryBatchSize} FOR UPDATE SKIP LOCKED""")
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
            .Select(outbox => SendInOrder(outbox.ToList(), settings, cancellationToken)));
        var sent = results.SelectMany(r => r.Sent).ToList();
        var finished = results.Where(r => r.Complete).Select(r => r.OutboxId)
            .Concat(outboxes.Except(messages.Select(m => m.OutboxId!.Value))) // an outbox whose messages are all gone
            .ToList();

        await db.Set<OutboxMessage>().Where(m => sent.Contains(m.SequenceNumber)).ExecuteDeleteAsync(CancellationToken.None);
        await db.Set<OutboxState>().Where(o => finished.Contains(o.OutboxId)).ExecuteDeleteAsync(CancellationToken.None);
        await transaction.CommitAsync(CancellationToken.None);

        if (results.FirstOrDefault(r => r.Error is not null) is { Error: { } error })
            throw new InvalidOperationException("The broker did not confirm an outbox message.", error);
        return sent.Count;
    }

    private async Task<(Guid OutboxId, List<long> Sent, bool Complete, Exception? Error)> SendInOrder(
        List<OutboxMessage> messages, OutboxOptions settings, CancellationToken cancellationToken)
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
                return (message.OutboxId!.Value, sent, false, e);
            }
        }
        return (messages[0].OutboxId!.Value, sent, true, null);
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
