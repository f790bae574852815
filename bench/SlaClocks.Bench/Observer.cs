using System.Collections.Concurrent;
using System.Text.Json;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace SlaClocks.Bench;

/// <summary>An escalation event as it reached the observer: which step, its due time and when it arrived.</summary>
public readonly record struct Arrival(string Event, DateTimeOffset DueAt, DateTimeOffset ArrivedAt)
{
    public double LatenessMs => (ArrivedAt - DueAt).TotalMilliseconds;
}

/// <summary>
/// A plain RabbitMQ.Client consumer (autoAck) of a server-named queue bound to sla's SlaWarning and SlaBreached
/// exchanges (fanout, durable, as MassTransit declares them): an arrival is "sla's outbox sent it and the broker
/// routed it", with no MassTransit pipeline in the way. Arrival time is this machine's wall clock, the same clock the
/// due times were computed from (the steps' due times are instants carried in the events).
/// </summary>
public sealed class Observer : IAsyncDisposable
{
    public static readonly string[] Events = ["SlaWarning", "SlaBreached"];
    private readonly IConnection _connection;
    private readonly IChannel _channel;
    private readonly ConcurrentDictionary<StepKey, Arrival> _arrivals = new();
    private int _received;

    private Observer(IConnection connection, IChannel channel)
    {
        _connection = connection;
        _channel = channel;
    }

    /// <summary>Every message received (a copy of a step counts here, not twice in <see cref="Arrivals"/>).</summary>
    public int Received => Volatile.Read(ref _received);

    public IReadOnlyDictionary<StepKey, Arrival> Arrivals => _arrivals;

    public string ServerVersion { get; private set; } = "?";

    public static async Task<Observer> StartAsync(ConnectionFactory factory)
    {
        var connection = await factory.CreateConnectionAsync("sla-clocks-bench-observer");
        var channel = await connection.CreateChannelAsync();
        var queue = (await channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        foreach (var name in Events)
        {
            await channel.ExchangeDeclareAsync($"Sla.Contracts:{name}", ExchangeType.Fanout, durable: true, autoDelete: false);
            await channel.QueueBindAsync(queue, $"Sla.Contracts:{name}", "");
        }
        await channel.BasicQosAsync(0, 1000, global: false);
        var observer = new Observer(connection, channel)
        {
            ServerVersion = connection.ServerProperties?.TryGetValue("version", out var v) == true && v is byte[] bytes
                ? System.Text.Encoding.UTF8.GetString(bytes) : "?",
        };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            var arrived = DateTimeOffset.UtcNow; // before parsing, so parsing is not counted
            observer.Record(delivery.Exchange["Sla.Contracts:".Length..], delivery.Body.Span, arrived);
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(queue, autoAck: true, consumer);
        return observer;
    }

    /// <summary>The MassTransit envelope: { "message": { "ticketId", "target", "commitment", "percent"?, "stepDueAt"?, "dueAt" } }.</summary>
    private void Record(string type, ReadOnlySpan<byte> body, DateTimeOffset arrived)
    {
        Interlocked.Increment(ref _received);
        var reader = new Utf8JsonReader(body);
        using var document = JsonDocument.ParseValue(ref reader);
        var m = document.RootElement.GetProperty("message");
        var breach = type == "SlaBreached";
        var key = new StepKey(m.GetProperty("ticketId").GetGuid(), m.GetProperty("target").GetString()!, m.GetProperty("commitment").GetString()!,
            breach ? 100 : m.GetProperty("percent").GetInt32());
        var due = m.GetProperty(breach ? "dueAt" : "stepDueAt").GetDateTimeOffset();
        _arrivals.TryAdd(key, new Arrival(type, due, arrived));
    }

    public async ValueTask DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
