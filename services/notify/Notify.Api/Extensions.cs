using Microsoft.Extensions.Options;
using Notify.Api.Channels;
using Notify.Api.Consumers;
using Notify.Api.Data;
using Notify.Api.Domain;
using Notify.Api.Email;
using Notify.Api.Sending;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;

namespace Notify.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddNotify(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SmtpOptions>()
            .BindConfiguration(SmtpOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<NotifyOptions>()
            .BindConfiguration(NotifyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<StaffOptions>()
            .BindConfiguration(StaffOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<TwilioOptions>()
            .BindConfiguration(TwilioOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WebhookOptions>, WebhookOptionsValidator>();
        builder.Services.AddSingleton<IValidateOptions<StaffOptions>, StaffWebhooksValidator>();

        // The channels: one class each. A new one is a class implementing IChannelProvider and one line here.
        builder.Services.AddSingleton<Mailer>();
        builder.Services.AddSingleton<IChannelProvider, EmailProvider>();
        builder.Services.AddHttpClient<TwilioApi>(http => http.Timeout = TimeSpan.FromSeconds(30));
        builder.Services.AddTransient<IChannelProvider, SmsProvider>();
        builder.Services.AddTransient<IChannelProvider, VoiceProvider>();
        builder.Services.AddHttpClient<IChannelProvider, WebhookProvider>(http => http.Timeout = TimeSpan.FromSeconds(30));

        // Channels that pass on page acknowledgements sign them with their secret, as they sign requests to intake (docs/adr/0046).
        builder.Services.AddOptions<ChannelsOptions>()
            .BindConfiguration(ChannelsOptions.Section)
            .Validate(channels => channels.Values.All(c => c.Secret?.Length >= ChannelsOptions.MinimumSecretLength),
                $"{ChannelsOptions.Section}:<name>:Secret must be at least {ChannelsOptions.MinimumSecretLength} characters.")
            .ValidateOnStart();
        builder.Services.AddSingleton<WebhookVerifier>();
        builder.Services.AddScoped<Recipients>();
        builder.Services.AddScoped<Deliveries>();

        builder.AddCalendarCopies(); // whether a client's hours are open: who is on duty for a failure notice
        builder.AddServiceDatabase<NotifyDbContext>();
        builder.AddServiceBus<NotifyDbContext>(bus =>
        {
            bus.AddConsumer<TicketAssignedConsumer>();
            bus.AddConsumer<ClientChangedConsumer>();
            bus.AddConsumer<CalendarRevisedConsumer>();
            bus.AddConsumer<SlaClockStartedConsumer>();
            bus.AddConsumer<PublicReplyPostedConsumer>();
            bus.AddConsumer<TicketResolvedConsumer>();
            bus.AddConsumer<AfterHoursConsumer>();
            bus.AddConsumer<SlaAlertConsumer>();
            bus.AddConsumer<CommunicationFailedConsumer>();
            bus.AddConsumer<PagingConsumer>();
            bus.AddConsumer<RetryDeliveryConsumer>();
        });
        return builder;
    }

    /// <summary>Staff:Webhooks may only name integrators the Webhooks section configures.</summary>
    private sealed class StaffWebhooksValidator(IOptions<WebhookOptions> webhooks) : IValidateOptions<StaffOptions>
    {
        public ValidateOptionsResult Validate(string? name, StaffOptions options) =>
            options.Webhooks.Where(w => !webhooks.Value.ContainsKey(w)).Select(w => $"Staff:Webhooks names '{w}', which Webhooks:{w} does not configure.")
                .ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }

    /// <summary>Names every misconfigured webhook key at start-up.</summary>
    private sealed class WebhookOptionsValidator : IValidateOptions<WebhookOptions>
    {
        public ValidateOptionsResult Validate(string? name, WebhookOptions options) =>
            options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
