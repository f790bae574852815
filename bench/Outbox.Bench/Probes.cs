using System.Collections.Concurrent;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using ServiceDesk.Platform.Outbox;

namespace Outbox.Bench;

/// <summary>
/// The measured message. Times are not carried in it: the outbox serializes the body before the commit it is timed
/// from, so every time is a <see cref="TimeProvider.GetTimestamp"/> kept in this process, keyed by run and sequence.
/// </summary>
public sealed record Probe(int Run, int Sequence);

/// <summary>Only the outbox, inbox and scheduler tables: the benchmark times the messaging, not a business write.</summary>
public sealed class BenchDbContext(DbContextOptions<BenchDbContext> options) : DbContext(options)
{
    protected override void OnModelCreating(ModelBuilder modelBuilder) => modelBuilder.AddReliableMessagingEntities();

    // The schema comes from EnsureCreated (a throw-away database), so the start-up MigrateAsync finds no migrations.
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.ConfigureWarnings(warnings => warnings.Ignore(RelationalEventId.PendingModelChangesWarning))
            .AddInterceptors(DeliveryProfile.Instance);
}

/// <summary>One measured run: when each message was handed over, and when it arrived where it is observed.</summary>
public sealed class Run(int id, int count)
{
    private int _arrived;
    private int _consumed;
    private readonly TaskCompletionSource _allArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _allConsumed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public int Id { get; } = id;
    public int Count { get; } = count;
    /// <summary>Outbox: the commit returned. Raw: Publish was called. Scheduler: the due time.</summary>
    public long[] HandedOver { get; } = new long[count];
    /// <summary>How long the writer's call took (outbox: publish + SaveChanges; raw: Publish incl. the confirm).</summary>
    public long[] CallTicks { get; } = new long[count];
    /// <summary>First arrival at the plain RabbitMQ.Client consumer (autoAck) of a queue bound to the Probe exchange.</summary>
    public long[] Arrived { get; } = new long[count];
    /// <summary>First arrival in the MassTransit consumer (behind the consumer inbox).</summary>
    public long[] Consumed { get; } = new long[count];
    public Task AllArrived => _allArrived.Task;
    public Task AllConsumed => _allConsumed.Task;
    public int ArrivedCount => Volatile.Read(ref _arrived);
    public int ConsumedCount => Volatile.Read(ref _consumed);

    public void MarkArrived(int sequence, long timestamp)
    {
        if ((uint)sequence < (uint)Count && Interlocked.CompareExchange(ref Arrived[sequence], timestamp, 0) == 0
            && Interlocked.Increment(ref _arrived) == Count)
            _allArrived.TrySetResult();
    }

    public void MarkConsumed(int sequence, long timestamp)
    {
        if ((uint)sequence < (uint)Count && Interlocked.CompareExchange(ref Consumed[sequence], timestamp, 0) == 0
            && Interlocked.Increment(ref _consumed) == Count)
            _allConsumed.TrySetResult();
    }
}

/// <summary>The runs under way, shared by both observers.</summary>
public sealed class Recorder(TimeProvider time)
{
    private readonly ConcurrentDictionary<int, Run> _runs = new();

    public TimeProvider Time { get; } = time;

    public Run Start(int id, int count) => _runs[id] = new Run(id, count);

    public Run? Find(int id) => _runs.GetValueOrDefault(id);
}

public sealed class ProbeConsumer(Recorder recorder) : IConsumer<Probe>
{
    public Task Consume(ConsumeContext<Probe> context)
    {
        recorder.Find(context.Message.Run)?.MarkConsumed(context.Message.Sequence, recorder.Time.GetTimestamp());
        return Task.CompletedTask;
    }
}

/// <summary>
/// Observes the broker directly: a server-named, exclusive queue bound to the Probe exchange, consumed with autoAck by
/// RabbitMQ.Client, so an arrival time is "the broker routed it and handed it to a consumer", without MassTransit's
/// receive pipeline or the consumer inbox in the way.
/// </summary>
public sealed class BrokerProbe : IAsyncDisposable
{
    private readonly IConnection _connection;
    private readonly IChannel _channel;

    private BrokerProbe(IConnection connection, IChannel channel, string serverVersion)
    {
        _connection = connection;
        _channel = channel;
        ServerVersion = serverVersion;
    }

    public string ServerVersion { get; }

    public static async Task<BrokerProbe> StartAsync(ConnectionFactory factory, string exchange, Recorder recorder)
    {
        var connection = await factory.CreateConnectionAsync("outbox-bench-probe");
        var channel = await connection.CreateChannelAsync();
        // As MassTransit declares a message type's exchange (it may not have published a Probe yet).
        await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        var queue = await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true);
        await channel.QueueBindAsync(queue.QueueName, exchange, "");
        await channel.BasicQosAsync(0, 1000, global: false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var arrived = recorder.Time.GetTimestamp(); // before parsing, so parsing is not counted
            var (run, sequence) = Parse(delivery.Body.Span);
            recorder.Find(run)?.MarkArrived(sequence, arrived);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer);
        var version = connection.ServerProperties?.TryGetValue("version", out var v) == true && v is byte[] bytes
            ? System.Text.Encoding.UTF8.GetString(bytes) : "?";
        return new BrokerProbe(connection, channel, version);
    }

    /// <summary>The MassTransit JSON envelope: { "message": { "run": .., "sequence": .. }, ... }.</summary>
    private static (int Run, int Sequence) Parse(ReadOnlySpan<byte> body)
    {
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var message = document.RootElement.GetProperty("message");
        return (message.GetProperty("run").GetInt32(), message.GetProperty("sequence").GetInt32());
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
