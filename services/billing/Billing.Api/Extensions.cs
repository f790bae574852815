using Billing.Api.Consumers;
using Billing.Api.Data;
using Billing.Api.Endpoints;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;

namespace Billing.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddBilling(this IHostApplicationBuilder builder)
    {
        builder.AddCalendarCopies();
        builder.Services.AddScoped<Invoicing>();
        builder.AddServiceDatabase<BillingDbContext>();
        builder.AddServiceBus<BillingDbContext>(bus =>
        {
            bus.AddConsumer<TicketOpenedConsumer>();
            bus.AddConsumer<TimeEntryRecordedConsumer>();
            bus.AddConsumer<ClientChangedConsumer>();
            bus.AddConsumer<CalendarRevisedConsumer>();
            bus.AddConsumer<AfterHoursWorkApprovedConsumer>();
        });
        return builder;
    }

    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app) => app
        .MapBillingEndpoints()
        .MapAgreementEndpoints()
        .MapInvoiceEndpoints()
        .MapTimeEntryEndpoints()
        .MapBlockEndpoints()
        .MapReportEndpoints();
}
