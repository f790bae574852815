using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace ServiceDesk.Platform;

/// <summary>
/// Twilio's <c>X-Twilio-Signature</c> (https://www.twilio.com/docs/usage/webhooks/webhooks-security):
/// Base64(HMAC-SHA1(authToken, url + key1 + value1 + key2 + value2 …)), where url is the full URL Twilio called
/// (scheme, host, port, path and query exactly as configured at Twilio) and, for a form POST, the body's parameters
/// follow sorted by key (ordinal, case-sensitive). A key given several times contributes each value, values sorted too:
/// Twilio's own validators (twilio-node since #723, twilio-python, twilio-php) sort them, because Twilio's signer does.
/// Non-form bodies (JSON) are signed through the URL instead: Twilio adds <c>bodySHA256</c> = hex(SHA-256(body)) to
/// the query, and signs the URL alone.
/// </summary>
/// <remarks>
/// The signature carries no timestamp, so it cannot expire: a captured request can be replayed. Replays are refused
/// by the provider's id (CallSid, RecordingSid, MessageSid), stored once per channel.
/// SHA-1 is Twilio's choice, not ours; as an HMAC it is still unforgeable without the token.
/// </remarks>
public static class TwilioSignature
{
    public const string Header = "X-Twilio-Signature";
    public const string BodyHashParameter = "bodySHA256";

    /// <summary>The header value Twilio sends for <paramref name="url"/> and the form <paramref name="parameters"/> (none for GET or JSON).</summary>
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, StringValues>>? parameters = null)
    {
        var data = new StringBuilder(url);
        foreach (var (key, values) in (parameters ?? []).OrderBy(p => p.Key, StringComparer.Ordinal))
            foreach (var value in values.Select(v => v ?? "").Order(StringComparer.Ordinal))
                data.Append(key).Append(value);
#pragma warning disable CA5350 // Twilio's protocol fixes HMAC-SHA1; it is a MAC here, where SHA-1's collisions do not help a forger.
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }

    /// <summary>
    /// True when <paramref name="signature"/> signs the request, compared in constant time. Also tries the URL with its
    /// default port written or left out (":443" for https, ":80" for http): Twilio has signed either form, and its
    /// own validators accept both.
    /// </summary>
    public static bool Matches(string authToken, string url, IEnumerable<KeyValuePair<string, StringValues>>? parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature)) return false;
        var given = Encoding.UTF8.GetBytes(signature);
        var list = parameters?.ToList();
        var matched = false;
        // Both forms are always computed, so the time taken does not tell which one matched.
        foreach (var candidate in DefaultPortTwin(url) is { } twin ? [url, twin] : new[] { url })
            matched |= CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Compute(authToken, candidate, list)), given);
        return matched;
    }

    /// <summary>The <c>bodySHA256</c> query value Twilio sends with a JSON body: lower-case hex SHA-256 of the raw bytes.</summary>
    public static string BodyHash(ReadOnlySpan<byte> body) => Convert.ToHexStringLower(SHA256.HashData(body));

    /// <summary>True when <paramref name="bodySha256"/> (hex, any case) is the hash of <paramref name="body"/>; constant time.</summary>
    public static bool BodyMatches(ReadOnlySpan<byte> body, string? bodySha256) =>
        bodySha256 is not null
        && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(BodyHash(body)), Encoding.ASCII.GetBytes(bodySha256.ToLowerInvariant()));

    /// <summary>
    /// The URL Twilio called: the configured public base (the gateway's origin, plus any prefix the gateway strips),
    /// then the path and raw query that reached intake. Never Request.Host/Scheme: behind YARP those are intake's own.
    /// </summary>
    public static string PublicUrl(string publicBaseUrl, string pathAndQuery) => publicBaseUrl.TrimEnd('/') + pathAndQuery;

    /// <summary>The same URL with the scheme's default port added, or removed when written; null when the port is not the default.</summary>
    internal static string? DefaultPortTwin(string url)
    {
        var schemeEnd = url.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0) return null;
        var defaultPort = url[..schemeEnd].ToLowerInvariant() switch { "https" => "443", "http" => "80", _ => null };
        if (defaultPort is null) return null;

        var hostStart = schemeEnd + 3;
        var authorityEnd = url.IndexOfAny(['/', '?', '#'], hostStart);
        if (authorityEnd < 0) authorityEnd = url.Length;
        var authority = url[hostStart..authorityEnd];
        var colon = authority.LastIndexOf(':');
        // A colon inside user info ("user:pass@") or an IPv6 literal ("[::1]") is not a port separator.
        var hasPort = colon > authority.LastIndexOf('@') && colon > authority.LastIndexOf(']');
        if (!hasPort) return url[..authorityEnd] + ":" + defaultPort + url[authorityEnd..];
        return authority[(colon + 1)..] == defaultPort ? url[..(hostStart + colon)] + url[authorityEnd..] : null;
    }
}
