using Npgsql;

namespace SlaClocks.Bench;

public sealed record TableSize(string Table, long Rows, long Bytes);

/// <summary>Read-only looks into sla's database (the service creates and migrates it; the benchmark drops it).</summary>
public sealed class SlaDatabase(string connectionString)
{
    public static readonly string[] Tables = ["ticket_sla", "ScheduledTimer", "InboxState", "OutboxState", "OutboxMessage"];

    public async Task<long> CountAsync(string sql, CancellationToken cancellationToken, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return Convert.ToInt64(await command.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Stored timers (pending, fired or cancelled): one per opened clock until the first one fires.</summary>
    public Task<long> TimersAsync(CancellationToken cancellationToken) => CountAsync("""SELECT count(*) FROM "ScheduledTimer" """, cancellationToken);

    public Task<long> SagasAsync(CancellationToken cancellationToken) => CountAsync("SELECT count(*) FROM ticket_sla", cancellationToken);

    /// <summary>Timers due by <paramref name="until"/> and not fired yet.</summary>
    public Task<long> PendingDueAsync(DateTimeOffset until, CancellationToken cancellationToken) =>
        CountAsync("""SELECT count(*) FROM "ScheduledTimer" WHERE "State" = 0 AND "DueAt" <= $1""", cancellationToken, until.UtcDateTime);

    public async Task<IReadOnlyList<TableSize>> SizesAsync(CancellationToken cancellationToken)
    {
        var sizes = new List<TableSize>();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        foreach (var table in Tables)
        {
            await using var command = new NpgsqlCommand($"""SELECT count(*), pg_total_relation_size('"{table}"') FROM "{table}" """, connection);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            sizes.Add(new TableSize(table, reader.GetInt64(0), reader.GetInt64(1)));
        }
        await using (var database = new NpgsqlCommand("SELECT pg_database_size(current_database())", connection))
            sizes.Add(new TableSize("(whole database)", -1, (long)(await database.ExecuteScalarAsync(cancellationToken))!));
        return sizes;
    }

    /// <summary>The durable scheduler's own part of the lateness: Fired − DueAt of the timers due in [from, to], in ms.</summary>
    public async Task<double[]> FiredLateMsAsync(DateTimeOffset from, DateTimeOffset to, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            SELECT EXTRACT(EPOCH FROM ("Fired" - "DueAt")) * 1000 FROM "ScheduledTimer"
            WHERE "State" = 1 AND "DueAt" BETWEEN $1 AND $2
            """, connection)
        {
            Parameters = { new() { Value = from.UtcDateTime }, new() { Value = to.UtcDateTime } },
        };
        var late = new List<double>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken)) late.Add(Convert.ToDouble(reader.GetValue(0), System.Globalization.CultureInfo.InvariantCulture));
        return [.. late];
    }

    /// <summary>
    /// The scheduler's poll (Scheduler.cs, SchedulerService.FireDue) as PostgreSQL runs it now, in a transaction that is
    /// rolled back: with every clock open and nothing due it should touch only the partial index on pending timers.
    /// </summary>
    public async Task<string> ExplainSchedulerPollAsync(CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = new NpgsqlCommand("""
            EXPLAIN (ANALYZE, BUFFERS, COSTS OFF)
            SELECT * FROM "ScheduledTimer" WHERE "State" = 0 AND "DueAt" <= now()
            ORDER BY "DueAt" LIMIT 500 FOR UPDATE SKIP LOCKED
            """, connection, transaction);
        var lines = new List<string>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken)) lines.Add(reader.GetString(0));
        await transaction.RollbackAsync(cancellationToken);
        return string.Join('\n', lines);
    }
}
