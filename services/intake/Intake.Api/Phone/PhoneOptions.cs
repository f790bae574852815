using Microsoft.Extensions.Options;

namespace Intake.Api.Phone;

/// <summary>
/// The phone channel ("Phone" section). Generic providers sign with the existing channel secrets
/// ("Channels:{name}:Secret", <see cref="ServiceDesk.Platform.WebhookVerifier"/>); only Twilio needs its own settings.
/// </summary>
public sealed class PhoneOptions
{
    public const string Section = "Phone";

    /// <summary>
    /// The origin (and any path prefix) that Twilio calls, e.g. "https://desk.example.com": the public URL at the gateway.
    /// Twilio signs the URL it called; behind YARP intake sees its own host, port and scheme, so the request's own
    /// Host cannot rebuild that URL. Must match, character for character, the start of the URLs configured at Twilio.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The country calling code for numbers written without "+", e.g. "1" (NANP) or "44".</summary>
    public string? DefaultCountryCode { get; set; }

    public TwilioPhoneSettings Twilio { get; set; } = new();

    public IEnumerable<string> Problems()
    {
        if (!PhoneNumber.IsCountryCode(DefaultCountryCode))
            yield return $"{Section}:DefaultCountryCode must be a country calling code of 1-3 digits, e.g. \"1\" or \"44\".";

        // Twilio is optional (a deployment may use only generic providers); once a token is set, it needs the URL too.
        if (Twilio.AuthToken is null) yield break;
        if (Twilio.AuthToken.Length < TwilioPhoneSettings.AuthTokenLength || string.IsNullOrWhiteSpace(Twilio.AuthToken))
            yield return $"{Section}:Twilio:AuthToken must be the account's {TwilioPhoneSettings.AuthTokenLength}-character auth token.";
        if (!IsBaseUrl(PublicBaseUrl))
            yield return $"{Section}:PublicBaseUrl must be an absolute http(s) URL without query or fragment (the public URL Twilio calls).";
    }

    private static bool IsBaseUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)
        && uri.Query.Length == 0 && uri.Fragment.Length == 0 && uri.UserInfo.Length == 0;
}

public sealed class TwilioPhoneSettings
{
    /// <summary>Twilio's auth tokens are 32 characters; a shorter value is a paste error.</summary>
    public const int AuthTokenLength = 32;

    /// <summary>The primary auth token of the Twilio account: the HMAC key of <c>X-Twilio-Signature</c>.</summary>
    public string? AuthToken { get; set; }
}

/// <summary>Names each misconfigured key, so start-up fails with the exact setting to fix.</summary>
/// <remarks>Wire it in Extensions.cs with <c>AddOptions&lt;PhoneOptions&gt;().BindConfiguration(PhoneOptions.Section).ValidateOnStart()</c>.</remarks>
public sealed class PhoneOptionsValidation : IValidateOptions<PhoneOptions>
{
    public ValidateOptionsResult Validate(string? name, PhoneOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
