using System.Globalization;
using Npgsql;

namespace Load.Bench;

/// <summary>What each part of the system has spent so far: CPU-ms per process, transactions and deliveries per service.</summary>
public sealed record Spend(
    IReadOnlyDictionary<string, double> CpuMs,
    IReadOnlyDictionary<string, double> Transactions,
    IReadOnlyDictionary<string, double> Deliveries,
    double TimersStored,
    DateTime At)
{
    public Spend Scale(double factor) => new(
        CpuMs.ToDictionary(p => p.Key, p => p.Value * factor),
        Transactions.ToDictionary(p => p.Key, p => p.Value * factor),
        Deliveries.ToDictionary(p => p.Key, p => p.Value * factor),
        TimersStored * factor,
        At);

    public Spend Minus(Spend earlier) => new(
        CpuMs.ToDictionary(p => p.Key, p => p.Value - earlier.CpuMs.GetValueOrDefault(p.Key)),
        Transactions.ToDictionary(p => p.Key, p => p.Value - earlier.Transactions.GetValueOrDefault(p.Key)),
        Deliveries.ToDictionary(p => p.Key, p => p.Value - earlier.Deliveries.GetValueOrDefault(p.Key)),
        TimersStored - earlier.TimersStored,
        At);
}

/// <summary>
/// Reads <see cref="Spend"/>: CPU time from /proc (user + system, every thread; PostgreSQL's postmaster with every
/// backend under it and those it reaped), transactions from pg_stat_database, deliveries from each service's inbox
/// (one row per message and consumer, ReceiveCount counting redeliveries). The meter's own queries are transactions in
/// the databases it reads; it counts them and takes them off.
/// </summary>
public sealed class Meters(SystemUnderTest system)
{
    private const double MsPerTick = 10; // USER_HZ is 100 on Linux
    private readonly Dictionary<string, long> _ownTransactions = SystemUnderTest.Services.ToDictionary(s => s, _ => 0L);

    /// <summary>Every transaction the benchmark itself ran in <paramref name="service"/>'s database.</summary>
    public void CountOwn(string service, int transactions = 1)
    {
        lock (_ownTransactions) _ownTransactions[service] += transactions;
    }

    public async Task<Spend> ReadAsync(DateTime deliveriesSince)
    {
        var cpu = system.Processes.ToDictionary(p => p.Key, p => Ticks(p.Value, withChildren: false) * MsPerTick);
        if (system.PostmasterPid is { } postmaster) cpu["postgres"] = PostgresTicks(postmaster) * MsPerTick;

        var transactions = new Dictionary<string, double>();
        await using (var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(system.Postgres) { Database = "postgres" }.ConnectionString))
        {
            await connection.OpenAsync();
            foreach (var service in SystemUnderTest.Services)
            {
                var database = new NpgsqlConnectionStringBuilder(system.Databases[service]).Database!;
                await using var command = new NpgsqlCommand("SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", connection);
                command.Parameters.AddWithValue(database);
                long own;
                lock (_ownTransactions) own = _ownTransactions[service];
                transactions[service] = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture) - own;
            }
        }

        var deliveries = new Dictionary<string, double>();
        double timers = 0;
        foreach (var service in SystemUnderTest.Services)
        {
            await using var connection = new NpgsqlConnection(system.Databases[service]);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("""SELECT coalesce(sum("ReceiveCount"), 0) FROM "InboxState" WHERE "Received" >= $1""", connection);
            command.Parameters.AddWithValue(deliveriesSince);
            deliveries[service] = Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            CountOwn(service);
            if (service != "sla") continue;
            await using var timerCommand = new NpgsqlCommand("""SELECT count(*) FROM "ScheduledTimer" WHERE "Created" >= $1""", connection);
            timerCommand.Parameters.AddWithValue(deliveriesSince);
            timers = Convert.ToInt64(await timerCommand.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
            CountOwn(service);
        }
        return new Spend(cpu, transactions, deliveries, timers, DateTime.UtcNow);
    }

    /// <summary>utime + stime (+ cutime + cstime: children it waited for) of one process, in clock ticks.</summary>
    private static long Ticks(int pid, bool withChildren)
    {
        var fields = Stat(pid);
        if (fields is null) return 0;
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        if (withChildren) ticks += long.Parse(fields[13], CultureInfo.InvariantCulture) + long.Parse(fields[14], CultureInfo.InvariantCulture);
        return ticks;
    }

    private static long PostgresTicks(int postmaster)
    {
        var ticks = Ticks(postmaster, withChildren: true);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || pid == postmaster) continue;
            var fields = Stat(pid);
            if (fields is not null && fields[1] == postmaster.ToString(CultureInfo.InvariantCulture)) ticks += Ticks(pid, withChildren: false);
        }
        return ticks;
    }

    /// <summary>/proc/pid/stat after "(comm) ": [0] state, [1] ppid, ... [11] utime, [12] stime, [13] cutime, [14] cstime.</summary>
    private static string[]? Stat(int pid)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null; // gone
        }
    }
}
