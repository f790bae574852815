using Notify.Api.Data;
using ServiceDesk.Testing;

namespace Notify.Tests;

/// <summary>notify refuses to start with a channel it could never use, naming the key.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Twilio:From", "0800 FLOWERS", "Twilio:From must be the service number in E.164 form")]
    [InlineData("Twilio:AuthToken", "", "Twilio:AuthToken is required")]
    [InlineData("Webhooks:pager:Secret", "short", "Webhooks:pager:Secret must be at least 32 characters")]
    [InlineData("Staff:Webhooks:0", "nobody", "Staff:Webhooks names 'nobody', which Webhooks:nobody does not configure")]
    [InlineData("Staff:People:tess:Phone", "555-0100", "Staff:People:tess:Phone must be in E.164 form")]
    [InlineData("Notify:RetryDelays:0", "-00:00:05", "Notify:RetryDelays must each be between 0 and 1 day")]
    public async Task Misconfigured_channel_fails_start_up_naming_the_key(string key, string value, string message)
    {
        var settings = new Dictionary<string, string>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:From"] = "ServiceDesk <support@servicedesk.example>",
            ["Twilio:AccountSid"] = "AC0123456789abcdef0123456789abcdef",
            ["Twilio:AuthToken"] = NotifyFixture.TwilioAuthToken,
            ["Twilio:From"] = NotifyFixture.TwilioFrom,
            ["Twilio:PublicBaseUrl"] = "https://desk.example",
            ["Webhooks:pager:Url"] = "https://pager.example/hooks",
            ["Webhooks:pager:Secret"] = NotifyFixture.PagerSecret,
            [key] = value,
        };
        await using var notify = new AppFactory<NotifyDbContext>(await Infrastructure.Shared, "/", "notify", settings);

        var failure = Record.Exception(() => notify.Server);

        Assert.NotNull(failure);
        Assert.Contains(message, failure.ToString(), StringComparison.Ordinal);
    }
}
