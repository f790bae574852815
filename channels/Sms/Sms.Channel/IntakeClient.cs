using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Sms.Channel;

public enum IntakeAnswer
{
    /// <summary>Stored by intake (a request, or a triage item for an unknown number).</summary>
    Accepted,
    /// <summary>Intake already had this delivery id: a provider retry, and still one request.</summary>
    Replayed,
    /// <summary>Intake is unreachable, timed out, overloaded or failed: worth retrying later.</summary>
    Unavailable,
    /// <summary>Intake refused the delivery itself (secret, channel, validation): a configuration error, not fixed by a retry.</summary>
    Refused,
    /// <summary>No page was texted to the sender lately: the message is not a page acknowledgement (it goes to intake).</summary>
    NotAPageReply,
}

/// <summary>
/// Posts a message to intake's signed channel webhook, signed as <see cref="WebhookVerifier"/> checks it:
/// <c>sha256=hex(HMAC-SHA256(secret, "{timestamp}.{delivery}.{body}"))</c>, the delivery id being the provider's
/// message id so that a provider retry is one request.
/// </summary>
public sealed class IntakeClient(HttpClient http, IOptions<SmsOptions> options, TimeProvider clock, ILogger<IntakeClient> logger)
{
    public Task<IntakeAnswer> SubmitAsync(string deliveryId, byte[] body, CancellationToken cancellationToken) =>
        PostAsync($"api/channels/{options.Value.Channel}/requests", deliveryId, body, cancellationToken);

    /// <summary>
    /// Offers an acknowledgement word to notify (docs/adr/0046), signed the same way: <see cref="IntakeAnswer.Accepted"/>
    /// when it acknowledges a page texted to the sender, <see cref="IntakeAnswer.NotAPageReply"/> when none was.
    /// </summary>
    public Task<IntakeAnswer> ReplyToPageAsync(string deliveryId, byte[] body, CancellationToken cancellationToken) =>
        PostAsync($"api/notify/page-replies/{options.Value.Channel}", deliveryId, body, cancellationToken);

    private async Task<IntakeAnswer> PostAsync(string path, string deliveryId, byte[] body, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var unix = clock.GetUtcNow().ToUnixTimeSeconds(); // fresh on every attempt: a retry hours later is not "stale"
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(new Uri(settings.IntakeUrl!.TrimEnd('/') + "/"), path))
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } },
        };
        request.Headers.Add(WebhookVerifier.TimestampHeader, unix.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookVerifier.DeliveryHeader, deliveryId);
        request.Headers.Add(WebhookVerifier.SignatureHeader, WebhookVerifier.Sign(settings.ChannelSecret!, unix, deliveryId, body));

        HttpResponseMessage response;
        try
        {
            response = await http.SendAsync(request, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !cancellationToken.IsCancellationRequested))
        {
            logger.LogWarning(e, "Intake unreachable at {IntakeUrl} for delivery {DeliveryId}; the provider is asked to retry", settings.IntakeUrl, deliveryId);
            return IntakeAnswer.Unavailable;
        }

        using (response)
        {
            var status = response.StatusCode;
            if (response.IsSuccessStatusCode) return IntakeAnswer.Accepted;
            if (status == HttpStatusCode.Conflict) return IntakeAnswer.Replayed;
            if ((int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout)
            {
                logger.LogWarning("Intake answered {Status} for delivery {DeliveryId}; the provider is asked to retry", (int)status, deliveryId);
                return IntakeAnswer.Unavailable;
            }
            if (path.StartsWith("api/notify/", StringComparison.Ordinal))
            {
                // No page texted to that number (404), or notify refuses page replies (not configured): the text goes to
                // intake as any other, rather than being lost.
                if (status != HttpStatusCode.NotFound)
                    logger.LogWarning("notify answered {Status} to page reply {DeliveryId}; it goes to intake. Check notify's Channels:{Channel}:Secret",
                        (int)status, deliveryId, settings.Channel);
                return IntakeAnswer.NotAPageReply;
            }
            var problem = await response.Content.ReadAsStringAsync(cancellationToken);
            logger.LogError("Intake refused delivery {DeliveryId} with {Status}: {Problem}. Check Sms:Channel, Sms:ChannelSecret (intake's " +
                "Channels:{Channel}:Secret) and the clients it serves (Channels:{Channel}:ClientIds)",
                deliveryId, (int)status, problem.Length > 2000 ? problem[..2000] : problem, settings.Channel, settings.Channel);
            return IntakeAnswer.Refused;
        }
    }
}
