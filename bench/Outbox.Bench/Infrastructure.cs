using System.Diagnostics;
using System.Globalization;
using Npgsql;
using RabbitMQ.Client;

namespace Outbox.Bench;

/// <summary>
/// The shared PostgreSQL and RabbitMQ, from the variables scripts/infra.sh prints (the tests read the same ones). The
/// benchmark makes a database and a virtual host of its own and removes both when it ends.
/// </summary>
public sealed class Infrastructure
{
    private readonly string _rabbitmqctl;

    private Infrastructure(string postgres, ConnectionFactory rabbit, string rabbitmqctl)
    {
        Postgres = postgres;
        Rabbit = rabbit;
        _rabbitmqctl = rabbitmqctl;
    }

    /// <summary>Without a database; <see cref="Database"/> adds one.</summary>
    public string Postgres { get; }

    public ConnectionFactory Rabbit { get; }

    public string Database(string name) => new NpgsqlConnectionStringBuilder(Postgres) { Database = name }.ConnectionString;

    public static Infrastructure FromEnvironment()
    {
        static string Required(string name) => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: run `eval \"$(scripts/infra.sh start)\"` first (or `... env` if it is running).");
        var rabbit = new ConnectionFactory
        {
            HostName = Required("SERVICEDESK_RABBITMQ_HOST"),
            Port = int.Parse(Environment.GetEnvironmentVariable("SERVICEDESK_RABBITMQ_PORT") ?? "5672", CultureInfo.InvariantCulture),
            UserName = Environment.GetEnvironmentVariable("SERVICEDESK_RABBITMQ_USER") ?? "guest",
            Password = Environment.GetEnvironmentVariable("SERVICEDESK_RABBITMQ_PASS") ?? "guest",
        };
        return new Infrastructure(Required("SERVICEDESK_PG"), rabbit, Required("SERVICEDESK_RABBITMQCTL"));
    }

    public async Task CreateVirtualHostAsync(string name)
    {
        await RabbitMqCtl("add_vhost", name);
        await RabbitMqCtl("set_permissions", "-p", name, Rabbit.UserName, ".*", ".*", ".*");
        Rabbit.VirtualHost = name;
    }

    public async Task DeleteVirtualHostAsync(string name)
    {
        try
        {
            await RabbitMqCtl("delete_vhost", name);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Could not delete virtual host {name}: {e.Message}");
        }
    }

    public async Task DropDatabaseAsync(string name)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(Postgres) { Database = "postgres", Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"""DROP DATABASE IF EXISTS "{name}" WITH (FORCE)""", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public async Task<string> PostgresVersionAsync(string database)
    {
        await using var connection = new NpgsqlConnection(Database(database));
        await connection.OpenAsync();
        await using var version = new NpgsqlCommand("SHOW server_version", connection);
        return (string)(await version.ExecuteScalarAsync())!;
    }

    private async Task RabbitMqCtl(params string[] args)
    {
        var start = new ProcessStartInfo(_rabbitmqctl) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {_rabbitmqctl}.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true); // only the rabbitmqctl this started
            throw;
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} failed ({process.ExitCode}): {await error}{await output}");
    }
}
