using Microsoft.Extensions.Options;
using ServiceDesk.Platform;
using Sla.Api.Consumers;
using Sla.Api.Data;
using Sla.Api.Domain;

namespace Sla.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddSla(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CalendarOptions>()
            .BindConfiguration(CalendarOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<CalendarOptions>>().Value.ToCalendars());
        builder.Services.AddSingleton(SlaPolicySet.Default);

        builder.AddServiceDatabase<SlaDbContext>();
        builder.AddServiceBus<SlaDbContext>(bus =>
        {
            bus.AddConsumer<TicketOpenedConsumer>();
            bus.AddConsumer<AcknowledgementSentConsumer>();
            bus.AddDurableScheduler<SlaDbContext>("sla"); // sla owns the timers, so it hosts the scheduler
        });
        return builder;
    }
}
