using Notify.Api.Consumers;
using Notify.Api.Data;
using Notify.Api.Email;
using ServiceDesk.Platform;

namespace Notify.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddNotify(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<Mailer>();

        builder.AddServiceDatabase<NotifyDbContext>();
        builder.AddServiceBus<NotifyDbContext>(bus =>
        {
            bus.AddConsumer<TicketOpenedConsumer>();
            bus.AddConsumer<SlaClockStartedConsumer>();
            bus.AddConsumer<PublicReplyPostedConsumer>();
        });
        return builder;
    }
}
