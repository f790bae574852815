using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Tickets.Contracts;

namespace SlaClocks.Bench;

public sealed record Settings(int Clocks, int Measured, TimeSpan Window, TimeSpan Idle, TimeSpan Drain, int Publishers, int Ahead, TimeSpan OpenBudget);

/// <summary>What one run found; <see cref="Report"/> turns it into markdown.</summary>
public sealed class Results
{
    public required Settings Settings { get; init; }
    public required Plan Plan { get; init; }
    public TimeSpan WaitingOpened { get; set; }
    /// <summary>Waiting clocks opened by TicketOpened; the rest (if the open budget ran out) were cloned in SQL.</summary>
    public int OpenedByMessage { get; set; }
    public int Cloned { get; set; }
    public TimeSpan CloneTime { get; set; }
    public TimeSpan AllOpened { get; set; }
    public TimeSpan MeasuredOpened { get; set; }
    /// <summary>How long before the window's start every clock was open (negative: after it started).</summary>
    public TimeSpan OpenBeforeWindow { get; set; }
    public DateTimeOffset WindowStart { get; set; }
    public DateTimeOffset WindowEnd { get; set; }
    public TimeSpan DrainedAfter { get; set; }
    public Dictionary<StepKey, ExpectedStep> Expected { get; set; } = [];
    public IReadOnlyDictionary<StepKey, Arrival> Arrivals { get; set; } = new Dictionary<StepKey, Arrival>();
    public int Received { get; set; }
    public double[] FiredLateMs { get; set; } = [];
    public IReadOnlyList<TableSize> SizesIdle { get; set; } = [];
    public IReadOnlyList<TableSize> SizesEnd { get; set; } = [];
    public string SchedulerPollPlan { get; set; } = "";
    public ConcurrentQueue<(string Phase, MemorySample Sample)> Memory { get; } = new();
    public bool ServerGc { get; set; }
    public string RabbitMqVersion { get; set; } = "?";
    public string PostgresVersion { get; set; } = "?";
}

/// <summary>
/// The phases: open the waiting clocks, then the measured ones (due times placed relative to a window that starts once
/// they are all open plus an idle stretch), sit idle, let the window's steps fire, drain. Memory is sampled every
/// second throughout, each sample labelled with its phase.
/// </summary>
public sealed class Bench(Settings settings, Plan plan, IBus bus, SlaProcess sla, SlaDatabase db, Observer observer, Results results)
{
    private volatile string _phase = "empty";
    private long _timers;
    private long _sagas;

    private static void Progress(string line) => Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {line}");

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var sampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var sampler = SampleAsync(sampling.Token);
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(5), cancellationToken); // the empty service, for a baseline

            // 1. The waiting clocks (business hours, nothing due during the run), the production way for as long as the
            // open budget allows; the rest cloned in SQL from those (see SlaDatabase.CloneWaitingAsync).
            _phase = "opening";
            var opening = Stopwatch.StartNew();
            Progress($"opening {plan.Waiting} waiting clocks (for at most {settings.OpenBudget.TotalMinutes:F0} min)");
            var published = await PublishAsync(plan.Waiting, 0, i => plan.WaitingClock(i, DateTimeOffset.UtcNow),
                () => opening.Elapsed > settings.OpenBudget, cancellationToken);
            await WaitForTimersAsync(published, cancellationToken);
            results.WaitingOpened = opening.Elapsed;
            results.OpenedByMessage = published;
            var rate = published / Math.Max(1, opening.Elapsed.TotalSeconds);
            Progress($"{published} waiting clocks open in {opening.Elapsed.TotalSeconds:F0} s ({rate:F1}/s)");
            if (published < plan.Waiting)
            {
                var cloning = Stopwatch.StartNew();
                results.Cloned = await db.CloneWaitingAsync(plan.Waiting - published, cancellationToken);
                results.CloneTime = cloning.Elapsed;
                Interlocked.Exchange(ref _timers, await db.TimersAsync(cancellationToken));
                Progress($"cloned {results.Cloned} waiting clocks in {cloning.Elapsed.TotalSeconds:F0} s");
            }

            // 2. The measured clocks, placed relative to a window that starts after they are open (estimated from the
            // rate just seen, with room to spare) and an idle stretch.
            var estimate = TimeSpan.FromSeconds(plan.Measured / Math.Max(1, rate) * 2 + 10);
            var windowStart = Plan.Millis(DateTimeOffset.UtcNow + estimate + settings.Idle);
            results.WindowStart = windowStart;
            results.WindowEnd = windowStart + plan.Window;
            var measured = Enumerable.Range(0, plan.Measured).Select(i => plan.MeasuredClock(i, windowStart)).ToArray();
            results.Expected = measured.SelectMany(t => plan.Expected(t, results.WindowEnd)).ToDictionary(s => s.Key);
            var measuredOpening = Stopwatch.StartNew();
            await PublishAsync(plan.Measured, plan.Waiting, i => measured[i - plan.Waiting], () => false, cancellationToken);
            await WaitForTimersAsync(results.OpenedByMessage + results.Cloned + plan.Measured, cancellationToken);
            results.MeasuredOpened = measuredOpening.Elapsed;
            results.AllOpened = opening.Elapsed;
            results.OpenBeforeWindow = windowStart - DateTimeOffset.UtcNow;
            Progress($"all {plan.Clocks} clocks open after {opening.Elapsed.TotalSeconds:F0} s; window starts in {results.OpenBeforeWindow.TotalSeconds:F0} s");

            // 3. Idle with every clock open: sizes, and the scheduler's poll as PostgreSQL plans it.
            _phase = "idle";
            results.SizesIdle = await db.SizesAsync(cancellationToken);
            results.SchedulerPollPlan = await db.ExplainSchedulerPollAsync(cancellationToken);
            await DelayUntil(windowStart, cancellationToken);

            // 4. The window: the measured clocks' steps fall due.
            _phase = "firing";
            Progress($"window: {results.Expected.Count} steps due until {results.WindowEnd:HH:mm:ss}");
            await DelayUntil(results.WindowEnd, cancellationToken);

            // 5. Drain: until every expected step arrived, or nothing due is left and no step arrived for 10 s.
            _phase = "drain";
            var lastCount = -1;
            var quiet = Stopwatch.StartNew();
            while (DateTimeOffset.UtcNow < results.WindowEnd + settings.Drain)
            {
                var arrived = results.Expected.Keys.Count(observer.Arrivals.ContainsKey);
                if (arrived == results.Expected.Count) break;
                if (arrived != lastCount) (lastCount, quiet) = (arrived, Stopwatch.StartNew());
                else if (quiet.Elapsed > TimeSpan.FromSeconds(10) && await db.PendingDueAsync(results.WindowEnd, cancellationToken) == 0) break;
                await Task.Delay(500, cancellationToken);
            }
            results.DrainedAfter = DateTimeOffset.UtcNow - results.WindowEnd;
            _phase = "end";
            results.Arrivals = new Dictionary<StepKey, Arrival>(observer.Arrivals);
            results.Received = observer.Received;
            results.FiredLateMs = await db.FiredLateMsAsync(results.WindowStart, results.WindowEnd, cancellationToken);
            results.SizesEnd = await db.SizesAsync(cancellationToken);
            Progress($"done: {results.Expected.Keys.Count(results.Arrivals.ContainsKey)}/{results.Expected.Count} expected steps arrived");
        }
        finally
        {
            await sampling.CancelAsync();
            await sampler;
        }
    }

    /// <summary>
    /// <paramref name="count"/> TicketOpened from <see cref="Settings.Publishers"/> concurrent publishers (each Publish
    /// waits for the broker's confirm), never more than <see cref="Settings.Ahead"/> ahead of the clocks sla has opened,
    /// so that the broker holds a bounded backlog rather than every message at once.
    /// </summary>
    /// <returns>How many were published before <paramref name="stop"/> said to stop.</returns>
    private async Task<int> PublishAsync(int count, int first, Func<int, TicketOpened> message, Func<bool> stop, CancellationToken cancellationToken)
    {
        var next = first - 1;
        var published = 0;
        var baseline = Interlocked.Read(ref _timers) - first; // timers stored before this batch that are not of its index range
        await Task.WhenAll(Enumerable.Range(0, settings.Publishers).Select(_ => Task.Run(async () =>
        {
            int index;
            while (!stop() && (index = Interlocked.Increment(ref next)) < first + count)
            {
                while (index - (Interlocked.Read(ref _timers) - baseline) > settings.Ahead) await Task.Delay(100, cancellationToken);
                await bus.Publish(message(index), cancellationToken);
                Interlocked.Increment(ref published);
            }
        }, cancellationToken)));
        return published;
    }

    /// <summary>Until sla has stored <paramref name="count"/> timers (a clock is open once its first timer is durable).</summary>
    private async Task WaitForTimersAsync(long count, CancellationToken cancellationToken)
    {
        var stalled = Stopwatch.StartNew();
        var last = -1L;
        while (Interlocked.Read(ref _timers) < count)
        {
            if (sla.HasExited) throw new InvalidOperationException($"sla exited; see {sla.LogPath}.");
            var now = Interlocked.Read(ref _timers);
            if (now != last) (last, stalled) = (now, Stopwatch.StartNew());
            else if (stalled.Elapsed > TimeSpan.FromMinutes(2))
                throw new TimeoutException($"No clock opened for 2 minutes ({now}/{count} timers stored); see {sla.LogPath}.");
            await Task.Delay(250, cancellationToken);
        }
    }

    private static async Task DelayUntil(DateTimeOffset at, CancellationToken cancellationToken)
    {
        var wait = at - DateTimeOffset.UtcNow;
        if (wait > TimeSpan.Zero) await Task.Delay(wait, cancellationToken);
    }

    /// <summary>Every second: sla's memory (with the phase it belongs to) and the counts of sagas and timers.</summary>
    private async Task SampleAsync(CancellationToken cancellationToken)
    {
        var lastProgress = Stopwatch.StartNew();
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var sample = sla.Sample();
                results.Memory.Enqueue((_phase, sample));
                Interlocked.Exchange(ref _timers, await db.TimersAsync(cancellationToken));
                Interlocked.Exchange(ref _sagas, await db.SagasAsync(cancellationToken));
                if (lastProgress.Elapsed > TimeSpan.FromSeconds(30))
                {
                    Progress($"{_phase}: {Interlocked.Read(ref _sagas)} sagas, {Interlocked.Read(ref _timers)} timers, {observer.Received} escalations seen; " +
                             $"sla RSS {sample.Rss:F0} MiB (GC heap {sample.GcHeap:F0}), load {sample.LoadAverage:F1}");
                    lastProgress.Restart();
                }
                await Task.Delay(1000, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is IOException or Npgsql.NpgsqlException or InvalidOperationException)
            {
                Progress($"sampling failed: {e.Message}");
                await Task.Delay(1000, CancellationToken.None);
            }
        }
    }
}
