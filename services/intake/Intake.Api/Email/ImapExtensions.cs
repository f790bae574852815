using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Intake.Api.Email;

public static class ImapExtensions
{
    /// <summary>
    /// Reads the support mailbox over IMAP when "Email:Imap:Enabled" is true (options validated at start-up).
    /// Needs an <see cref="IRawMailSink"/> registration (any lifetime) when enabled.
    /// </summary>
    public static IHostApplicationBuilder AddImapPoller(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ImapOptions>()
            .BindConfiguration(ImapOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddHostedService<ImapPoller>();
        return builder;
    }
}
