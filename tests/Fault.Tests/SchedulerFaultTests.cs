using System.Globalization;
using System.Text.Json;
using MassTransit;
using Npgsql;
using RabbitMQ.Client;
using ServiceDesk.Testing;

namespace Fault.Tests;

/// <summary>A timer the fault tests schedule; it travels through sla's durable scheduler back to the test.</summary>
public sealed record TimerProbe(int Sequence);

/// <summary>Two sla processes sharing one database: the durable scheduler's instances, killed and restarted for real.</summary>
public sealed class SchedulerSystem : IAsyncLifetime
{
    private const string ProbeExchange = "Fault.Tests:TimerProbe";
    private readonly List<string> _fired = [];
    private Infrastructure _infrastructure = null!;
    private string _database = null!;
    private IConnection _connection = null!;
    private IChannel _channel = null!;
    private string _queue = null!;

    public string VirtualHost { get; private set; } = null!;
    public AppProcess[] Sla { get; private set; } = [];
    public IBusControl Bus { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        VirtualHost = await _infrastructure.CreateVirtualHostAsync("test-scheduler");
        _database = Infrastructure.UniqueName("sdtest_scheduler");
        var rabbit = _infrastructure.RabbitMq;

        _connection = await new ConnectionFactory
        {
            HostName = rabbit.Host, Port = rabbit.Port, UserName = rabbit.Username, Password = rabbit.Password, VirtualHost = VirtualHost,
        }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
        await _channel.ExchangeDeclareAsync(ProbeExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        _queue = (await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await _channel.QueueBindAsync(_queue, ProbeExchange, "");

        var environment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Database"] = _infrastructure.Database(_database),
            ["RabbitMq__Host"] = rabbit.Host,
            ["RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__Username"] = rabbit.Username,
            ["RabbitMq__Password"] = rabbit.Password,
            ["RabbitMq__VirtualHost"] = VirtualHost,
        };
        foreach (var (key, value) in TestAuth.Settings) environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        // One after the other: the first creates and migrates the database.
        Sla = [await AppProcess.StartAsync("services/sla/Sla.Api", environment), await AppProcess.StartAsync("services/sla/Sla.Api", environment)];

        Bus = MassTransit.Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(rabbit.Host, (ushort)rabbit.Port, VirtualHost, h =>
        {
            h.Username(rabbit.Username);
            h.Password(rabbit.Password);
        }));
        await Bus.StartAsync();
    }

    /// <summary>Schedules the probes through sla's scheduler, as a saga's Schedule does.</summary>
    public async Task ScheduleAsync(IEnumerable<int> sequences, DateTime dueUtc)
    {
        var scheduler = Bus.CreateMessageScheduler();
        foreach (var sequence in sequences) await scheduler.SchedulePublish(dueUtc, new TimerProbe(sequence));
    }

    /// <summary>Every probe received so far, by sequence number (a number twice means a timer fired twice).</summary>
    public async Task<IReadOnlyList<int>> FiredAsync()
    {
        while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } delivery)
            _fired.Add(System.Text.Encoding.UTF8.GetString(delivery.Body.Span));
        return [.. _fired.Select(body => JsonDocument.Parse(body).RootElement.GetProperty("message").GetProperty("sequence").GetInt32())];
    }

    public async Task<long> PendingTimersAsync()
    {
        await using var connection = new NpgsqlConnection(_infrastructure.Database(_database));
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("""SELECT count(*) FROM "ScheduledTimer" WHERE "State" = 0""", connection);
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Makes every pending timer due now, as if its time had come: what an outage leaves behind, without a test that races
    /// the clock to store the timers before they fall due.
    /// </summary>
    public async Task FallDueAsync()
    {
        await using var connection = new NpgsqlConnection(_infrastructure.Database(_database));
        await connection.OpenAsync();
        await using var due = new NpgsqlCommand("""UPDATE "ScheduledTimer" SET "DueAt" = now() - interval '1 second' WHERE "State" = 0""", connection);
        await due.ExecuteNonQueryAsync();
    }

    public string Output => string.Join("\n\n", Sla.Select(app => $"== {app.Name} ==\n{app.Output}"));

    public async Task DisposeAsync()
    {
        if (Bus is not null) await Bus.StopAsync();
        foreach (var app in Sla) await app.DisposeAsync();
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        await _infrastructure.DropDatabasesAsync([_database]);
        await _infrastructure.DeleteVirtualHostAsync(VirtualHost);
    }
}

/// <summary>The durable scheduler: every timer fires once, even with two instances, and none is lost to a crash.</summary>
[Trait("Category", "Fault")]
public sealed class SchedulerFaultTests(SchedulerSystem system) : IClassFixture<SchedulerSystem>
{
    private static int _next;

    [Fact]
    public async Task With_two_scheduler_instances_every_timer_fires_once()
    {
        // Stored first, then made due together, so both instances reach for the same rows at the same moment.
        var timers = Sequences(500);
        await system.ScheduleAsync(timers, DateTime.UtcNow.AddHours(1));
        await Eventually.TrueAsync(async () => await system.PendingTimersAsync() >= timers.Length, "the timers to be stored",
            explain: () => system.Output, progress: async () => (object?)await system.PendingTimersAsync());
        await system.FallDueAsync();
        await Eventually.TrueAsync(async () => timers.All((await system.FiredAsync()).Contains) && await system.PendingTimersAsync() == 0,
            "every timer", explain: () => system.Output, progress: async () => (object?)(await system.FiredAsync()).Count);

        // A last timer, scheduled after every other one was claimed: once it is in, a double firing would be too.
        var last = Sequences(1);
        await system.ScheduleAsync(last, DateTime.UtcNow);
        var fired = await Eventually.GetAsync(async () => await system.FiredAsync() is var f && f.Contains(last[0]) ? f : null,
            "the last timer", explain: () => system.Output);
        Assert.All(timers, t => Assert.Equal(1, fired.Count(f => f == t)));
        Assert.Equal(fired.Count, fired.Distinct().Count());
    }

    [Fact]
    public async Task Timers_that_fall_due_while_every_instance_is_down_fire_after_restart()
    {
        var timers = Sequences(100);
        await system.ScheduleAsync(timers, DateTime.UtcNow.AddHours(1));
        await Eventually.TrueAsync(async () => await system.PendingTimersAsync() >= timers.Length, "the timers to be stored",
            explain: () => system.Output, progress: async () => (object?)await system.PendingTimersAsync());
        foreach (var sla in system.Sla) await sla.KillAsync();

        // The scenario itself: their time comes while nothing runs.
        await system.FallDueAsync();
        foreach (var sla in system.Sla) await sla.RestartAsync();
        await Eventually.TrueAsync(async () => timers.All((await system.FiredAsync()).Contains), "every timer after the restart",
            explain: () => system.Output, progress: async () => (object?)(await system.FiredAsync()).Count);
        var fired = await system.FiredAsync();
        Assert.All(timers, t => Assert.Equal(1, fired.Count(f => f == t)));
    }

    private static int[] Sequences(int count) => [.. Enumerable.Range(0, count).Select(_ => Interlocked.Increment(ref _next))];
}
