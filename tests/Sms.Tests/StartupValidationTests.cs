using ServiceDesk.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using ServiceDesk.Platform;
using Sms.Channel;

namespace Sms.Tests;

/// <summary>A bad setting stops the SMS channel at start-up with a message naming the key.</summary>
public sealed class StartupValidationTests
{
    [Theory]
    [InlineData("Sms:IntakeUrl", "", "Sms:IntakeUrl")]
    [InlineData("Sms:IntakeUrl", "127.0.0.1:5080", "Sms:IntakeUrl")]
    [InlineData("Sms:ChannelSecret", "short", "Sms:ChannelSecret must be at least 32 characters")]
    [InlineData("Sms:PublicUrl", "", "Sms:PublicUrl")]
    [InlineData("Sms:PublicUrl", "https://support.example.test/channels/sms/twilio?x=1", "Sms:PublicUrl")]
    [InlineData("Sms:Twilio:AuthToken", "", "Sms:Twilio:AuthToken")]
    [InlineData("Sms:Channel", "SMS!", "Sms:Channel")]
    [InlineData("Sms:IntakeTimeout", "00:01:00", "Sms:IntakeTimeout")]
    [InlineData("Auth:SigningKey", "", "Auth:SigningKey")]
    public async Task Bad_setting_fails_start_up_naming_the_key(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Sms:IntakeUrl"] = "http://127.0.0.1:5080",
            ["Sms:ChannelSecret"] = SmsFixture.ChannelSecret,
            ["Sms:PublicUrl"] = SmsFixture.PublicUrl,
            ["Sms:Twilio:AuthToken"] = SmsFixture.AuthToken,
        };
        foreach (var (name, setting) in TestAuth.Settings) settings[name] = setting;
        settings[key] = value;
        // Built as Program.cs builds it, not through WebApplicationFactory: when an app fails this early, the factory
        // sometimes reports its own ObjectDisposedException instead of the app's error.
        var builder = WebApplication.CreateBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.AddServiceDefaults();
        builder.AddSmsChannel();
        await using var app = builder.Build();
        app.MapSmsEndpoints();

        var failure = await Record.ExceptionAsync(() => app.StartAsync());

        Assert.NotNull(failure);
        Assert.Contains(expected, failure.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Good_settings_start_and_every_route_is_signature_verified_or_health()
    {
        await using var app = new AppFactory<SmsOptions>(await Infrastructure.Shared, "/", "sms", new Dictionary<string, string>
        {
            ["Sms:IntakeUrl"] = "http://127.0.0.1:5080", ["Sms:ChannelSecret"] = SmsFixture.ChannelSecret,
            ["Sms:PublicUrl"] = SmsFixture.PublicUrl, ["Sms:Twilio:AuthToken"] = SmsFixture.AuthToken,
        });
        using var client = app.CreateClient();

        Assert.Equal(System.Net.HttpStatusCode.OK, (await client.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        var endpoints = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions
            .GetRequiredService<Microsoft.AspNetCore.Routing.EndpointDataSource>(app.Services).Endpoints.OfType<Microsoft.AspNetCore.Routing.RouteEndpoint>();
        foreach (var endpoint in endpoints)
        {
            var signed = endpoint.Metadata.GetMetadata<ServiceDesk.Platform.SignatureVerifiedAttribute>() is not null;
            Assert.True(signed || endpoint.RoutePattern.RawText!.StartsWith("/health/", StringComparison.Ordinal), endpoint.RoutePattern.RawText);
            if (!signed) continue;
            // As RouteInventory.Tests probes every app: without credentials, 401.
            var anonymous = await client.PostAsync(new Uri(endpoint.RoutePattern.RawText!, UriKind.Relative),
                new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
            Assert.Equal(System.Net.HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }
    }
}
