using Intake.Api.Data;
using ServiceDesk.Platform;

namespace Intake.Api;

public static class Extensions
{
    public static IHostApplicationBuilder AddIntake(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WebhookVerifier>();
        builder.AddServiceDatabase<IntakeDbContext>();
        builder.AddServiceBus();
        return builder;
    }
}
