using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace Outbox.Bench;

/// <summary>p50, p99 and max in milliseconds (nearest rank).</summary>
public sealed record Percentiles(double P50, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new(double.NaN, double.NaN, double.NaN);
        double At(double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new(At(0.50), At(0.99), sorted[^1]);
    }
}

public sealed record RunResult(string Mode, int Count, int Arrived, int Consumed, double Rate, double WriterRate,
    Percentiles Latency, Percentiles Call, Percentiles ConsumeLatency, int? MaxBacklog)
{
    public DeliveryProfile.Totals? Profile { get; init; }

    public static RunResult From(string mode, Run run, long started, long written, TimeProvider time, int? maxBacklog)
    {
        double Ms(long ticks) => ticks * 1000.0 / time.TimestampFrequency;
        var arrived = Enumerable.Range(0, run.Count).Where(i => run.Arrived[i] != 0).ToArray();
        var consumed = Enumerable.Range(0, run.Count).Where(i => run.Consumed[i] != 0).ToArray();
        var last = arrived.Length == 0 ? written : arrived.Max(i => run.Arrived[i]);
        return new RunResult(mode, run.Count, arrived.Length, consumed.Length,
            Rate: arrived.Length / (Ms(last - started) / 1000),
            WriterRate: run.Count / (Ms(written - started) / 1000),
            Latency: Percentiles.Of(arrived.Select(i => Ms(run.Arrived[i] - run.HandedOver[i]))),
            Call: Percentiles.Of(run.CallTicks.Select(Ms)),
            ConsumeLatency: Percentiles.Of(consumed.Select(i => Ms(run.Consumed[i] - run.HandedOver[i]))),
            maxBacklog);
    }
}

public sealed record SchedulerResult(int Count, int Arrived, TimeSpan Lead, TimeSpan Published, TimeSpan? Stored,
    Percentiles Fired, Percentiles Lateness)
{
    public DeliveryProfile.Totals? Profile { get; init; }

    public static SchedulerResult From(Run run, TimeSpan lead, TimeSpan published, TimeSpan? stored, double[] firedLateMs, TimeProvider time)
    {
        var arrived = Enumerable.Range(0, run.Count).Where(i => run.Arrived[i] != 0).ToArray();
        return new SchedulerResult(run.Count, arrived.Length, lead, published, stored, Percentiles.Of(firedLateMs),
            Percentiles.Of(arrived.Select(i => (run.Arrived[i] - run.HandedOver[i]) * 1000.0 / time.TimestampFrequency)));
    }
}

public static class Report
{
    public static string Markdown(int messages, int writers, IReadOnlyList<RunResult> outbox, IReadOnlyList<RunResult> raw,
        SchedulerResult? scheduler, string rabbitMqVersion, string postgresVersion, bool withConsumer)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        Line($"Run {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, " +
             $".NET {Environment.Version}, RabbitMQ {rabbitMqVersion} and PostgreSQL {postgresVersion} on loopback; " +
             $"{messages} messages per run from {writers} concurrent writers.");
        Line();
        var consumer = withConsumer ? " to MassTransit consumer p50 / p99 (ms) |" : "";
        Line($"| Run | messages/s | writer calls/s | latency p50 / p99 / max (ms) | writer call p50 / p99 (ms) |{consumer} max outbox backlog |");
        Line($"|---|--:|--:|--:|--:|{(withConsumer ? "--:|" : "")}--:|");
        for (var round = 0; round < Math.Min(outbox.Count, raw.Count); round++)
            foreach (var run in new[] { outbox[round], raw[round] })
                Line($"| {run.Mode} #{round + 1}{Missing(run)} | {run.Rate:F0} | {run.WriterRate:F0} | {Triple(run.Latency)} | {Pair(run.Call)} |{(withConsumer ? $" {Pair(run.ConsumeLatency)} |" : "")} {(run.MaxBacklog is { } b ? b.ToString(CultureInfo.InvariantCulture) : "–")} |");
        static double Mean(IEnumerable<RunResult> runs, Func<RunResult, double> value) => runs.Average(value);
        string Ratio(Func<RunResult, double> value) => $"{Mean(outbox, value) / Mean(raw, value):F2}×";
        Line($"| **outbox / raw** (means) | {Ratio(r => r.Rate)} | {Ratio(r => r.WriterRate)} | {Ratio(r => r.Latency.P50)} / {Ratio(r => r.Latency.P99)} / {Ratio(r => r.Latency.Max)} | {Ratio(r => r.Call.P50)} / {Ratio(r => r.Call.P99)} |{(withConsumer ? $" {Ratio(r => r.ConsumeLatency.P50)} / {Ratio(r => r.ConsumeLatency.P99)} |" : "")} |");
        Line();
        Line("Outbox delivery passes (from EF Core's interceptors; a pass locks up to 100 outboxes, sends, deletes, commits):");
        Line();
        Line("| Run | passes | messages / pass | ms / pass | of which SELECTs | DELETEs | COMMIT | sends + confirms (rest) | other commits |");
        Line("|---|--:|--:|--:|--:|--:|--:|--:|--:|");
        for (var round = 0; round < outbox.Count; round++)
            if (outbox[round].Profile is { Passes: > 0 } p)
                Line($"| outbox #{round + 1} | {p.Passes} | {(double)p.Messages / p.Passes:F1} | {p.PassMs / p.Passes:F1} | {p.SelectMs / p.Passes:F1} | {p.DeleteMs / p.Passes:F1} | {p.CommitMs / p.Passes:F1} | {p.SendMs / p.Passes:F1} | {p.OtherCommits} |");
        if (scheduler is not null)
        {
            Line();
            Line("| Timers due at once | scheduled in | all stored after | fired − due p50 / p99 / max (ms) | arrival − due p50 / p99 / max (ms) | all within 2 s |");
            Line("|--:|--:|--:|--:|--:|:-:|");
            Line($"| {scheduler.Count} (due in {scheduler.Lead.TotalSeconds:F0} s){(scheduler.Arrived < scheduler.Count ? $", only {scheduler.Arrived} arrived" : "")} " +
                 $"| {scheduler.Published.TotalSeconds:F2} s | {(scheduler.Stored is { } s ? $"{s.TotalSeconds:F2} s" : "not all")} " +
                 $"| {Triple(scheduler.Fired)} | {Triple(scheduler.Lateness)} " +
                 $"| {(scheduler.Arrived == scheduler.Count && scheduler.Lateness.Max <= 2000 ? "yes" : "no")} |");
            if (scheduler.Profile is { Passes: > 0 } p)
            {
                Line();
                Line($"Delivery of the fired timers: {p.Passes} passes, {(double)p.Messages / p.Passes:F0} messages / pass, {p.PassMs / p.Passes:F0} ms / pass " +
                     $"(SELECTs {p.SelectMs / p.Passes:F0}, DELETEs {p.DeleteMs / p.Passes:F0}, COMMIT {p.CommitMs / p.Passes:F0}, sends + confirms {p.SendMs / p.Passes:F0}).");
            }
        }
        return text.ToString();
    }

    private static string Missing(RunResult run) =>
        run.Arrived < run.Count ? $" (only {run.Arrived} arrived)" : "";

    private static string Triple(Percentiles p) => $"{p.P50:F1} / {p.P99:F1} / {p.Max:F0}";

    private static string Pair(Percentiles p) => $"{p.P50:F1} / {p.P99:F1}";
}
