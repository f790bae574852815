using Intake.Api.Data;
using ServiceDesk.Testing;

namespace Intake.Tests;

/// <summary>A bad configuration stops the service at start-up with a message naming the key to fix.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Auth:SigningKey", "", "Auth:SigningKey")]
    [InlineData("Auth:SigningKey", "too-short", "Auth:SigningKey must be at least 32 characters")]
    [InlineData("RabbitMq:Port", "0", "RabbitMq:Port")]
    [InlineData("Channels:short:Secret", "too-short", "Channels:short:Secret must be at least 32 characters")]
    [InlineData("Phone:Twilio:AuthToken", "too-short", "Phone:Twilio:AuthToken must be the account's 32-character auth token")]
    [InlineData("Phone:Providers:pbx:Secret", "too-short", "Phone:Providers:pbx:Secret must be at least 32 characters")]
    public async Task Bad_setting_fails_start_up_naming_the_key(string key, string value, string expected)
    {
        var infrastructure = await Infrastructure.Shared;
        await using var app = new AppFactory<IntakeDbContext>(infrastructure, "/", "intake", new Dictionary<string, string> { [key] = value });

        var failure = Record.Exception(() => app.Server);

        Assert.NotNull(failure);
        Assert.Contains(expected, failure.ToString(), StringComparison.Ordinal);
    }
}
