using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;

namespace Sms.Channel;

/// <summary>The SMS channel's settings ("Sms" section), checked at start-up; each message names its key.</summary>
public sealed partial class SmsOptions : IValidatableObject
{
    public const string Section = "Sms";

    /// <summary>Where intake is reached: the gateway's base URL (http://127.0.0.1:5080 locally).</summary>
    public string? IntakeUrl { get; set; }

    /// <summary>The signed channel's name in intake ("Channels:{Channel}"); also the contract's Channel.</summary>
    public string Channel { get; set; } = "sms";

    /// <summary>The same secret as intake's "Channels:{Channel}:Secret".</summary>
    public string? ChannelSecret { get; set; }

    /// <summary>
    /// The webhook URL exactly as configured at the provider (scheme, host, port, path; the query is taken from the
    /// request): Twilio signs the URL it called, which behind the gateway is not this process's own address.
    /// </summary>
    public string? PublicUrl { get; set; }

    public TwilioSettings Twilio { get; set; } = new();

    /// <summary>
    /// Replies that acknowledge an on-call page (the whole text, ignoring case and surrounding spaces): from a number a
    /// page was texted to, they go to notify instead of opening a request (docs/adr/0046). Empty: pages are taken by
    /// their link only.
    /// </summary>
    public string[] PageAckWords { get; set; } = ["ACK", "1"];

    /// <summary>How long intake may take before the provider is told to retry; Twilio gives up waiting after 15 s.</summary>
    public TimeSpan IntakeTimeout { get; set; } = TimeSpan.FromSeconds(10);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsHttpUrl(IntakeUrl))
            yield return new($"{Section}:IntakeUrl must be an absolute http(s) URL: the gateway's base URL, e.g. http://127.0.0.1:5080.");
        if (!ChannelName().IsMatch(Channel ?? ""))
            yield return new($"{Section}:Channel must be 1-40 lower-case letters, digits or '-' (intake's Channels:<name>).");
        if ((ChannelSecret?.Length ?? 0) < ServiceDesk.Platform.ChannelsOptions.MinimumSecretLength)
            yield return new($"{Section}:ChannelSecret must be at least {ServiceDesk.Platform.ChannelsOptions.MinimumSecretLength} characters: the same value as intake's Channels:{Channel}:Secret.");
        if (!IsHttpUrl(PublicUrl) || PublicUrl!.Contains('?', StringComparison.Ordinal))
            yield return new($"{Section}:PublicUrl must be the absolute webhook URL configured at the provider, without a query (e.g. https://support.example.com/channels/sms/twilio).");
        if (string.IsNullOrWhiteSpace(Twilio.AuthToken))
            yield return new($"{Section}:Twilio:AuthToken is required: the account's auth token, which signs X-Twilio-Signature.");
        if (IntakeTimeout <= TimeSpan.Zero || IntakeTimeout > TimeSpan.FromSeconds(14))
            yield return new($"{Section}:IntakeTimeout must be between 00:00:00.001 and 00:00:14, under the provider's 15 s limit.");
    }

    private static bool IsHttpUrl(string? value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    [GeneratedRegex("^[a-z0-9-]{1,40}$")]
    private static partial Regex ChannelName();
}

public sealed class TwilioSettings
{
    /// <summary>The Twilio account's auth token (from configuration or the environment, never the repo).</summary>
    public string? AuthToken { get; set; }
}
