using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Intake.Api.Phone;

/// <summary>
/// The phone channel ("Phone" section). Off until a provider is configured: Twilio ("Phone:Twilio:AuthToken") and/or
/// generic providers that sign JSON webhooks with the HMAC-SHA256 scheme of signed channels
/// ("Phone:Providers:{name}:Secret", <see cref="ServiceDesk.Platform.WebhookVerifier"/>).
/// </summary>
/// <remarks>
/// Generic providers have their own secrets here rather than reusing "Channels:{name}": a channel secret also opens
/// requests for its listed clients on /api/channels/{name}/requests, while a phone provider's may only report calls,
/// whose client the caller's number decides.
/// </remarks>
public sealed partial class PhoneOptions
{
    public const string Section = "Phone";
    public const string TwilioProvider = "twilio";
    public const int MaxRecordingSecondsLimit = TwiML.MaxRecordingSeconds;

    /// <summary>
    /// The origin (and any path prefix) that Twilio calls, e.g. "https://desk.example.com": the public URL at the gateway.
    /// Twilio signs the URL it called; behind YARP intake sees its own host, port and scheme, so the request's own
    /// Host cannot rebuild that URL. Must match, character for character, the start of the URLs configured at Twilio.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    /// <summary>The country calling code for numbers written without "+", e.g. "1" (NANP) or "44".</summary>
    public string? DefaultCountryCode { get; set; }

    /// <summary>What a caller hears before the tone (Twilio): the service desk records every call as a voicemail.</summary>
    public string Greeting { get; set; } =
        "You have reached the service desk. After the tone, please say your name, your company and what is wrong. We will open a ticket and confirm it by email.";

    /// <summary>The longest voicemail recorded, in seconds.</summary>
    public int MaxRecordingSeconds { get; set; } = 120;

    public TwilioPhoneSettings Twilio { get; set; } = new();

    /// <summary>
    /// The numbers (E.164) that are the emergency line: a voicemail left on one declares an emergency, which opens as a
    /// P1 candidate (docs/adr/0037). Empty: no emergency line.
    /// </summary>
    public string[] EmergencyNumbers { get; set; } = [];

    /// <summary>The IVR menu that lets a caller choose "emergency" with a key (Twilio only; docs/adr/0045).</summary>
    public IvrSettings Ivr { get; set; } = new();

    /// <summary>Generic providers by name (the {provider} of /api/channels/phone/{provider}/events).</summary>
    public Dictionary<string, PhoneProviderSettings> Providers { get; set; } = [];

    /// <summary>True when some provider may post: without one, every phone webhook answers 404.</summary>
    public bool Enabled => Twilio.AuthToken is not null || Providers.Count > 0;

    public IEnumerable<string> Problems()
    {
        // Unconfigured is valid (the channel is off); a country code given anyway must still be one.
        if (!Enabled && DefaultCountryCode is null) yield break;
        if (!PhoneNumber.IsCountryCode(DefaultCountryCode))
            yield return $"{Section}:DefaultCountryCode must be a country calling code of 1-3 digits, e.g. \"1\" or \"44\".";
        if (!Enabled) yield break;
        foreach (var (key, number) in EmergencyNumbers.Select(n => ("EmergencyNumbers", n)).Concat(Ivr.Numbers.Select(n => ("Ivr:Numbers", n))))
            if (!PhoneNumber.TryNormalize(number, defaultCountryCode: null, out var e164, out _) || e164 != number)
                yield return $"{Section}:{key}: '{number}' is not an E.164 number (\"+15551234567\").";

        if (Ivr.EmergencyDigit is not [>= '0' and <= '9'])
            yield return $"{Section}:Ivr:EmergencyDigit must be one key, 0-9.";

        foreach (var (key, text) in new[] { ("Greeting", Greeting), ("Ivr:Prompt", Ivr.Prompt), ("Ivr:EmergencyGreeting", Ivr.EmergencyGreeting) })
            if (string.IsNullOrWhiteSpace(text) || text.Length > TwiML.MaxGreetingLength || text.Any(char.IsControl))
                yield return $"{Section}:{key} must be 1-{TwiML.MaxGreetingLength} characters without control characters.";
        if (MaxRecordingSeconds is < 1 or > MaxRecordingSecondsLimit)
            yield return $"{Section}:MaxRecordingSeconds must be between 1 and {MaxRecordingSecondsLimit}.";
        foreach (var (name, provider) in Providers)
        {
            if (!ProviderName().IsMatch(name) || name == TwilioProvider)
                yield return $"{Section}:Providers:{name} must be named with 1-40 of a-z, 0-9 and '-', and not \"{TwilioProvider}\".";
            if ((provider.Secret?.Length ?? 0) < PhoneProviderSettings.MinimumSecretLength)
                yield return $"{Section}:Providers:{name}:Secret must be at least {PhoneProviderSettings.MinimumSecretLength} characters.";
        }

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

    [GeneratedRegex("^[a-z0-9-]{1,40}$")]
    private static partial Regex ProviderName();
}

public sealed class TwilioPhoneSettings
{
    /// <summary>Twilio's auth tokens are 32 characters; a shorter value is a paste error.</summary>
    public const int AuthTokenLength = 32;

    /// <summary>The primary auth token of the Twilio account: the HMAC key of <c>X-Twilio-Signature</c>.</summary>
    public string? AuthToken { get; set; }
}

/// <summary>
/// The IVR menu: a call to one of <see cref="Numbers"/> first hears <see cref="Prompt"/>; pressing
/// <see cref="EmergencyDigit"/> records the voicemail as a declared emergency, any other key or none the usual way.
/// </summary>
public sealed class IvrSettings
{
    /// <summary>The service numbers (E.164) whose callers are offered the menu. Empty: no menu, every call records at once.</summary>
    public string[] Numbers { get; set; } = [];

    /// <summary>The key that declares an emergency.</summary>
    public string EmergencyDigit { get; set; } = "1";

    /// <summary>What the caller hears first; it must name <see cref="EmergencyDigit"/>.</summary>
    public string Prompt { get; set; } =
        "You have reached the service desk. If this is an emergency, press 1 now: after-hours emergency work is billed at your after-hours rate. For anything else, stay on the line.";

    /// <summary>What the caller who pressed the emergency key hears before the tone.</summary>
    public string EmergencyGreeting { get; set; } =
        "Emergency. After the tone, please say your name, your company, the number to call you back on and what is wrong.";
}

/// <summary>A generic phone provider: the shared secret of its X-ServiceDesk-Signature (HMAC-SHA256).</summary>
public sealed class PhoneProviderSettings
{
    public const int MinimumSecretLength = 32;

    public string? Secret { get; set; }
}

/// <summary>Names each misconfigured key, so start-up fails with the exact setting to fix.</summary>
public sealed class PhoneOptionsValidation : IValidateOptions<PhoneOptions>
{
    public ValidateOptionsResult Validate(string? name, PhoneOptions options) =>
        options.Problems().ToList() is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
}
