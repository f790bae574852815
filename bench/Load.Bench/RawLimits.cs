using System.Diagnostics;
using Npgsql;
using RabbitMQ.Client;

namespace Load.Bench;

/// <summary>
/// What the same broker and database do with nothing of ours in between, measured in the same run as the system, so
/// that the system's numbers can be read as a share of them (absolute numbers drift on a shared machine).
/// </summary>
public static class RawLimits
{
    /// <summary>Persistent 1 KiB messages to a durable queue, each awaited until the broker confirms it, from 8 channels.</summary>
    public static async Task<double> BrokerConfirmedPerSecondAsync(ConnectionFactory factory, TimeSpan duration)
    {
        const int publishers = 8;
        var queue = $"bench-load-raw-{Guid.NewGuid():N}";
        await using var connection = await factory.CreateConnectionAsync("bench-load-raw");
        await using (var setup = await connection.CreateChannelAsync())
            await setup.QueueDeclareAsync(queue, durable: true, exclusive: false, autoDelete: false);
        var body = new byte[1024];
        var properties = new BasicProperties { Persistent = true };
        long published = 0;
        var clock = Stopwatch.StartNew();
        try
        {
            await Task.WhenAll(Enumerable.Range(0, publishers).Select(async _ =>
            {
                await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(
                    publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
                while (clock.Elapsed < duration)
                {
                    // Awaits the broker's confirm (tracking is on): persisted, as the outbox's sends are.
                    await channel.BasicPublishAsync("", queue, mandatory: true, properties, body);
                    Interlocked.Increment(ref published);
                }
            }));
            return published / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            await using var cleanup = await connection.CreateChannelAsync();
            await cleanup.QueueDeleteAsync(queue);
        }
    }

    /// <summary>Single-row INSERT commits from 8 connections (autocommit), in a database made and dropped here.</summary>
    public static async Task<double> DatabaseCommitsPerSecondAsync(string postgres, TimeSpan duration)
    {
        const int clients = 8;
        var database = $"bench_load_raw_{Guid.NewGuid():N}"[..30];
        var server = new NpgsqlConnectionStringBuilder(postgres) { Database = "postgres", Pooling = false }.ConnectionString;
        await Execute(server, $"CREATE DATABASE {database}");
        try
        {
            var target = new NpgsqlConnectionStringBuilder(postgres) { Database = database, Pooling = false }.ConnectionString;
            await Execute(target, "CREATE TABLE commits (id bigserial PRIMARY KEY, at timestamptz NOT NULL DEFAULT now(), body text NOT NULL)");
            long commits = 0;
            var clock = Stopwatch.StartNew();
            await Task.WhenAll(Enumerable.Range(0, clients).Select(async _ =>
            {
                await using var connection = new NpgsqlConnection(target);
                await connection.OpenAsync();
                await using var insert = new NpgsqlCommand("INSERT INTO commits (body) VALUES ('a ticket-sized row of text')", connection);
                await insert.PrepareAsync();
                while (clock.Elapsed < duration)
                {
                    await insert.ExecuteNonQueryAsync();
                    Interlocked.Increment(ref commits);
                }
            }));
            return commits / clock.Elapsed.TotalSeconds;
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await Execute(server, $"DROP DATABASE IF EXISTS {database} WITH (FORCE)");
        }
    }

    private static async Task Execute(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
