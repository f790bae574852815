using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace ServiceDesk.Platform;

/// <summary>Marks a route that proves its caller by a webhook signature instead of a bearer token.</summary>
[AttributeUsage(AttributeTargets.Method | AttributeTargets.Class)]
public sealed class SignatureVerifiedAttribute : Attribute;

/// <summary>One signed channel ("Channels:{name}"): its shared secret and the clients it may open requests for.</summary>
public sealed class ChannelSettings
{
    public string? Secret { get; set; }
    public Guid[] ClientIds { get; set; } = [];
}

/// <summary>The signed channels by name ("Channels" section), checked at start-up.</summary>
public sealed class ChannelsOptions : Dictionary<string, ChannelSettings>
{
    public const string Section = "Channels";
    public const int MinimumSecretLength = 32;

    public IEnumerable<string> Problems() => this.SelectMany(channel => (channel.Value.Secret?.Length ?? 0) < MinimumSecretLength
        ? [$"{Section}:{channel.Key}:Secret must be at least {MinimumSecretLength} characters."]
        : channel.Value.ClientIds.Length == 0
            ? [$"{Section}:{channel.Key}:ClientIds must list the clients the channel serves."]
            : Array.Empty<string>());
}

/// <summary>The outcome of checking a webhook: the raw body and delivery id when valid, else the problem to answer.</summary>
public sealed record WebhookDelivery(string Channel, string DeliveryId, byte[] Body, DateTimeOffset SentAt);

/// <summary>
/// Verifies channel webhooks signed with the channel's secret ("Channels:{name}:Secret"):
/// <c>X-ServiceDesk-Signature: sha256=hex(HMAC-SHA256(secret, "{timestamp}.{delivery}.{body}"))</c>, with
/// <c>X-ServiceDesk-Timestamp</c> (Unix seconds, within <see cref="Window"/> of now) and <c>X-ServiceDesk-Delivery</c>
/// (the sender's unique id, which the receiver stores to refuse replays inside the window).
/// </summary>
public sealed class WebhookVerifier(IOptions<ChannelsOptions> channels, TimeProvider clock)
{
    public const string SignatureHeader = "X-ServiceDesk-Signature";
    public const string TimestampHeader = "X-ServiceDesk-Timestamp";
    public const string DeliveryHeader = "X-ServiceDesk-Delivery";
    public const int MaxBodyBytes = 256 * 1024;
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(5);

    /// <summary>Reads and checks the request; returns the delivery, or an error result that changes nothing.</summary>
    public async Task<(WebhookDelivery? Delivery, IResult? Problem)> VerifyAsync(string channel, HttpRequest request, CancellationToken cancellationToken)
    {
        if (!channels.Value.TryGetValue(channel, out var settings) || settings.Secret is not { Length: > 0 } secret)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"Unknown channel '{channel}'."));

        var headers = request.Headers;
        if (!long.TryParse(headers[TimestampHeader], NumberStyles.None, CultureInfo.InvariantCulture, out var unix))
            return (null, Unauthorized($"{TimestampHeader} (Unix seconds) is required."));
        var sentAt = DateTimeOffset.FromUnixTimeSeconds(Math.Min(unix, 253402300799));
        if ((clock.GetUtcNow() - sentAt).Duration() > Window)
            return (null, Unauthorized($"{TimestampHeader} is more than {Window.TotalMinutes:0} minutes from now: a replay or a wrong clock."));
        // Letters, digits, '-' and '_' only: a '.' would let one signature stand for two (delivery, body) splits.
        string delivery = headers[DeliveryHeader].ToString();
        if (delivery.Length is 0 or > 200 || !delivery.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            return (null, Unauthorized($"{DeliveryHeader} (the sender's unique delivery id: 1-200 letters, digits, '-' or '_') is required."));

        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The body is over {MaxBodyBytes} bytes."));

        var expected = Sign(secret, unix, delivery, body);
        var given = Encoding.ASCII.GetBytes(headers[SignatureHeader].ToString());
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), given))
            return (null, Unauthorized($"{SignatureHeader} does not match the body signed with the channel's secret."));

        return (new WebhookDelivery(channel, delivery, body, sentAt), null);
    }

    /// <summary>The signature header value a sender computes.</summary>
    public static string Sign(string secret, long unixSeconds, string delivery, byte[] body)
    {
        using var hmac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        hmac.AppendData(Encoding.UTF8.GetBytes($"{unixSeconds.ToString(CultureInfo.InvariantCulture)}.{delivery}."));
        hmac.AppendData(body);
        return "sha256=" + Convert.ToHexStringLower(hmac.GetHashAndReset());
    }

    private static Microsoft.AspNetCore.Http.HttpResults.ProblemHttpResult Unauthorized(string title) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: title);

    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > MaxBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
