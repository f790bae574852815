using MassTransit;
using MassTransit.Context;
using MassTransit.Scheduling;
using MassTransit.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Platform.Outbox;

/// <summary>
/// The durable scheduler's intake: MassTransit's publish scheduler (sagas' <c>Schedule</c>/<c>Unschedule</c>) publishes
/// ScheduleMessage and CancelScheduledMessage; this stores them as rows. It runs under the consumer inbox, so a
/// redelivered command changes nothing, and a cancel that overtakes its schedule leaves a tombstone the schedule
/// cannot overwrite.
/// </summary>
public sealed class ScheduleMessageConsumer<TDbContext>(TDbContext db) : IConsumer<ScheduleMessage>, IConsumer<CancelScheduledMessage>
    where TDbContext : DbContext
{
    public async Task Consume(ConsumeContext<ScheduleMessage> context)
    {
        var schedule = context.Message;
        // The payload as an envelope of its own, ready to send when the timer fires.
        var body = context.SerializerContext.GetMessageSerializer(schedule.Payload, schedule.PayloadType)
            .GetMessageBody(new MessageSendContext<ScheduleMessage>(schedule));
        var timer = new ScheduledTimer
        {
            TokenId = schedule.CorrelationId,
            State = ScheduledTimerState.Pending,
            DueAt = schedule.ScheduledTime.ToUniversalTime(),
            Created = DateTime.UtcNow,
            MessageId = context.MessageId, // so a timer fired twice is one message to the receiver's inbox
            DestinationAddress = schedule.Destination,
            ContentType = context.ReceiveContext.ContentType.ToString(),
            MessageType = string.Join(";", schedule.PayloadType),
            Body = body.GetString(),
            // Includes MT-Scheduling-TokenId, which sagas check, and the trace parent of whoever scheduled it.
            Headers = SystemTextJsonMessageSerializer.Instance.SerializeDictionary(context.Headers.GetAll()),
        };
        if (await db.Set<ScheduledTimer>().AnyAsync(t => t.TokenId == timer.TokenId, context.CancellationToken)) return;
        db.Add(timer);
        await db.SaveChangesAsync(context.CancellationToken);
    }

    public async Task Consume(ConsumeContext<CancelScheduledMessage> context)
    {
        var token = context.Message.TokenId;
        var timer = await db.Set<ScheduledTimer>().AsTracking().SingleOrDefaultAsync(t => t.TokenId == token, context.CancellationToken);
        if (timer is null)
            db.Add(new ScheduledTimer { TokenId = token, State = ScheduledTimerState.Cancelled, Created = DateTime.UtcNow, DueAt = DateTime.UtcNow });
        else if (timer.State == ScheduledTimerState.Pending)
            timer.State = ScheduledTimerState.Cancelled;
        await db.SaveChangesAsync(context.CancellationToken);
    }
}

/// <summary>
/// Fires due timers: each pass locks due rows (<c>FOR UPDATE SKIP LOCKED</c>, so two instances never take the same
/// one), moves each message into the bus outbox and marks the timer fired, in one transaction. Timers that fell due
/// while no instance was running are simply due on the first pass after start-up.
/// </summary>
internal sealed class SchedulerService<TDbContext>(
    IServiceScopeFactory scopes, OutboxSignal signal, IOptions<OutboxOptions> options, ILogger<SchedulerService<TDbContext>> logger)
    : BackgroundService
    where TDbContext : DbContext
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var fired = await FireDue(settings.SchedulerBatchSize, stoppingToken);
                if (fired < settings.SchedulerBatchSize) await Task.Delay(settings.SchedulerPollInterval, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Firing due timers failed; retrying");
                await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken);
            }
        }
    }

    private async Task<int> FireDue(int batchSize, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // The database's clock decides what is due, so every instance agrees.
        var due = await db.Set<ScheduledTimer>()
            .FromSql($"""
                SELECT * FROM "ScheduledTimer" WHERE "State" = {(int)ScheduledTimerState.Pending} AND "DueAt" <= now()
                ORDER BY "DueAt" LIMIT {batchSize} FOR UPDATE SKIP LOCKED
                """)
            .AsTracking()
            .ToListAsync(cancellationToken);
        if (due.Count == 0) return 0;

        var now = DateTime.UtcNow;
        foreach (var timer in due)
        {
            // An outbox each: timers need no order among themselves, so the delivery service sends them all at once.
            var outbox = new OutboxState { OutboxId = NewId.NextGuid(), Created = now };
            db.Add(outbox);
            db.Add(new OutboxMessage
            {
                OutboxId = outbox.OutboxId,
                MessageId = timer.MessageId ?? NewId.NextGuid(),
                DestinationAddress = timer.DestinationAddress,
                ContentType = timer.ContentType!,
                MessageType = timer.MessageType!,
                Body = timer.Body!,
                Headers = timer.Headers,
                SentTime = now,
            });
            timer.State = ScheduledTimerState.Fired;
            timer.Fired = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        signal.Signal();
        return due.Count;
    }
}

/// <summary>
/// Forgets what is old enough: inbox rows past the duplicate-detection window (a copy of a message older than that
/// is processed again, which the consumers' own business keys still make harmless) and fired or cancelled timers.
/// </summary>
internal sealed class InboxCleanupService<TDbContext>(IServiceScopeFactory scopes, IOptions<OutboxOptions> options, ILogger<InboxCleanupService<TDbContext>> logger)
    : BackgroundService
    where TDbContext : DbContext
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TDbContext>();
                var before = DateTime.UtcNow - options.Value.DuplicateDetectionWindow;
                await db.Set<InboxState>().Where(i => i.Delivered < before).ExecuteDeleteAsync(stoppingToken);
                await db.Set<ScheduledTimer>()
                    .Where(t => t.State != ScheduledTimerState.Pending && t.Created < before)
                    .ExecuteDeleteAsync(stoppingToken);
                await Task.Delay(TimeSpan.FromMinutes(5), stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogWarning(e, "Inbox clean-up failed; retrying later");
                await Task.Delay(TimeSpan.FromMinutes(1), stoppingToken);
            }
        }
    }
}
