using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Intake.Api.Data;
using ServiceDesk.Platform;

namespace Intake.Tests;

/// <summary>An integrator's channel posts requests as webhooks signed with the channel's secret.</summary>
public sealed class SignedChannelTests(IntakeFixture intake) : IClassFixture<IntakeFixture>
{
    private readonly HttpClient _http = intake.App.CreateClient(); // no bearer token: the signature is the proof

    private Task<HttpResponseMessage> SendAsync(string body, string? delivery = null, DateTimeOffset? sentAt = null,
        string secret = IntakeFixture.ChannelSecret, string channel = IntakeFixture.Channel, string? signature = null)
    {
        delivery ??= Guid.NewGuid().ToString();
        var unix = (sentAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channel}/requests")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookVerifier.TimestampHeader, unix.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookVerifier.DeliveryHeader, delivery);
        request.Headers.Add(WebhookVerifier.SignatureHeader, signature ?? WebhookVerifier.Sign(secret, unix, delivery, Encoding.UTF8.GetBytes(body)));
        return _http.SendAsync(request);
    }

    [Fact]
    public async Task Signed_delivery_becomes_a_request_on_that_channel_and_a_replay_is_refused()
    {
        await intake.TakePublishedAsync();
        var delivery = $"rmm-{Guid.NewGuid():N}";
        var body = WebRequestTests.ValidBody("Backup job failed");

        var first = await SendAsync(body, delivery);
        var replay = await SendAsync(body, delivery);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal(id, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requestId").GetGuid());

        var message = JsonDocument.Parse(Assert.Single(await intake.TakePublishedAsync())).RootElement.GetProperty("message");
        Assert.Equal(id, message.GetProperty("requestId").GetGuid());
        Assert.Equal(IntakeFixture.Channel, message.GetProperty("channel").GetString());
        Assert.Equal(delivery, message.GetProperty("externalId").GetString());
    }

    public static TheoryData<string, HttpStatusCode> Forgeries => new()
    {
        { "wrong-secret", HttpStatusCode.Unauthorized },
        { "tampered-signature", HttpStatusCode.Unauthorized },
        { "stale-timestamp", HttpStatusCode.Unauthorized },
        { "unknown-channel", HttpStatusCode.NotFound },
        { "foreign-client", HttpStatusCode.Forbidden },
        { "dotted-delivery-id", HttpStatusCode.Unauthorized },
        { "malformed-json", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Bad_delivery_is_refused_and_changes_nothing(string forgery, HttpStatusCode expected)
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();
        var body = WebRequestTests.ValidBody("Forged");

        var response = forgery switch
        {
            "wrong-secret" => await SendAsync(body, secret: "not-the-channel-secret-at-all-nope"),
            "tampered-signature" => await SendAsync(body, signature: "sha256=" + new string('0', 64)),
            "stale-timestamp" => await SendAsync(body, sentAt: DateTimeOffset.UtcNow.AddMinutes(-10)),
            "unknown-channel" => await SendAsync(body, channel: "no-such-channel"),
            "foreign-client" => await SendAsync(body.Replace(IntakeDbContext.DemoClientId.ToString(), Guid.NewGuid().ToString(), StringComparison.Ordinal)),
            "dotted-delivery-id" => await SendAsync(body, delivery: "a.b"),
            _ => await SendAsync("{\"subject\": "),
        };

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync());
    }

    [Fact]
    public async Task Delivery_without_signature_headers_is_refused()
    {
        var response = await _http.PostAsync(new Uri($"/api/channels/{IntakeFixture.Channel}/requests", UriKind.Relative),
            new StringContent(WebRequestTests.ValidBody("Unsigned"), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
