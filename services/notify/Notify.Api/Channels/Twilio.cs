using System.ComponentModel.DataAnnotations;
using System.Net;
using System.Net.Http.Headers;
using System.Security;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Notify.Api.Channels;

/// <summary>
/// Twilio's REST API for SMS and voice ("Twilio" section). All or nothing: without an AccountSid the SMS and voice
/// channels are off, and a delivery on them fails permanently saying so.
/// </summary>
public sealed partial class TwilioOptions : IValidatableObject
{
    public const string Section = "Twilio";

    /// <summary>Where the REST API is: Twilio's by default, a local fake in tests.</summary>
    public Uri BaseUrl { get; set; } = new("https://api.twilio.com");

    public string? AccountSid { get; set; }
    public string? AuthToken { get; set; }

    /// <summary>The service number messages and calls come from (E.164).</summary>
    public string? From { get; set; }

    /// <summary>
    /// The public origin Twilio calls back on (the gateway, e.g. "https://desk.example.com"). Status callbacks go to
    /// {PublicBaseUrl}/api/notify/twilio/status, and their X-Twilio-Signature is checked against that URL.
    /// </summary>
    public string? PublicBaseUrl { get; set; }

    public bool IsConfigured => !string.IsNullOrEmpty(AccountSid);

    public string? StatusCallbackUrl => PublicBaseUrl is { Length: > 0 } b ? b.TrimEnd('/') + StatusPath : null;
    public const string StatusPath = "/api/notify/twilio/status";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!IsConfigured) yield break;
        if (!AccountSidPattern().IsMatch(AccountSid!))
            yield return new ValidationResult("Twilio:AccountSid must look like AC followed by 32 hex digits.", [nameof(AccountSid)]);
        if (string.IsNullOrEmpty(AuthToken) || AuthToken.Length < 16)
            yield return new ValidationResult("Twilio:AuthToken is required (at least 16 characters) when Twilio:AccountSid is set.", [nameof(AuthToken)]);
        if (From is null || !PhoneNumbers.IsE164(From))
            yield return new ValidationResult("Twilio:From must be the service number in E.164 form (e.g. +15005550006).", [nameof(From)]);
        if (!Uri.TryCreate(PublicBaseUrl, UriKind.Absolute, out var callback) || callback.Scheme is not ("https" or "http"))
            yield return new ValidationResult("Twilio:PublicBaseUrl must be the absolute URL Twilio calls back on (e.g. https://desk.example.com).", [nameof(PublicBaseUrl)]);
        if (!BaseUrl.IsAbsoluteUri)
            yield return new ValidationResult("Twilio:BaseUrl must be an absolute URL.", [nameof(BaseUrl)]);
    }

    [GeneratedRegex("^AC[0-9a-fA-F]{32}$")]
    private static partial Regex AccountSidPattern();
}

public static partial class PhoneNumbers
{
    /// <summary>"+" and 7 to 15 digits: the only form notify dials, so nothing a client typed reaches Twilio unchecked.</summary>
    public static bool IsE164(string value) => E164().IsMatch(value);

    [GeneratedRegex(@"^\+[1-9][0-9]{6,14}$")]
    private static partial Regex E164();
}

/// <summary>A typed HttpClient for Twilio's Messages and Calls resources (form POSTs with basic auth).</summary>
public sealed class TwilioApi(HttpClient http, IOptions<TwilioOptions> options)
{
    private readonly TwilioOptions _options = options.Value;

    public bool IsConfigured => _options.IsConfigured;

    /// <summary>Creates a Message or Call; the resource's sid when Twilio took it.</summary>
    public async Task<SendOutcome> CreateAsync(string resource, Dictionary<string, string> form, CancellationToken cancellationToken)
    {
        if (!PhoneNumbers.IsE164(form["To"]))
            return new SendOutcome.Failed($"'{form["To"]}' is not a phone number in E.164 form.", Transient: false);
        form["From"] = _options.From!;
        if (_options.StatusCallbackUrl is { } callback) form["StatusCallback"] = callback;

        using var request = new HttpRequestMessage(HttpMethod.Post,
            new Uri(_options.BaseUrl, $"2010-04-01/Accounts/{_options.AccountSid}/{resource}.json"))
        {
            Content = new FormUrlEncodedContent(form),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{_options.AccountSid}:{_options.AuthToken}")));
        try
        {
            using var response = await http.SendAsync(request, cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            if (response.IsSuccessStatusCode)
                return JsonDocument.Parse(body).RootElement.TryGetProperty("sid", out var sid) && sid.GetString() is { Length: > 0 } id
                    ? new SendOutcome.Accepted(id)
                    : new SendOutcome.Failed("Twilio answered without a sid.", Transient: true);
            // 429 and 5xx are Twilio's own trouble; any other 4xx (a bad number, a blocked recipient) will not change.
            var transient = response.StatusCode == HttpStatusCode.TooManyRequests || (int)response.StatusCode >= 500;
            return new SendOutcome.Failed($"Twilio {(int)response.StatusCode}: {Describe(body)}", transient);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return new SendOutcome.Failed($"Twilio unreachable: {e.Message}", Transient: true);
        }
    }

    private static string Describe(string body)
    {
        try
        {
            var error = JsonDocument.Parse(body).RootElement;
            return $"{(error.TryGetProperty("code", out var code) ? code.ToString() : "?")} {(error.TryGetProperty("message", out var m) ? m.GetString() : "")}";
        }
        catch (JsonException)
        {
            return body.Length > 200 ? body[..200] : body;
        }
    }
}

/// <summary>SMS through Twilio; the provider id is the Message sid its status callbacks name.</summary>
public sealed class SmsProvider(TwilioApi twilio) : IChannelProvider
{
    public string Channel => Channels.Channel.Sms;
    public bool IsConfigured => twilio.IsConfigured;

    public Task<SendOutcome> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        twilio.CreateAsync("Messages", new() { ["To"] = message.Recipient, ["Body"] = message.Text }, cancellationToken);
}

/// <summary>A voice call through Twilio that reads the message's text (TwiML Say); the provider id is the Call sid.</summary>
public sealed class VoiceProvider(TwilioApi twilio) : IChannelProvider
{
    public string Channel => Channels.Channel.Voice;
    public bool IsConfigured => twilio.IsConfigured;

    public Task<SendOutcome> SendAsync(OutboundMessage message, CancellationToken cancellationToken) =>
        twilio.CreateAsync("Calls", new()
        {
            ["To"] = message.Recipient,
            // Escaped: the text holds ticket subjects clients wrote, which must not become TwiML.
            ["Twiml"] = $"<Response><Say>{SecurityElement.Escape(message.Text)}</Say></Response>",
        }, cancellationToken);
}
