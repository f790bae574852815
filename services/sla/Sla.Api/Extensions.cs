using Microsoft.Extensions.Options;
using ServiceDesk.Platform;
using Sla.Api.Consumers;
using Sla.Api.Data;
using Sla.Api.Domain;
using Sla.Api.Reports;
using Sla.Api.Endpoints;
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
        builder.Services.AddOptions<Endpoints.TermsOptions>().BindConfiguration(Endpoints.TermsOptions.Section);
        builder.Services.AddOptions<SlaOptions>()
            .BindConfiguration(SlaOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton(services => services.GetRequiredService<IOptions<SlaOptions>>().Value.Settings());
        builder.Services.AddSingleton<PolicyCatalog>();
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminEndpoints.Admins, policy => policy.RequireRole(Roles.Admin));

        builder.AddServiceDatabase<SlaDbContext>();
        // Hosted services start in order: after the migration, before the bus delivers the first TicketOpened.
        builder.Services.AddHostedService<PolicySeeding>();
        builder.AddServiceBus<SlaDbContext>(bus =>
        {
            bus.AddSagaStateMachine<TicketSlaStateMachine, TicketSlaState>();
            bus.AddConsumer<ClientChangedConsumer>();
            bus.AddDurableScheduler<SlaDbContext>("sla"); // sla owns the timers, so it hosts the scheduler
        });
        return builder;
    }
}
