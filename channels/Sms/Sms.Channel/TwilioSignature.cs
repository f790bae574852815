using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Sms.Channel;

/// <summary>
/// Twilio's request signature, as its webhook-security documentation describes it: <c>X-Twilio-Signature</c> is
/// Base64(HMAC-SHA1(auth token, the full URL Twilio called, then each POST parameter's name and value, the names
/// sorted)). It carries no timestamp: a captured request can be replayed, which is harmless here because intake
/// counts a MessageSid once.
/// </summary>
public static class TwilioSignature
{
    public const string Header = "X-Twilio-Signature";

    /// <summary>The value Twilio sends for a form POST of <paramref name="parameters"/> to <paramref name="url"/>.</summary>
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, StringValues>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var (name, values) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            foreach (var value in values.Select(v => v ?? "").Order(StringComparer.Ordinal))
                data.Append(name).Append(value);
#pragma warning disable CA5350 // Twilio's protocol fixes HMAC-SHA1; as a MAC it is still unforgeable without the token.
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString())));
#pragma warning restore CA5350
    }

    /// <summary>True when <paramref name="signature"/> is Twilio's for this request, compared in constant time.</summary>
    public static bool Matches(string authToken, string url, IEnumerable<KeyValuePair<string, StringValues>> parameters, string? signature) =>
        !string.IsNullOrEmpty(signature)
        && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(Compute(authToken, url, parameters)), Encoding.UTF8.GetBytes(signature));
}
