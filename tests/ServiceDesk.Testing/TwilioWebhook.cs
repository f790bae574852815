using System.Security.Cryptography;
using System.Text;

namespace ServiceDesk.Testing;

/// <summary>
/// Plays Twilio calling a webhook: a form POST signed with <c>X-Twilio-Signature</c>, computed here from Twilio's
/// webhook-security description (Base64 HMAC-SHA1, keyed by the auth token, of the URL Twilio called followed by every
/// form field's name and value, sorted by name), not with the product's code.
/// </summary>
public static class TwilioWebhook
{
    public const string SignatureHeader = "X-Twilio-Signature";

    public static string Sign(string authToken, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var data = url + string.Concat(form.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + p.Value));
#pragma warning disable CA5350 // Twilio's scheme is HMAC-SHA1
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data)));
#pragma warning restore CA5350
    }

    /// <summary>
    /// Posts <paramref name="form"/> to <paramref name="path"/> of the client's base address (the gateway, the public URL
    /// configured at Twilio), signed over that public URL with <paramref name="authToken"/>.
    /// </summary>
    public static async Task<HttpResponseMessage> PostAsync(HttpClient gateway, string path, IReadOnlyList<KeyValuePair<string, string>> form,
        string authToken)
    {
        var url = new Uri(gateway.BaseAddress!, path);
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(form) };
        request.Headers.Add(SignatureHeader, Sign(authToken, url.AbsoluteUri, form));
        return await gateway.SendAsync(request);
    }
}
