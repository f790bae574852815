using Billing.Api.Consumers;
using Billing.Api.Data;
using ServiceDesk.Platform;

namespace Billing.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddBilling(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase<BillingDbContext>();
        builder.AddServiceBus<BillingDbContext>(bus =>
        {
            bus.AddConsumer<TicketOpenedConsumer>();
            bus.AddConsumer<TimeEntryRecordedConsumer>();
        });
        return builder;
    }
}
