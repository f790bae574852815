using System.ComponentModel.DataAnnotations;
using MassTransit;
using MassTransit.Configuration;
using MassTransit.DependencyInjection;
using MassTransit.Middleware;
using MassTransit.Saga;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServiceDesk.Platform.Outbox;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Platform;

/// <summary>Where the broker is. Bound from the "RabbitMq" section; validated at start-up.</summary>
public sealed class RabbitMqOptions
{
    public const string Section = "RabbitMq";

    [Required(ErrorMessage = "RabbitMq:Host is required.")]
    public string Host { get; set; } = "127.0.0.1";

    [Range(1, 65535, ErrorMessage = "RabbitMq:Port must be between 1 and 65535.")]
    public int Port { get; set; } = 5672;

    [Required(ErrorMessage = "RabbitMq:VirtualHost is required.")]
    public string VirtualHost { get; set; } = "/";

    [Required(ErrorMessage = "RabbitMq:Username is required.")]
    public string Username { get; set; } = "guest";

    [Required(ErrorMessage = "RabbitMq:Password is required.")]
    public string Password { get; set; } = "guest";
}

public static class Messaging
{
    /// <summary>
    /// MassTransit over RabbitMQ with the reliability the platform promises (ADR 0010): kebab-case queues named after
    /// service and consumer, durable queues and persistent messages (MassTransit's defaults), retries before a message
    /// moves to its _error queue, and, on <typeparamref name="TDbContext"/>'s database, a transactional outbox and inbox
    /// for every consumer and saga, a bus outbox for HTTP endpoints, and sagas stored with optimistic concurrency.
    /// Call after <see cref="Database.AddServiceDatabase{TContext}"/>.
    /// </summary>
    public static IHostApplicationBuilder AddServiceBus<TDbContext>(this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? configure = null) where TDbContext : DbContext
    {
        builder.Services.AddOptions<RabbitMqOptions>()
            .BindConfiguration(RabbitMqOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<OutboxOptions>()
            .BindConfiguration(OutboxOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Hold start-up until the bus is connected, so /health/ready and the first publish do not race it.
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(options => options.WaitUntilStarted = true);

        builder.Services.AddMassTransit(bus =>
        {
            // MassTransit would report usage to its vendor over the internet; a service desk keeps to its own network.
            bus.DisableUsageTelemetry();
            // Queues carry the service's name: sla, billing and notify each consume TicketOpened on a queue of their own.
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(builder.Environment.ServiceName(), includeNamespace: false));
            bus.SetSagaRepositoryProvider(new SagaRepositoryProvider<TDbContext>());
            bus.AddScoped<IOutboxContextFactory<TDbContext>, OutboxContextFactory<TDbContext>>();
            bus.Replace(ServiceDescriptor.Scoped<IScopedBusContextProvider<IBus>, OutboxScopedBusContextProvider<TDbContext>>());
            bus.AddHostedService<OutboxDeliveryService<TDbContext>>();
            bus.AddHostedService<InboxCleanupService<TDbContext>>();
            // Timers go to the durable scheduler (see AddDurableScheduler) as ScheduleMessage commands.
            bus.AddPublishMessageScheduler();
            bus.AddSingleton<ReceiveQueues>();
            bus.AddHostedService<ConsumerWatchdog>();
            bus.AddConfigureEndpointsCallback((context, name, endpoint) =>
            {
                context.GetRequiredService<ReceiveQueues>().Add(name);
                if (context.GetServices<WithoutInbox>().Any(e => e.Endpoint == name)) return; // AddBatchConsumer
                var outbox = new OutboxConsumePipeSpecificationObserver<TDbContext>(endpoint, context) { MessageDeliveryLimit = 10 };
                endpoint.ConnectConsumerConfigurationObserver(outbox);
                endpoint.ConnectSagaConfigurationObserver(outbox);
            });
            configure?.Invoke(bus);

            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                });
                // Both outside the outbox, so that each attempt runs in a fresh transaction (docs/adr/0015), and each
                // exception is the business of one of them only (an inner policy that gives up ends the delivery).
                // The database or broker being away (a restart, a fail-over), or a peer's event still queued behind a
                // backlog elsewhere (NotYetKnownException, docs/adr/0067), is no fault of the message: keep it here for
                // up to about eight minutes rather than let it go to _error.
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Handle<Exception>(WaitedOut);
                    retry.Intervals(WaitOutIntervals);
                });
                // Anything else a retry can fix (two copies of a message meeting on the inbox's key) clears within
                // seconds, and a message that fails on its own goes to _error soon.
                rabbit.UseMessageRetry(retry =>
                {
                    retry.Ignore<Exception>(WaitedOut);
                    retry.Intervals(QuickIntervals);
                });
                rabbit.UsePublishMessageScheduler();
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }

    /// <summary>Five retries over about 9 s.</summary>
    private static readonly TimeSpan[] QuickIntervals = [.. new[] { 100, 500, 1000, 2000, 5000 }.Select(ms => TimeSpan.FromMilliseconds(ms))];

    /// <summary>
    /// The quick retries first, so that a race of a few hundred milliseconds (a peer's event consumed a moment later)
    /// clears as soon as before; then 10, 20, 30 s and a minute apart, about eight minutes in all.
    /// </summary>
    private static readonly TimeSpan[] WaitOutIntervals =
        [.. QuickIntervals, .. new[] { 10, 20, 30, 60, 60, 60, 60, 60, 60, 60 }.Select(s => TimeSpan.FromSeconds(s))];

    /// <summary>
    /// Whether this delivery may be a copy of one already consumed: the broker redelivers it, or it is a retry. A first
    /// delivery is new, but for a message published twice with one MessageId; the inbox row's key catches that one at
    /// the commit, and its retry is a copy (docs/adr/0069).
    /// </summary>
    public static bool MayBeCopy(this ConsumeContext context) =>
        context.ReceiveContext.Redelivered || context.GetRetryAttempt() > 0 || context.GetRedeliveryCount() > 0;

    private static bool WaitedOut(Exception exception) => TransientFaults.IsTransient(exception) || exception is NotYetKnownException;

    /// <summary>
    /// Hosts the durable scheduler on <typeparamref name="TDbContext"/>'s database. Exactly one service per broker
    /// hosts it (sla): every ScheduleMessage published by anyone is stored once, in its queue.
    /// </summary>
    public static void AddDurableScheduler<TDbContext>(this IBusRegistrationConfigurator bus, string serviceName) where TDbContext : DbContext
    {
        bus.AddConsumer<ScheduleMessageConsumer<TDbContext>>().Endpoint(endpoint => endpoint.Name = $"{serviceName}-scheduler");
        bus.AddSingleton<LocalTimers.Hosted>();
        bus.AddHostedService<SchedulerService<TDbContext>>();
    }

    /// <summary>
    /// A consumer of batches of <typeparamref name="TMessage"/> on an endpoint of its own, outside the consumer outbox
    /// and inbox: for work that is idempotent by itself (an UPDATE of what is not yet done) and publishes nothing, where
    /// one transaction per batch rather than per message is the point. The inbox could not serve it anyway: a batch is
    /// acknowledged whole, and a redelivered message may share a batch with new ones.
    /// </summary>
    public static void AddBatchConsumer<TConsumer, TMessage>(this IBusRegistrationConfigurator bus, string endpointName,
        int messageLimit = 100, TimeSpan? timeLimit = null)
        where TConsumer : class, IConsumer<Batch<TMessage>>
        where TMessage : class
    {
        bus.AddSingleton(new WithoutInbox(endpointName));
        bus.AddConsumer<TConsumer>(consumer => consumer.Options<BatchOptions>(batch => batch
                .SetMessageLimit(messageLimit)
                .SetTimeLimit(timeLimit ?? TimeSpan.FromMilliseconds(200))
                .SetConcurrencyLimit(1)))
            .Endpoint(endpoint =>
            {
                endpoint.Name = endpointName;
                endpoint.PrefetchCount = messageLimit * 2; // a full batch waiting while one is written
            });
    }

    private sealed record WithoutInbox(string Endpoint);

    private sealed class SagaRepositoryProvider<TDbContext> : ISagaRepositoryRegistrationProvider where TDbContext : DbContext
    {
        public void Configure<TSaga>(ISagaRegistrationConfigurator<TSaga> configurator) where TSaga : class, ISaga =>
            configurator.Repository(repository =>
            {
                repository.RegisterLoadSagaRepository<TSaga, SagaRepositoryContextFactory<TDbContext, TSaga>>();
                repository.RegisterQuerySagaRepository<TSaga, SagaRepositoryContextFactory<TDbContext, TSaga>>();
                repository.RegisterSagaRepository<TSaga, DbContext, SagaConsumeContextFactory<DbContext, TSaga>,
                    SagaRepositoryContextFactory<TDbContext, TSaga>>();
            });
    }
}
