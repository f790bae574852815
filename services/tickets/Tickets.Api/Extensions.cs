using ServiceDesk.Platform;
using Tickets.Api.Consumers;
using Tickets.Api.Data;

namespace Tickets.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddTickets(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase<TicketsDbContext>();
        builder.AddServiceBus<TicketsDbContext>(bus =>
        {
            bus.AddConsumer<ServiceRequestReceivedConsumer>();
            bus.AddConsumer<SlaProgressConsumer>();
        });
        return builder;
    }
}
