using System.ComponentModel.DataAnnotations;
using MassTransit;
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
    /// MassTransit over RabbitMQ: kebab-case queues named after service and consumer, durable queues and persistent messages
    /// (MassTransit's defaults), and immediate retries before a message is moved to its _error queue.
    /// </summary>
    public static IHostApplicationBuilder AddServiceBus(this IHostApplicationBuilder builder,
        Action<IBusRegistrationConfigurator>? configure = null)
    {
        builder.Services.AddOptions<RabbitMqOptions>()
            .BindConfiguration(RabbitMqOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        // Hold start-up until the bus is connected, so /health/ready and the first publish do not race it.
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(options => options.WaitUntilStarted = true);

        builder.Services.AddMassTransit(bus =>
        {
            // Queues carry the service's name: sla, billing and notify each consume TicketOpened on a queue of their own.
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(builder.Environment.ServiceName(), includeNamespace: false));
            configure?.Invoke(bus);

            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                });
                // Transient faults (a deadlock, a peer's event not yet seen) usually clear within seconds.
                rabbit.UseMessageRetry(retry => retry.Intervals(100, 500, 1000, 2000, 5000));
                rabbit.ConfigureEndpoints(context);
            });
        });
        return builder;
    }
}
