using Intake.Api.Overload;
using Intake.Api.Channels;
using Intake.Api.Consumers;
using Intake.Api.Data;
using Intake.Api.Email;
using Intake.Api.Phone;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;
using Sla.Contracts;

namespace Intake.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddIntake(this IHostApplicationBuilder builder)
    {
        // First: hosted services start in order, so the database is migrated before the email workers below touch it.
        builder.AddServiceDatabase<IntakeDbContext>();
        builder.Services.AddOptions<ChannelsOptions>()
            .BindConfiguration(ChannelsOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ChannelsOptions>, ChannelsValidation>();
        builder.Services.AddSingleton<WebhookVerifier>();
        builder.Services.AddScoped<ChannelIntake>();
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddScoped<EmailIntake>();
        builder.Services.AddScoped<IRawMailSink>(services => services.GetRequiredService<EmailIntake>());
        builder.Services.AddHostedService<RawPayloadReprocessor<EmailIntake>>();
        builder.AddImapPoller();
        builder.Services.AddOptions<PhoneOptions>().BindConfiguration(PhoneOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<PhoneOptions>, PhoneOptionsValidation>();
        builder.Services.AddSingleton<TwilioVerifier>();
        builder.Services.AddSingleton<PhoneProviderVerifier>();
        builder.Services.AddScoped<PhoneIntake>();
        builder.Services.AddHostedService<RawPayloadReprocessor<PhoneIntake>>();
        builder.Services.AddOptions<BacklogOptions>().BindConfiguration(BacklogOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Backlog>();
        builder.Services.AddHostedService<BacklogMonitor>();
        builder.Services.AddHealthChecks().AddCheck<BacklogHealthCheck>("backlog", tags: [ServiceDefaults.ReadyTag]);
        builder.AddServiceBus<IntakeDbContext>(bus =>
        {
            bus.AddConsumer<ClientChangedConsumer>();
            bus.AddBatchConsumer<ClockStartedConsumer, SlaClockStarted>("intake-clock-started");
        });
        return builder;
    }
}

/// <summary>Names each misconfigured channel key, so start-up fails with the exact setting to fix.</summary>
internal sealed class ChannelsValidation : IValidateOptions<ChannelsOptions>
{
    public ValidateOptionsResult Validate(string? name, ChannelsOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
