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
    /// Makes <paramref name="count"/> more waiting clocks by copying the ones sla opened from TicketOpened: for each copy a
    /// saga row (new ticket id, its ledger's ticket id replaced), its pending escalation timer (new token and message
    /// id, the ids in its body and headers replaced) and the two inbox rows opening a clock leaves (TicketOpened for the
    /// saga, ScheduleMessage for the scheduler), then ANALYZE. The rows are what sla itself wrote, byte for byte but for
    /// the ids; sla never loads them during the run (they fall due days later), they are there for the tables' and
    /// indexes' sizes, which the scheduler's poll and every saga lookup work against.
    /// </summary>
    public async Task<int> CloneWaitingAsync(int count, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        async Task<int> Execute(string sql, params object[] parameters)
        {
            await using var command = new NpgsqlCommand(sql, connection, transaction) { CommandTimeout = 600 };
            foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
            return await command.ExecuteNonQueryAsync(cancellationToken);
        }
        await Execute("""
            CREATE TEMP TABLE clone ON COMMIT DROP AS
            SELECT s."CorrelationId" AS old_id, s."EscalationToken" AS old_token,
                   gen_random_uuid() AS new_id, gen_random_uuid() AS new_token, gen_random_uuid() AS new_message
            FROM (SELECT * FROM ticket_sla WHERE "Priority" <> 'P1' AND "EscalationToken" IS NOT NULL) s,
                 generate_series(1, (SELECT ceil($1::float8 / greatest(1, count(*))) FROM ticket_sla WHERE "Priority" <> 'P1')::int) g
            LIMIT $1
            """, count);
        var sagas = await Execute("""
            INSERT INTO ticket_sla ("CorrelationId", "CurrentState", "ClientId", "Tier", "Priority", "EnteredAt", "Clock",
                                    "NextEscalationAt", "EscalationScheduledAt", "EscalationToken", "Ledger")
            SELECT c.new_id, s."CurrentState", s."ClientId", s."Tier", s."Priority", s."EnteredAt", s."Clock",
                   s."NextEscalationAt", s."EscalationScheduledAt", c.new_token, replace(s."Ledger"::text, c.old_id::text, c.new_id::text)::jsonb
            FROM clone c JOIN ticket_sla s ON s."CorrelationId" = c.old_id
            """);
        await Execute("""
            INSERT INTO "ScheduledTimer" ("TokenId", "State", "DueAt", "Created", "MessageId", "DestinationAddress", "ContentType",
                                          "MessageType", "Body", "Headers")
            SELECT c.new_token, t."State", t."DueAt", t."Created", c.new_message, t."DestinationAddress", t."ContentType", t."MessageType",
                   replace(replace(t."Body", c.old_id::text, c.new_id::text), c.old_token::text, c.new_token::text),
                   replace(replace(t."Headers", c.old_id::text, c.new_id::text), c.old_token::text, c.new_token::text)
            FROM clone c JOIN "ScheduledTimer" t ON t."TokenId" = c.old_token
            """);
        await Execute("""
            INSERT INTO "InboxState" ("MessageId", "ConsumerId", "LockId", "RowVersion", "Received", "ReceiveCount", "ExpirationTime",
                                      "Consumed", "Delivered", "LastSequenceNumber")
            SELECT gen_random_uuid(), i."ConsumerId", i."LockId", i."RowVersion", i."Received", i."ReceiveCount", i."ExpirationTime",
                   i."Consumed", i."Delivered", i."LastSequenceNumber"
            FROM clone c CROSS JOIN (SELECT DISTINCT ON ("ConsumerId") * FROM "InboxState" ORDER BY "ConsumerId", "Id") i
            """);
        await transaction.CommitAsync(cancellationToken);
        await using (var analyze = new NpgsqlCommand("""ANALYZE ticket_sla, "ScheduledTimer", "InboxState" """, connection) { CommandTimeout = 600 })
            await analyze.ExecuteNonQueryAsync(cancellationToken);
        return sagas;
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
