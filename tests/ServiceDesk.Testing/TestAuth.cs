using System.Net.Http.Headers;
using ServiceDesk.Platform;

namespace ServiceDesk.Testing;

/// <summary>The token issuer the apps under test trust: a signing key made for this test run, never stored.</summary>
public static class TestAuth
{
    public static readonly AuthOptions Options = new()
    {
        // An absolute URL, as an OpenID Connect issuer is: the identity service of the running system issues under it too.
        Issuer = "http://localhost/",
        Audience = "servicedesk",
        SigningKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(48)),
    };

    /// <summary>The settings an app needs to validate <see cref="Token"/>s (configuration keys to values).</summary>
    public static IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Auth:Issuer"] = Options.Issuer,
        ["Auth:Audience"] = Options.Audience,
        ["Auth:SigningKey"] = Options.SigningKey!,
    };

    /// <param name="contactId">For client roles: the contact the caller signs in as (needed to open requests).</param>
    public static string Token(string role, Guid? clientId = null, string? subject = null, Guid? contactId = null) =>
        Auth.CreateToken(Options, subject ?? role, role, clientId, contactId: contactId);

    public static AuthenticationHeaderValue Bearer(string role, Guid? clientId = null, string? subject = null, Guid? contactId = null) =>
        new("Bearer", Token(role, clientId, subject, contactId));

    /// <summary>A client that sends every request with the given token.</summary>
    public static HttpClient As(this HttpClient client, string token)
    {
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }
}
