using Microsoft.Extensions.Options;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;
using Sla.Api.Reports;
using Sla.Api.StateMachines;

namespace Sla.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddSla(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CalendarOptions>()
            .BindConfiguration(CalendarOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<SlaOptions>()
            .BindConfiguration(SlaOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<CalendarOptions>>().Value.ToCalendars());
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<SlaOptions>>().Value.Policies());
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<SlaOptions>>().Value.Settings());

        builder.AddServiceDatabase<SlaDbContext>();
        builder.AddServiceBus<SlaDbContext>(bus =>
        {
            bus.AddSagaStateMachine<TicketSlaStateMachine, TicketSlaState>();
            bus.AddConsumer<ReportProjection>();
            bus.AddDurableScheduler<SlaDbContext>("sla"); // sla owns the timers, so it hosts the scheduler
        });
        return builder;
    }
}
