using Intake.Api.Data;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Intake.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddIntake(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ChannelsOptions>()
            .BindConfiguration(ChannelsOptions.Section)
            .ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ChannelsOptions>, ChannelsValidation>();
        builder.Services.AddSingleton<WebhookVerifier>();
        builder.AddServiceDatabase<IntakeDbContext>();
        builder.AddServiceBus<IntakeDbContext>();
        return builder;
    }
}

/// <summary>Names each misconfigured channel key, so start-up fails with the exact setting to fix.</summary>
internal sealed class ChannelsValidation : IValidateOptions<ChannelsOptions>
{
    public ValidateOptionsResult Validate(string? name, ChannelsOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
