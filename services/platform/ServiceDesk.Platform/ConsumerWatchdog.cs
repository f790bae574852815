using MassTransit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace ServiceDesk.Platform;

/// <summary>The queues this process consumes from, as MassTransit configured them.</summary>
public sealed class ReceiveQueues
{
    private readonly List<string> _names = [];

    public void Add(string name)
    {
        lock (_names) _names.Add(name);
    }

    public IReadOnlyList<string> Names
    {
        get { lock (_names) return [.. _names]; }
    }
}

/// <summary>
/// Guards against a known MassTransit/RabbitMQ failure: after the broker restarts under load, a receive endpoint can be
/// left without its consumer while the bus reports itself healthy, so its queue fills and nothing is processed. Every
/// 10 s this asks the broker how many consumers each of our queues has; a queue that has had none for 30 s while the
/// bus is connected stops the process (exit code 1), and the supervisor (docker's restart policy, systemd) starts a
/// fresh one, which consumes the waiting messages. Nothing is lost: the messages wait in the durable queue.
/// </summary>
internal sealed class ConsumerWatchdog(
    IBusControl bus, ReceiveQueues queues, IOptions<RabbitMqOptions> options, IHostApplicationLifetime lifetime, ILogger<ConsumerWatchdog> logger)
    : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);
    private const int Strikes = 3;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WatchAsync(stoppingToken);
        }
        finally
        {
            if (_connection is not null) await _connection.DisposeAsync();
        }
    }

    private async Task WatchAsync(CancellationToken stoppingToken)
    {
        var strikes = new Dictionary<string, int>();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(Interval, stoppingToken);
                if (bus.CheckHealth().Status != BusHealthStatus.Healthy)
                {
                    strikes.Clear(); // MassTransit knows and is reconnecting
                    continue;
                }
                foreach (var queue in await QueuesWithoutConsumers(stoppingToken))
                {
                    strikes[queue] = strikes.GetValueOrDefault(queue) + 1;
                    if (strikes[queue] < Strikes) continue;
                    logger.LogCritical("Queue {Queue} has had no consumer for {Seconds} s while the bus reports healthy; stopping so that the supervisor restarts this service",
                        queue, Strikes * Interval.TotalSeconds);
                    Environment.ExitCode = 1;
                    lifetime.StopApplication();
                    return;
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                strikes.Clear(); // the broker is unreachable: that is MassTransit's to recover from, not ours
                logger.LogDebug(e, "Could not ask the broker about consumers");
            }
        }
    }

    // One connection for the life of the process, opened again only when the broker dropped it: a new one every
    // 10 s in each service was a handshake's CPU for the broker and the service, for nothing.
    private IConnection? _connection;

    private async Task<List<string>> QueuesWithoutConsumers(CancellationToken cancellationToken)
    {
        if (_connection is not { IsOpen: true })
        {
            if (_connection is not null) await _connection.DisposeAsync();
            var settings = options.Value;
            var factory = new ConnectionFactory
            {
                HostName = settings.Host, Port = settings.Port, VirtualHost = settings.VirtualHost,
                UserName = settings.Username, Password = settings.Password, ClientProvidedName = "consumer-watchdog",
            };
            _connection = await factory.CreateConnectionAsync(cancellationToken);
        }
        var connection = _connection;
        var empty = new List<string>();
        foreach (var queue in queues.Names)
        {
            // A channel each: a passive declare of a missing queue closes its channel.
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken);
            var state = await channel.QueueDeclarePassiveAsync(queue, cancellationToken);
            if (state.ConsumerCount == 0) empty.Add(queue);
        }
        return empty;
    }
}
