using System.Globalization;
using System.Text;

namespace Load.Bench;

/// <summary>The markdown that docs/BENCHMARKS.md holds.</summary>
public static class Report
{
    /// <summary>Nearest-rank percentile (0 for none).</summary>
    public static double Percentile(double[] values, double percent)
    {
        if (values.Length == 0) return 0;
        var sorted = values.Order().ToArray();
        var rank = (int)Math.Ceiling(percent / 100 * sorted.Length);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Length - 1)];
    }

    public static string Markdown(LoadResult result)
    {
        var text = new StringBuilder();
        void Line(FormattableString line) => text.AppendLine(line.ToString(CultureInfo.InvariantCulture));

        Line($"Raw limits in the same run: broker **{result.BrokerConfirmedPerSecond:0} msgs/s** (persistent, confirmed, 1 KiB, 8 channels); database **{result.DatabaseCommitsPerSecond:0} commits/s** (single-row INSERT, 8 clients).");
        Line($"");
        Line($"| Load | Accepted | Refused | Failed | Accepted req/s | Accept p50 / p99 / p99.9 ms | Done | End to end tickets/s | Accept → clock started p50 / p99 ms | Accept → acknowledgement mailed p50 / p99 ms |");
        Line($"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var phase in result.Phases)
        {
            var a = phase.Accept;
            var clock = phase.ToClockStartedMs;
            var mailed = phase.ToAcknowledgementMailedMs;
            Line($"| {a.Load} | {a.Accepted} | {a.Refused} | {a.Failed} | {a.AcceptedPerSecond:0.0} | {Percentile(a.LatenciesMs, 50):0} / {Percentile(a.LatenciesMs, 99):0} / {Percentile(a.LatenciesMs, 99.9):0} | {phase.Done}{(phase.Drained ? "" : " (stalled)")} | {phase.EndToEndPerSecond(phase.Started):0.0} | {Percentile(clock, 50):0} / {Percentile(clock, 99):0} | {Percentile(mailed, 50):0} / {Percentile(mailed, 99):0} |");
        }

        var costed = result.Costed;
        var tickets = Math.Max(costed.Done, 1);
        Line($"");
        Line($"Cost per ticket at {costed.Accept.Load} ({costed.Done} tickets; from the first request to {LoadPlanNote}), and what each spends per second idle:");
        Line($"");
        Line($"| Process | CPU-ms | Inbox deliveries | Transactions | Idle CPU-ms/s | Idle transactions/s |");
        Line($"|---|---:|---:|---:|---:|---:|");
        var idle = result.IdlePerSecond;
        var cost = costed.Cost;
        foreach (var name in cost.CpuMs.Keys.Union(cost.Transactions.Keys).OrderBy(Order))
        {
            var cpu = cost.CpuMs.TryGetValue(name, out var ms) ? (ms / tickets).ToString("0.0", CultureInfo.InvariantCulture) : "";
            var deliveries = cost.Deliveries.TryGetValue(name, out var d) ? (d / tickets).ToString("0.0", CultureInfo.InvariantCulture) : "";
            var transactions = cost.Transactions.TryGetValue(name, out var t) ? (t / tickets).ToString("0.0", CultureInfo.InvariantCulture) : "";
            var idleCpu = idle.CpuMs.TryGetValue(name, out var ic) ? ic.ToString("0.0", CultureInfo.InvariantCulture) : "";
            var idleTransactions = idle.Transactions.TryGetValue(name, out var it) ? it.ToString("0.0", CultureInfo.InvariantCulture) : "";
            Line($"| {name} | {cpu} | {deliveries} | {transactions} | {idleCpu} | {idleTransactions} |");
        }
        var totalDeliveries = cost.Deliveries.Values.Sum() / tickets;
        var totalTransactions = cost.Transactions.Values.Sum() / tickets;
        Line($"| **total** | **{cost.CpuMs.Values.Sum() / tickets:0.0}** | **{totalDeliveries:0.0}** | **{totalTransactions:0.0}** | {idle.CpuMs.Values.Sum():0.0} | {idle.Transactions.Values.Sum():0.0} |");
        Line($"");
        var sustained = result.Phases.Max(p => p.EndToEndPerSecond(p.Started));
        Line($"Timers stored by the scheduler: {cost.TimersStored / tickets:0.0} per ticket. At the best end-to-end rate ({sustained:0.0} tickets/s) the system uses {100 * sustained * totalDeliveries / result.BrokerConfirmedPerSecond:0.0}% of the raw broker rate (inbox deliveries; the batch consumers', docs/adr/0066, are not counted) and {100 * sustained * totalTransactions / result.DatabaseCommitsPerSecond:0.0}% of the raw commit rate.");
        return text.ToString();
    }

    private const string LoadPlanNote = "a few seconds after its last ticket was done";

    private static int Order(string name) => Array.IndexOf(["gateway", "intake", "tickets", "sla", "billing", "notify", "console", "identity", "sms", "rabbitmq", "postgres"], name) switch
    {
        -1 => 99,
        var i => i,
    };
}
