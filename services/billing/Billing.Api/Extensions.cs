using Billing.Api.Consumers;
using Billing.Api.Data;
using Billing.Api.Endpoints;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Tickets.Contracts;

namespace Billing.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddBilling(this IHostApplicationBuilder builder)
    {
        builder.AddCalendarCopies();
        builder.Services.AddScoped<Invoicing>();
        // The terms document reads sla's terms with the caller's token (docs/adr/0048).
        builder.Services.AddOptions<Endpoints.TermsDocumentOptions>().BindConfiguration(Endpoints.TermsDocumentOptions.Section);
        builder.Services.AddHttpClient(nameof(Endpoints.TermsDocument), client => client.Timeout = TimeSpan.FromSeconds(10));
        builder.AddServiceDatabase<BillingDbContext>();
        builder.AddServiceBus<BillingDbContext>(bus =>
        {
            bus.AddBatchConsumer<TicketOpenedConsumer, TicketOpened>("billing-ticket-opened");
            bus.AddConsumer<TimeEntryRecordedConsumer>();
            bus.AddConsumer<ClientChangedConsumer>();
            bus.AddConsumer<CalendarRevisedConsumer>();
            bus.AddConsumer<AfterHoursWorkApprovedConsumer>();
        });
        builder.Services.AddHostedService<AgreementTermsAnnouncement>(); // after the migrations, registered above
        return builder;
    }

    public static IEndpointRouteBuilder MapBillingApi(this IEndpointRouteBuilder app) => app
        .MapBillingEndpoints()
        .MapAgreementEndpoints()
        .MapTermsDocumentEndpoints()
        .MapInvoiceEndpoints()
        .MapTimeEntryEndpoints()
        .MapBlockEndpoints()
        .MapReportEndpoints()
        .MapStaffEndpoints();
}
