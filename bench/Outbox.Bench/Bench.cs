using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform.Outbox;

namespace Outbox.Bench;

/// <summary>
/// The runs. Each hands N messages over from a few concurrent writers and waits (with a deadline) until every one has
/// arrived at the broker-side observer and at the MassTransit consumer, so that no run's tail spills into the next.
/// </summary>
public sealed class Bench(IServiceProvider services, int writers, bool withConsumer)
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly Recorder _recorder = services.GetRequiredService<Recorder>();
    private readonly IBus _bus = services.GetRequiredService<IBus>();
    private TimeProvider Time => _recorder.Time;

    public string ProbeExchange()
    {
        if (!_bus.Topology.Publish<Probe>().TryGetPublishAddress(_bus.Address, out var address))
            throw new InvalidOperationException("Probe has no publish address.");
        return Uri.UnescapeDataString(address.AbsolutePath.Split('/')[^1]);
    }

    /// <summary>Each message in its own scope and transaction: publish into the outbox, then SaveChanges commits it.</summary>
    public async Task<RunResult> OutboxRun(int id, int count)
    {
        var run = _recorder.Start(id, count);
        DeliveryProfile.Instance.Take();
        using var sampling = new CancellationTokenSource();
        var backlog = SampleBacklog(sampling.Token);
        var started = Time.GetTimestamp();
        await Writers(count, async sequence =>
        {
            var begin = Time.GetTimestamp();
            await using var scope = services.CreateAsyncScope();
            var publish = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
            var db = scope.ServiceProvider.GetRequiredService<BenchDbContext>();
            await publish.Publish(new Probe(id, sequence));
            await db.SaveChangesAsync();
            var committed = Time.GetTimestamp();
            run.HandedOver[sequence] = committed;
            run.CallTicks[sequence] = committed - begin;
        });
        var written = Time.GetTimestamp();
        await Finish(run);
        await sampling.CancelAsync();
        return RunResult.From("outbox", run, started, written, Time, await backlog) with { Profile = DeliveryProfile.Instance.Take() };
    }

    /// <summary>Straight through the bus (no outbox): MassTransit waits for the broker's publisher confirm.</summary>
    public async Task<RunResult> RawRun(int id, int count)
    {
        var run = _recorder.Start(id, count);
        var started = Time.GetTimestamp();
        await Writers(count, async sequence =>
        {
            var begin = Time.GetTimestamp();
            run.HandedOver[sequence] = begin;
            await _bus.Publish(new Probe(id, sequence));
            run.CallTicks[sequence] = Time.GetTimestamp() - begin;
        });
        var written = Time.GetTimestamp();
        await Finish(run);
        return RunResult.From("raw", run, started, written, Time, maxBacklog: null);
    }

    /// <summary>
    /// <paramref name="count"/> timers due at one instant <paramref name="lead"/> ahead, scheduled as sagas do (a
    /// ScheduleMessage published to the durable scheduler, which stores it). Lateness = arrival at the broker-side
    /// observer − due time; the scheduler's own part (Fired − DueAt) is read back from its table.
    /// </summary>
    public async Task<SchedulerResult> SchedulerRun(int id, int count, TimeSpan lead)
    {
        var run = _recorder.Start(id, count);
        DeliveryProfile.Instance.Take();
        var scheduler = _bus.CreateMessageScheduler();
        var start = Time.GetTimestamp();
        var due = Time.GetUtcNow().UtcDateTime + lead;
        var dueTimestamp = start + (long)(lead.TotalSeconds * Time.TimestampFrequency);
        Array.Fill(run.HandedOver, dueTimestamp);
        await Writers(count, sequence => scheduler.SchedulePublish(due, new Probe(id, sequence)));
        var published = Time.GetElapsedTime(start);

        // When the scheduler had stored them all (it consumes ScheduleMessage behind the consumer inbox).
        TimeSpan? stored = null;
        while (Time.GetElapsedTime(start) < lead + Deadline)
        {
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<BenchDbContext>();
            if (await db.Set<ScheduledTimer>().CountAsync() >= count)
            {
                stored = Time.GetElapsedTime(start);
                break;
            }
            await Task.Delay(50);
        }
        await Finish(run);

        await using (var scope = services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<BenchDbContext>();
            var fired = await db.Set<ScheduledTimer>().Where(t => t.Fired != null)
                .Select(t => new { t.DueAt, t.Fired }).ToListAsync();
            return SchedulerResult.From(run, lead, published, stored, fired.Select(t => (t.Fired!.Value - t.DueAt).TotalMilliseconds).ToArray(), Time)
                with { Profile = DeliveryProfile.Instance.Take() };
        }
    }

    private async Task Writers(int count, Func<int, Task> write)
    {
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            int sequence;
            while ((sequence = Interlocked.Increment(ref next)) < count) await write(sequence);
        })));
    }

    private async Task Finish(Run run)
    {
        using var deadline = new CancellationTokenSource(Deadline);
        try
        {
            await (withConsumer ? Task.WhenAll(run.AllArrived, run.AllConsumed) : run.AllArrived).WaitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Run {run.Id}: after {Deadline.TotalSeconds} s, {run.ArrivedCount}/{run.Count} arrived and {run.ConsumedCount}/{run.Count} consumed.");
        }
    }

    /// <summary>The most outbox messages committed but not yet delivered, sampled every 100 ms.</summary>
    private async Task<int?> SampleBacklog(CancellationToken cancellationToken)
    {
        var max = 0;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await using (var scope = services.CreateAsyncScope())
                {
                    var db = scope.ServiceProvider.GetRequiredService<BenchDbContext>();
                    max = Math.Max(max, await db.Set<OutboxMessage>().CountAsync(cancellationToken));
                }
                await Task.Delay(100, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
        }
        return max;
    }
}
