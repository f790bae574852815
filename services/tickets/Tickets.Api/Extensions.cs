using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Tickets.Api.Consumers;
using Tickets.Api.Data;
using Tickets.Api.Endpoints;
using Tickets.Api.OnCall;

namespace Tickets.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddTickets(this IHostApplicationBuilder builder)
    {
        builder.AddServiceDatabase<TicketsDbContext>();
        builder.AddCalendarCopies();
        builder.Services.AddSingleton<AfterHoursGate>();
        builder.AddServiceBus<TicketsDbContext>(bus =>
        {
            bus.AddConsumer<ServiceRequestReceivedConsumer>();
            bus.AddConsumer<SlaProgressConsumer>();
            bus.AddBatchConsumer<SlaTargetsMetConsumer, Sla.Contracts.SlaTargetMet>("tickets-sla-targets-met");
            bus.AddConsumer<ReplyMailedConsumer>();
            bus.AddConsumer<TextMessageSentConsumer>();
            bus.AddConsumer<CalendarRevisedConsumer>();
            bus.AddConsumer<AgreementTermsChangedConsumer>();
            bus.AddConsumer<PageDueConsumer>();
            bus.AddConsumer<PageReplyReceivedConsumer>();
        });
        builder.AddTeamPolicies();
        builder.Services.AddScoped<OnCallSchedule>();
        builder.Services.AddScoped<Paging>();
        return builder;
    }

    public static WebApplication MapTicketsApi(this WebApplication app)
    {
        app.MapQueueEndpoints();
        app.MapTicketEndpoints();
        app.MapConversationEndpoints();
        app.MapTimeEntryEndpoints();
        app.MapTeamEndpoints();
        app.MapOnCallEndpoints();
        app.MapClientEndpoints();
        app.MapCallDownEndpoints();
        app.MapApprovalEndpoints();
        app.MapPagingEndpoints();
        return app;
    }
}
