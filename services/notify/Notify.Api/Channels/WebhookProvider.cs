using System.Net;
using System.Text.Json;
using ServiceDesk.Platform;
using Microsoft.Extensions.Options;

namespace Notify.Api.Channels;

/// <summary>One integrator's endpoint ("Webhooks:{name}"): where to POST, and the secret both sides hold.</summary>
public sealed class WebhookTarget
{
    public Uri? Url { get; set; }
    public string? Secret { get; set; }
}

/// <summary>The integrators' endpoints by name: a webhook delivery's recipient is one of these names, never a URL.</summary>
public sealed class WebhookOptions : Dictionary<string, WebhookTarget>
{
    public const string Section = "Webhooks";

    public IEnumerable<string> Problems() => this.SelectMany(target =>
        (target.Value.Url is not { IsAbsoluteUri: true } url || url.Scheme is not ("https" or "http")
            ? [$"{Section}:{target.Key}:Url must be an absolute http(s) URL."]
            : Array.Empty<string>())
        .Concat((target.Value.Secret?.Length ?? 0) < ChannelsOptions.MinimumSecretLength
            ? [$"{Section}:{target.Key}:Secret must be at least {ChannelsOptions.MinimumSecretLength} characters."]
            : []));
}

/// <summary>
/// Posts the message as JSON to an integrator, signed as the inbound channel webhooks are (docs/adr/0008):
/// <c>X-ServiceDesk-Signature: sha256=hex(HMAC-SHA256(secret, "{timestamp}.{delivery}.{body}"))</c> with
/// <c>X-ServiceDesk-Timestamp</c> and <c>X-ServiceDesk-Delivery</c> (the same on every retry, so the receiver can drop
/// copies). A 2xx answer is acceptance; the delivery id is the provider id.
/// </summary>
public sealed class WebhookProvider(HttpClient http, IOptions<WebhookOptions> options, TimeProvider clock) : IChannelProvider
{
    public string Channel => Channels.Channel.Webhook;
    public bool IsConfigured => options.Value.Count > 0;

    public async Task<SendOutcome> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        if (!options.Value.TryGetValue(message.Recipient, out var target) || target.Url is null || target.Secret is null)
            return new SendOutcome.Failed($"No webhook '{message.Recipient}' is configured (Webhooks:{message.Recipient}).", Transient: false);
        var delivery = message.DeliveryId.ToString("N");
        var body = JsonSerializer.SerializeToUtf8Bytes(new { delivery, message.MessageId, message.Subject, message.Text }, JsonSerializerOptions.Web);
        var timestamp = clock.GetUtcNow().ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, target.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.Add(WebhookVerifier.SignatureHeader, WebhookVerifier.Sign(target.Secret, timestamp, delivery, body));
        request.Headers.Add(WebhookVerifier.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookVerifier.DeliveryHeader, delivery);
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            if (response.IsSuccessStatusCode) return new SendOutcome.Accepted(delivery);
            var transient = response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout || (int)response.StatusCode >= 500;
            return new SendOutcome.Failed($"Webhook {(int)response.StatusCode}", transient);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new SendOutcome.Failed($"Webhook unreachable: {e.Message}", Transient: true);
        }
    }
}
