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
/// The durable scheduler's intake from other services: MassTransit's publish scheduler publishes ScheduleMessage and
/// CancelScheduledMessage; this stores them as rows. It runs under the consumer inbox, so a redelivered command changes
/// nothing, and a cancel that overtakes its schedule leaves a tombstone the schedule cannot overwrite. The hosting
/// service's own sagas skip this round trip (<see cref="LocalTimers"/>).
/// </summary>
public sealed class ScheduleMessageConsumer<TDbContext>(TDbContext db) : IConsumer<ScheduleMessage>, IConsumer<CancelScheduledMessage>
    where TDbContext : DbContext
{
    public async Task Consume(ConsumeContext<ScheduleMessage> context)
    {
        var timer = ScheduledTimers.Pending(context.SerializerContext, context.Message, context.MessageId,
            context.ReceiveContext.ContentType.ToString(), context.Headers.GetAll());
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
/// Timers of the service that hosts the scheduler, kept in the transaction of the consume that schedules or cancels
/// them (docs/adr/0031): a saga's Schedule becomes a timer row beside its state, an Unschedule marks the row
/// cancelled. Nothing goes over the bus until the timer fires, and a cancel cannot race its schedule.
/// </summary>
internal static class LocalTimers
{
    /// <summary>Registered by AddDurableScheduler: this service hosts the scheduler, so its timers are its own rows.</summary>
    public sealed class Hosted;

    public static void Schedule(DbContext db, SendContext<ScheduleMessage> context)
    {
        // Read back as the scheduler's consumer would read it from its queue, so both store the same row.
        var body = context.Serializer.GetMessageBody(context);
        var received = SystemTextJsonMessageSerializer.Instance.Deserialize(body, context.Headers, context.DestinationAddress);
        if (!received.TryGetMessage<ScheduleMessage>(out var schedule) || schedule is null)
            throw new MessageException(typeof(ScheduleMessage), "A ScheduleMessage could not be read back.");
        var contentType = context.ContentType?.ToString() ?? context.Serialization.DefaultContentType.ToString();
        db.Add(ScheduledTimers.Pending(received, schedule, context.MessageId, contentType, context.Headers.GetAll()));
    }

    public static async Task CancelAsync(DbContext db, Guid token, CancellationToken cancellationToken)
    {
        // Scheduled earlier in this same transaction: the row is not written yet.
        if (db.ChangeTracker.Entries<ScheduledTimer>().FirstOrDefault(e => e.Entity.TokenId == token) is { } scheduled)
        {
            scheduled.Entity.State = ScheduledTimerState.Cancelled;
            return;
        }
        await db.Set<ScheduledTimer>()
            .Where(t => t.TokenId == token && t.State == ScheduledTimerState.Pending)
            .ExecuteUpdateAsync(t => t.SetProperty(x => x.State, ScheduledTimerState.Cancelled), cancellationToken);
    }
}

internal static class ScheduledTimers
{
    /// <summary>A pending timer for <paramref name="schedule"/>: its payload as an envelope of its own, ready to send when it falls due.</summary>
    public static ScheduledTimer Pending(SerializerContext serializer, ScheduleMessage schedule, Guid? messageId, string contentType,
        IEnumerable<KeyValuePair<string, object>> headers)
    {
        var body = serializer.GetMessageSerializer(schedule.Payload, schedule.PayloadType)
            .GetMessageBody(new MessageSendContext<ScheduleMessage>(schedule));
        return new ScheduledTimer
        {
            TokenId = schedule.CorrelationId,
            State = ScheduledTimerState.Pending,
            DueAt = schedule.ScheduledTime.ToUniversalTime(),
            Created = DateTime.UtcNow,
            MessageId = messageId, // so a timer fired twice is one message to the receiver's inbox
            DestinationAddress = schedule.Destination,
            ContentType = contentType,
            MessageType = string.Join(";", schedule.PayloadType),
            Body = body.GetString(),
            // Includes MT-Scheduling-TokenId, which sagas check, and the trace parent of whoever scheduled it.
            Headers = SystemTextJsonMessageSerializer.Instance.SerializeDictionary(headers),
        };
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
        var outboxes = new List<CommittedOutbox>(due.Count);
        foreach (var timer in due)
        {
            // An outbox each: timers need no order among themselves, so the delivery service sends them all at once.
            var outbox = new OutboxState { OutboxId = NewId.NextGuid(), Created = now };
            db.Add(outbox);
            var message = new OutboxMessage
            {
                OutboxId = outbox.OutboxId,
                MessageId = timer.MessageId ?? NewId.NextGuid(),
                DestinationAddress = timer.DestinationAddress,
                ContentType = timer.ContentType!,
                MessageType = timer.MessageType!,
                Body = timer.Body!,
                Headers = timer.Headers,
                SentTime = now,
            };
            db.Add(message);
            outboxes.Add(new CommittedOutbox(outbox.OutboxId, [message]));
            timer.State = ScheduledTimerState.Fired;
            timer.Fired = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        foreach (var outbox in outboxes) signal.Committed(outbox);
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
