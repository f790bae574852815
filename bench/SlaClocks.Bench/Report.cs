using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace SlaClocks.Bench;

/// <summary>p50, p90, p99 and max (nearest rank).</summary>
public sealed record Percentiles(int Count, double P50, double P90, double P99, double Max)
{
    public static Percentiles Of(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return new(0, double.NaN, double.NaN, double.NaN, double.NaN);
        double At(double p) => sorted[Math.Max(0, (int)Math.Ceiling(p * sorted.Length) - 1)];
        return new(sorted.Length, At(0.50), At(0.90), At(0.99), sorted[^1]);
    }
}

public static class Report
{
    public static string Markdown(Results r)
    {
        var text = new StringBuilder();
        void Line(string line = "") => text.Append(line).Append('\n');
        var s = r.Settings;
        var plan = r.Plan;
        var loads = r.Memory.Select(m => m.Sample.LoadAverage).ToArray();
        Line($"Run {r.WindowStart.UtcDateTime:yyyy-MM-dd HH:mm} UTC: {Environment.ProcessorCount} cores, {RuntimeInformation.OSDescription}, " +
             $".NET {Environment.Version}, RabbitMQ {r.RabbitMqVersion} and PostgreSQL {r.PostgresVersion} on loopback; sla as its own process " +
             $"({(r.ServerGc ? "server" : "workstation")} GC), load average (1 min) during the run {loads.Min():F1}–{loads.Max():F1} (mean {loads.Average():F1}).");
        Line($"{plan.Clocks:N0} clocks: {plan.Waiting:N0} waiting (premium P2–P4, business hours, next open {plan.OpenDay}) + {plan.Measured:N0} measured " +
             $"(premium P1, 24x7); TargetScale {plan.Scale:0.#####}, window {plan.Window.TotalSeconds:F0} s, {s.Publishers} publishers at most {s.Ahead:N0} ahead.");
        Line();

        Line("| Opening | clocks | time | clocks/s |");
        Line("|---|--:|--:|--:|");
        Line($"| waiting clocks, by TicketOpened | {r.OpenedByMessage:N0} | {r.WaitingOpened.TotalSeconds:F0} s | {r.OpenedByMessage / r.WaitingOpened.TotalSeconds:F1} |");
        if (r.Cloned > 0)
            Line($"| waiting clocks, cloned in SQL (open budget spent) | {r.Cloned:N0} | {r.CloneTime.TotalSeconds:F0} s | – |");
        Line($"| measured clocks, by TicketOpened | {plan.Measured:N0} | {r.MeasuredOpened.TotalSeconds:F0} s | {plan.Measured / r.MeasuredOpened.TotalSeconds:F1} |");
        var byMessage = r.OpenedByMessage + plan.Measured;
        var messageTime = r.WaitingOpened + r.MeasuredOpened;
        Line($"| **by TicketOpened** (publish → first timer stored) | {byMessage:N0} | {messageTime.TotalSeconds:F0} s | **{byMessage / messageTime.TotalSeconds:F1}** |");
        if (r.Cloned > 0)
            Line($"| {plan.Clocks:N0} at that rate (extrapolated) | {plan.Clocks:N0} | {plan.Clocks / (byMessage / messageTime.TotalSeconds) / 60:F0} min | |");
        Line();
        Line($"All clocks were open {(r.OpenBeforeWindow >= TimeSpan.Zero ? $"{r.OpenBeforeWindow.TotalSeconds:F0} s before" : $"{-r.OpenBeforeWindow.TotalSeconds:F0} s AFTER")} the window started.");
        Line();

        // Lateness: arrival at the broker-side observer − the step's due time, over the steps expected in the window.
        // A step is announced late when its timer fired late; when a later step of the same target had fallen due by
        // then, only that one is announced (TicketClock.Escalate). The skipped step counts as told by that arrival.
        var byTarget = r.Arrivals.GroupBy(a => (a.Key.TicketId, a.Key.Target, a.Key.Commitment))
            .ToDictionary(g => g.Key, g => g.Select(a => (a.Key.Percent, a.Value.ArrivedAt)).ToArray());
        DateTimeOffset? Told(ExpectedStep e) =>
            byTarget.TryGetValue((e.Key.TicketId, e.Key.Target, e.Key.Commitment), out var arrived)
            && arrived.Where(a => a.Percent >= e.Key.Percent).Select(a => a.ArrivedAt).Order().FirstOrDefault() is var at && at != default ? at : null;
        var told = r.Expected.Values.Select(e => (e, at: Told(e))).Where(t => t.at is not null).Select(t => (t.e, late: (t.at!.Value - t.e.DueAt).TotalMilliseconds)).ToArray();
        var superseded = r.Expected.Values.Count(e => !r.Arrivals.ContainsKey(e.Key) && Told(e) is not null);
        var matched = r.Expected.Values.Where(e => r.Arrivals.ContainsKey(e.Key)).Select(e => (e, a: r.Arrivals[e.Key])).ToArray();
        var wrongDue = matched.Count(m => Math.Abs((m.a.DueAt - m.e.DueAt).TotalMilliseconds) > 1);
        var later = r.Arrivals.Keys.Count(k => !r.Expected.ContainsKey(k));
        var firings = r.FiredLateMs.Length;
        Line($"Window {r.WindowStart:HH:mm:ss}–{r.WindowEnd:HH:mm:ss} UTC: {r.Expected.Count:N0} steps due from {firings:N0} timer firings " +
             $"({firings / plan.Window.TotalSeconds:F0} firings/s, {r.Expected.Count / plan.Window.TotalSeconds:F0} events/s); drained {r.DrainedAfter.TotalSeconds:F0} s after its end.");
        Line();
        Line("| Lateness (ms) | expected | told | p50 | p90 | p99 | max | within 2 s |");
        Line("|---|--:|--:|--:|--:|--:|--:|--:|");
        foreach (var (label, filter) in new (string, Func<ExpectedStep, bool>)[]
                 {
                     ("SlaWarning (arrival − StepDueAt)", e => e.Event == "SlaWarning"),
                     ("SlaBreached (arrival − DueAt)", e => e.Event == "SlaBreached"),
                     ("**all escalations**", _ => true),
                 })
        {
            var expected = r.Expected.Values.Count(filter);
            var late = told.Where(t => filter(t.e)).Select(t => t.late).ToArray();
            var p = Percentiles.Of(late);
            Line($"| {label} | {expected:N0} | {p.Count:N0} | {p.P50:F0} | {p.P90:F0} | {p.P99:F0} | {p.Max:F0} | {Share(late.Count(l => l <= 2000), expected)} |");
        }
        var fired = Percentiles.Of(r.FiredLateMs);
        Line($"| scheduler's part (timer Fired − DueAt) | {firings:N0} | {fired.Count:N0} | {fired.P50:F0} | {fired.P90:F0} | {fired.P99:F0} | {fired.Max:F0} | {Share(r.FiredLateMs.Count(l => l <= 2000), firings)} |");
        Line();
        Line($"({r.Received:N0} escalation messages seen in all; {later:N0} were steps due after the window; {wrongDue} arrived with another due time than expected; " +
             $"{superseded:N0} expected steps were not announced themselves because a later step of the same target had fallen due by the time " +
             $"the timer fired (sla announces only the highest): they count as told when that later step arrived; {r.Expected.Count - told.Length:N0} were never told.)");
        Line();

        Line("| sla memory (MiB) | samples | RSS median | RSS max | anonymous RSS median | GC heap median | GC heap max |");
        Line("|---|--:|--:|--:|--:|--:|--:|");
        foreach (var phase in new[] { "empty", "opening", "idle", "firing", "drain" })
        {
            var samples = r.Memory.Where(m => m.Phase == phase).Select(m => m.Sample).ToArray();
            if (samples.Length == 0) continue;
            Line($"| {Phase(phase, plan)} | {samples.Length} | {Median(samples.Select(x => x.Rss)):F0} | {samples.Max(x => x.Rss):F0} | " +
                 $"{Median(samples.Select(x => x.Anonymous)):F0} | {Median(samples.Select(x => x.GcHeap)):F0} | {samples.Max(x => x.GcHeap):F0} |");
        }
        var empty = r.Memory.Where(m => m.Phase == "empty").Select(m => m.Sample.Rss).ToArray();
        var idle = r.Memory.Where(m => m.Phase == "idle").Select(m => m.Sample.Rss).ToArray();
        if (empty.Length > 0 && idle.Length > 0)
            Line($"\nIdle with every clock open − empty: {Median(idle) - Median(empty):F0} MiB RSS = {(Median(idle) - Median(empty)) * 1024 * 1024 / plan.Clocks:F0} bytes per open clock; peak RSS over the run {r.Memory.Max(m => m.Sample.Rss):F0} MiB.");
        Line();

        Line("| Table | rows (idle) | size idle | rows (end) | size end | bytes / clock (idle) |");
        Line("|---|--:|--:|--:|--:|--:|");
        foreach (var idleSize in r.SizesIdle)
        {
            var end = r.SizesEnd.FirstOrDefault(t => t.Table == idleSize.Table);
            Line($"| {idleSize.Table} | {Rows(idleSize.Rows)} | {Mib(idleSize.Bytes)} | {Rows(end?.Rows ?? -1)} | {Mib(end?.Bytes ?? 0)} | {idleSize.Bytes / (double)plan.Clocks:F0} |");
        }
        Line();
        Line("The scheduler's poll with every clock open (EXPLAIN ANALYZE, rolled back):");
        Line();
        Line("```");
        Line(r.SchedulerPollPlan);
        Line("```");
        return text.ToString();
    }

    private static string Phase(string phase, Plan plan) => phase switch
    {
        "empty" => "empty (ready, no clocks)",
        "opening" => "opening",
        "idle" => $"idle ({plan.Clocks:N0} open, nothing due)",
        "firing" => "firing (the window)",
        _ => "drain (after the window)",
    };

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[(sorted.Length - 1) / 2];
    }

    private static string Share(int within, int of) => of == 0 ? "–" : $"{100.0 * within / of:F1}%";

    private static string Rows(long rows) => rows < 0 ? "" : rows.ToString("N0", CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => $"{bytes / 1024.0 / 1024:F1} MiB";
}
