using System.Diagnostics;

namespace Load.Bench;

/// <summary>How long and how hard to drive the system. <see cref="Full"/> is what docs/BENCHMARKS.md reports.</summary>
public sealed record LoadPlan(
    TimeSpan Raw, TimeSpan Idle, int Warmup, int Batch, int[] Connections, double[] RateShares, TimeSpan RateDuration,
    TimeSpan Stall, TimeSpan StatsSettle)
{
    /// <summary>About 4-6 minutes on 2 cores once the system finishes 50 tickets/s; bounded by <see cref="Stall"/> when it does not.</summary>
    public static LoadPlan Full { get; } = new(
        Raw: TimeSpan.FromSeconds(5), Idle: TimeSpan.FromSeconds(15), Warmup: 50, Batch: 1000, Connections: [4, 16],
        RateShares: [0.5], RateDuration: TimeSpan.FromSeconds(30), Stall: TimeSpan.FromMinutes(2),
        // PostgreSQL's backends report their transaction counts at most every second, or 10 s after going idle.
        StatsSettle: TimeSpan.FromSeconds(11));

    /// <summary>
    /// Under a minute: proves that every measure is taken, says nothing of speed (the CI smoke test). It waits for the
    /// statistics as long as <see cref="Full"/> does: a service that commits a few transactions and goes idle reports
    /// them only 10 s later, and notify commits one per ticket.
    /// </summary>
    public static LoadPlan Smoke { get; } = new(
        Raw: TimeSpan.FromSeconds(1), Idle: TimeSpan.FromSeconds(1), Warmup: 2, Batch: 12, Connections: [4],
        RateShares: [0.5], RateDuration: TimeSpan.FromSeconds(2), Stall: TimeSpan.FromMinutes(2), StatsSettle: Full.StatsSettle);
}

/// <summary>One load: what the gateway answered, and how the accepted requests went end to end.</summary>
public sealed record PhaseResult(AcceptResult Accept, IReadOnlyCollection<TicketTimes> Tickets, bool Drained, Spend Cost)
{
    public int Done => Tickets.Count(t => t.Done);

    /// <summary>Tickets finished per second, from the first request sent to the last ticket done.</summary>
    public double EndToEndPerSecond(TimeSpan started) =>
        Done == 0 ? 0 : Done / (Tickets.Where(t => t.Done).Max(t => t.DoneAt!.Value) - started).TotalSeconds;

    public TimeSpan Started { get; init; }

    public double[] ToClockStartedMs => [.. Tickets.Where(t => t.ClockStarted.HasValue).Select(t => (t.ClockStarted!.Value - t.Accepted).TotalMilliseconds)];

    public double[] ToAcknowledgementMailedMs =>
        [.. Tickets.Where(t => t.AcknowledgementMailed.HasValue).Select(t => (t.AcknowledgementMailed!.Value - t.Accepted).TotalMilliseconds)];
}

public sealed record LoadResult(double BrokerConfirmedPerSecond, double DatabaseCommitsPerSecond, Spend IdlePerSecond, IReadOnlyList<PhaseResult> Phases)
{
    /// <summary>The phase whose cost per ticket is reported: the biggest batch at the highest concurrency.</summary>
    public PhaseResult Costed => Phases.Where(p => p.Accept.Load.EndsWith("connections", StringComparison.Ordinal)).MaxBy(p => p.Tickets.Count)!;
}

/// <summary>
/// The end-to-end benchmark (issue 13): the raw broker and database limits, an idle baseline, then the system through
/// the gateway at fixed concurrencies (each drained before the next) and at offered rates that are shares of the
/// end-to-end rate just measured. Costs per phase are what the processes and databases spent from its start to a few
/// seconds after its last ticket; what they spend idle per second is reported beside them, not subtracted (right after
/// a start, "idle" still holds the runtime's own tiering and clean-up, which would make a busy service look cheaper).
/// </summary>
public sealed class LoadBench(SystemUnderTest system, LoadPlan plan, Action<string> progress)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Meters _meters = new(system);

    public async Task<LoadResult> RunAsync()
    {
        progress("raw broker: persistent confirmed publishes");
        var broker = await RawLimits.BrokerConfirmedPerSecondAsync(system.Rabbit, plan.Raw);
        progress("raw database: single-row commits");
        var database = await RawLimits.DatabaseCommitsPerSecondAsync(system.Postgres, plan.Raw);

        using var driver = new Driver(system, _clock);
        progress($"warm-up: {plan.Warmup} requests");
        await using (var warmup = new Tracker(system, _meters, _clock))
        {
            warmup.Start();
            await driver.AtConcurrencyAsync(4, plan.Warmup, warmup);
            await warmup.DrainAsync(plan.Stall);
        }

        // What the warm-up set going (outbox passes, the stats of finished transactions) ends before idle is measured.
        await Task.Delay(plan.StatsSettle);
        progress($"idle baseline: {plan.Idle.TotalSeconds:0} s");
        var idleStart = await _meters.ReadAsync(DateTime.UtcNow);
        await Task.Delay(plan.Idle);
        var idleEnd = await _meters.ReadAsync(idleStart.At);
        var idle = idleEnd.Minus(idleStart).Scale(1 / (idleEnd.At - idleStart.At).TotalSeconds);

        var phases = new List<PhaseResult>();
        foreach (var connections in plan.Connections)
        {
            var requests = connections == plan.Connections.Max() ? plan.Batch : Math.Max(plan.Batch / 4, 1);
            progress($"{requests} requests at {connections} connections, then drain");
            phases.Add(await PhaseAsync(tracker => driver.AtConcurrencyAsync(connections, requests, tracker)));
        }
        var sustained = phases.Count == 0 ? 1 : phases.Max(p => p.EndToEndPerSecond(p.Started));
        foreach (var share in plan.RateShares)
        {
            var rate = Math.Max(1, Math.Round(sustained * share, 1));
            progress($"{rate} req/s offered for {plan.RateDuration.TotalSeconds:0} s, then drain");
            phases.Add(await PhaseAsync(tracker => driver.AtRateAsync(rate, plan.RateDuration, tracker)));
        }
        return new LoadResult(broker, database, idle, phases);
    }

    private async Task<PhaseResult> PhaseAsync(Func<Tracker, Task<AcceptResult>> load)
    {
        var before = await _meters.ReadAsync(DateTime.UtcNow);
        await using var tracker = new Tracker(system, _meters, _clock);
        tracker.Start();
        var started = _clock.Elapsed;
        var accepted = await load(tracker);
        var drained = await tracker.DrainAsync(plan.Stall);
        await Task.Delay(plan.StatsSettle);
        var spent = (await _meters.ReadAsync(before.At)).Minus(before);
        return new PhaseResult(accepted, tracker.Tickets, drained, spent) { Started = started };
    }
}
