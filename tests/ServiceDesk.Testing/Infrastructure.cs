using Npgsql;
using Testcontainers.PostgreSql;
using Testcontainers.RabbitMq;

namespace ServiceDesk.Testing;

/// <summary>RabbitMQ as the apps' "RabbitMq" configuration section sees it.</summary>
public sealed record RabbitMqEndpoint(string Host, int Port, string Username, string Password);

/// <summary>
/// The real PostgreSQL and RabbitMQ the tests run against. scripts/test.sh starts them from the OS packages and
/// passes them in SERVICEDESK_* variables; without those, on a machine with Docker, Testcontainers starts them.
/// Each test fixture gets its own databases and its own virtual host, so fixtures never see each other's messages.
/// </summary>
public sealed class Infrastructure
{
    private static readonly Lazy<Task<Infrastructure>> Instance = new(StartAsync);
    private readonly Func<string[], Task<string>> _rabbitmqctl;
    private readonly Func<string, TimeSpan, Task> _restart;

    private Infrastructure(string postgres, RabbitMqEndpoint rabbitMq, Func<string[], Task<string>> rabbitmqctl, Func<string, TimeSpan, Task> restart)
    {
        Postgres = postgres;
        RabbitMq = rabbitMq;
        _rabbitmqctl = rabbitmqctl;
        _restart = restart;
    }

    /// <summary>
    /// Stops "rabbitmq" or "postgres", leaves it down for <paramref name="down"/>, and starts it again, for fault tests.
    /// With scripts/infra.sh the server process really stops; in containers RabbitMQ's application stops, and
    /// PostgreSQL's container is paused and then drops every connection.
    /// </summary>
    public Task RestartAsync(string server, TimeSpan down = default) => _restart(server, down);

    public static Task<Infrastructure> Shared => Instance.Value;

    /// <summary>A connection string without a database; append "Database=..." for one.</summary>
    public string Postgres { get; }

    public RabbitMqEndpoint RabbitMq { get; }

    public string Database(string name) => $"{Postgres};Database={name}";

    public static string UniqueName(string prefix) => $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(prefix.Length + 13, 60)];

    /// <summary>What the broker says about one virtual host's queues, to explain a failed fault test.</summary>
    public Task<string> DescribeQueuesAsync(string virtualHost) =>
        _rabbitmqctl(["list_queues", "-p", virtualHost, "name", "messages_ready", "messages_unacknowledged", "consumers"]);

    public async Task<string> CreateVirtualHostAsync(string prefix)
    {
        var name = UniqueName(prefix);
        await _rabbitmqctl(["add_vhost", name]);
        await _rabbitmqctl(["set_permissions", "-p", name, RabbitMq.Username, ".*", ".*", ".*"]);
        return name;
    }

    /// <summary>
    /// Best effort: a fixture's clean-up must not fail a run whose tests passed because the broker's command line was
    /// slow on a loaded machine. The broker and its data go away with the test run anyway.
    /// </summary>
    public async Task DeleteVirtualHostAsync(string name)
    {
        try
        {
            await _rabbitmqctl(["delete_vhost", name]);
        }
        catch (Exception e) when (e is InvalidOperationException or OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"Could not delete test virtual host {name}: {e.Message}");
        }
    }

    /// <summary>
    /// Drops databases the apps created, even while a stopped app's pool still holds connections. Best effort, like the
    /// virtual host: on a connection of its own (a pooled one may predate a fault test's PostgreSQL restart and fail on
    /// first use), tried three times, and a database left behind is reported, not failed: the server and its data go
    /// away with the test run.
    /// </summary>
    public async Task DropDatabasesAsync(IEnumerable<string> names)
    {
        var server = new NpgsqlConnectionStringBuilder($"{Postgres};Database=postgres") { Pooling = false }.ConnectionString;
        foreach (var name in names)
        {
            for (var attempt = 1; ; attempt++)
            {
                try
                {
                    await using var connection = new NpgsqlConnection(server);
                    await connection.OpenAsync();
                    await using var drop = new NpgsqlCommand($"""DROP DATABASE IF EXISTS "{name}" WITH (FORCE)""", connection);
                    await drop.ExecuteNonQueryAsync();
                    break;
                }
                catch (NpgsqlException e) when (attempt < 3)
                {
                    await Console.Error.WriteLineAsync($"Dropping test database {name} failed ({e.Message}); trying again");
                    await Task.Delay(TimeSpan.FromSeconds(1));
                }
                catch (NpgsqlException e)
                {
                    await Console.Error.WriteLineAsync($"Could not drop test database {name}: {e.Message}");
                    break;
                }
            }
        }
    }

    private static async Task<Infrastructure> StartAsync()
    {
        var postgres = Environment.GetEnvironmentVariable("SERVICEDESK_PG");
        var rabbitHost = Environment.GetEnvironmentVariable("SERVICEDESK_RABBITMQ_HOST");
        var rabbitmqctl = Environment.GetEnvironmentVariable("SERVICEDESK_RABBITMQCTL");
        if (!string.IsNullOrEmpty(postgres) && !string.IsNullOrEmpty(rabbitHost) && !string.IsNullOrEmpty(rabbitmqctl))
        {
            var endpoint = new RabbitMqEndpoint(rabbitHost,
                int.Parse(Environment.GetEnvironmentVariable("SERVICEDESK_RABBITMQ_PORT") ?? "5672", System.Globalization.CultureInfo.InvariantCulture),
                Environment.GetEnvironmentVariable("SERVICEDESK_RABBITMQ_USER") ?? "guest",
                Environment.GetEnvironmentVariable("SERVICEDESK_RABBITMQ_PASS") ?? "guest");
            var infra = Environment.GetEnvironmentVariable("SERVICEDESK_INFRA")
                ?? throw new InvalidOperationException("SERVICEDESK_INFRA (the path of scripts/infra.sh) is not set: run the tests through scripts/test.sh.");
            return new Infrastructure(postgres, endpoint, args => ProcessRunner.RunAsync(rabbitmqctl, args),
                (server, down) => ProcessRunner.RunAsync(infra, ["restart", server, ((int)down.TotalSeconds).ToString(System.Globalization.CultureInfo.InvariantCulture)]));
        }

        if (!DockerIsAvailable())
            throw new InvalidOperationException(
                "No PostgreSQL/RabbitMQ for the tests: run them through scripts/test.sh (which starts both from the OS " +
                "packages and sets SERVICEDESK_PG, SERVICEDESK_RABBITMQ_* and SERVICEDESK_RABBITMQCTL), or run on a machine with Docker.");
        return await StartContainersAsync();
    }

    private static bool DockerIsAvailable() =>
        !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    private static async Task<Infrastructure> StartContainersAsync()
    {
        // Disposed by Testcontainers' resource reaper when the test process ends.
        var postgres = new PostgreSqlBuilder("postgres:15-alpine").Build();
        var rabbit = new RabbitMqBuilder("rabbitmq:3.13-alpine").WithUsername("servicedesk").WithPassword("servicedesk").Build();
        await Task.WhenAll(postgres.StartAsync(), rabbit.StartAsync());

        var pg = new NpgsqlConnectionStringBuilder(postgres.GetConnectionString()) { Database = null };
        var endpoint = new RabbitMqEndpoint(rabbit.Hostname, rabbit.GetMappedPublicPort(5672), "servicedesk", "servicedesk");
        return new Infrastructure(pg.ConnectionString, endpoint, args => ExecAsync(rabbit, ["rabbitmqctl", .. args]), async (server, down) =>
        {
            if (server == "rabbitmq")
            {
                await ExecAsync(rabbit, ["rabbitmqctl", "stop_app"]);
                await Task.Delay(down);
                await ExecAsync(rabbit, ["rabbitmqctl", "start_app"]);
                return;
            }
            await postgres.PauseAsync();
            await Task.Delay(down);
            await postgres.UnpauseAsync();
            await using var connection = new NpgsqlConnection($"{pg.ConnectionString};Database=postgres");
            await connection.OpenAsync();
            await using var terminate = new NpgsqlCommand("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid()", connection);
            await terminate.ExecuteNonQueryAsync();
        });
    }

    private static async Task<string> ExecAsync(RabbitMqContainer container, IList<string> command)
    {
        var result = await container.ExecAsync(command);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', command)} failed: {result.Stderr}");
        return result.Stdout;
    }
}
