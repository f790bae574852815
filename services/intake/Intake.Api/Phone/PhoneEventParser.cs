using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Intake.Api.Data;
using Microsoft.Extensions.Primitives;

namespace Intake.Api.Phone;

/// <summary>
/// Turns a verified phone webhook into a <see cref="PhoneEvent"/>, or into field errors for a 400 ValidationProblem
/// (<c>TypedResults.ValidationProblem(errors)</c>). Never throws on bad input; errors are keyed by the field name
/// the sender used ("From" for Twilio, "from" for the generic shape).
/// </summary>
public static partial class PhoneEventParser
{
    /// <summary>How far ahead of our clock a provider's time may be before it is an error rather than skew.</summary>
    public static readonly TimeSpan MaxClockSkew = TimeSpan.FromMinutes(5);

    public const int MaxDurationSeconds = 24 * 60 * 60;
    public const int MaxIdLength = 200; // ServiceRequest.ExternalId

    private static readonly string[] CallStatuses = ["queued", "ringing", "in-progress", "completed", "busy", "failed", "no-answer", "canceled"];

    /// <summary>
    /// Twilio form fields, from the inbound voice webhook (CallSid, From, To, CallStatus[, Timestamp, CallDuration]) or from a
    /// recording / transcription callback (adds RecordingSid, RecordingUrl, RecordingDuration[, TranscriptionSid,
    /// TranscriptionText]). Any recording or transcription field makes it a voicemail keyed by RecordingSid.
    /// </summary>
    /// <remarks>
    /// From and To are required, so use the &lt;Record action&gt; and transcribeCallback requests, which carry the call's
    /// parameters; a recordingStatusCallback has no From/To. Twilio sends Timestamp only on status callbacks; without
    /// it the event happened when it was received.
    /// </remarks>
    public static (PhoneEvent? Event, Dictionary<string, string[]> Errors) FromTwilio(
        IReadOnlyDictionary<string, StringValues> fields, DateTimeOffset receivedAt, string? defaultCountryCode)
    {
        var errors = new Dictionary<string, string[]>();
        string? Field(string name)
        {
            if (!fields.TryGetValue(name, out var values) || values.Count == 0) return null;
            if (values.Count > 1)
            {
                errors[name] = ["Given more than once."];
                return null;
            }
            return string.IsNullOrEmpty(values[0]) ? null : values[0];
        }

        var recordingSid = Field("RecordingSid");
        var recordingUrl = Field("RecordingUrl");
        var transcriptionSid = Field("TranscriptionSid");
        var transcriptionText = Field("TranscriptionText");
        var kind = (recordingSid ?? recordingUrl ?? transcriptionSid ?? transcriptionText) is not null ? PhoneEventKind.Voicemail : PhoneEventKind.Call;

        var callSid = Field("CallSid");
        Sid(errors, "CallSid", callSid, "CA", required: kind == PhoneEventKind.Call);
        Sid(errors, "RecordingSid", recordingSid, "RE", required: kind == PhoneEventKind.Voicemail);
        Sid(errors, "TranscriptionSid", transcriptionSid, "TR", required: false);

        // Present but withheld ("", "anonymous", +266696687 …) is a caller nobody can name, not a malformed webhook.
        var from = fields.TryGetValue("From", out var fromValues) && fromValues.Count == 1 && PhoneNumber.IsWithheld(fromValues[0])
            ? null
            : Number(errors, "From", Field("From"), defaultCountryCode);
        var to = Number(errors, "To", Field("To"), defaultCountryCode);

        var status = Field("CallStatus");
        if (status is not null && !CallStatuses.Contains(status)) errors["CallStatus"] = [$"One of {string.Join(", ", CallStatuses)}."];

        var occurredAt = receivedAt;
        var timestamp = Field("Timestamp");
        // Twilio writes RFC 1123 times: "Tue, 24 Nov 2026 10:00:00 +0000".
        if (timestamp is not null)
        {
            if (!DateTimeOffset.TryParseExact(timestamp, "ddd, dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture,
                    DateTimeStyles.None, out occurredAt))
                errors["Timestamp"] = ["An RFC 1123 time such as \"Tue, 24 Nov 2026 10:00:00 +0000\"."];
            else NotInFuture(errors, "Timestamp", occurredAt, receivedAt);
        }

        var durationField = kind == PhoneEventKind.Voicemail ? "RecordingDuration" : "CallDuration";
        int? duration = null;
        if (Field(durationField) is { } durationText)
        {
            if (int.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds <= MaxDurationSeconds)
                duration = seconds;
            else errors[durationField] = [$"Whole seconds, 0-{MaxDurationSeconds}."];
        }

        var recording = RecordingUrl(errors, "RecordingUrl", recordingUrl, kind);
        var transcription = Transcription(errors, "TranscriptionText", transcriptionText);

        return errors.Count > 0
            ? (null, errors)
            : (new PhoneEvent(kind, kind == PhoneEventKind.Call ? callSid! : recordingSid!, from, to!, occurredAt, duration, recording, transcription,
                Field("Digits")), errors);
    }

    /// <summary>
    /// The generic provider's JSON body (signed with the channel secret, <see cref="ServiceDesk.Platform.WebhookVerifier"/>):
    /// <code>
    /// { "id": "call-8812",              // required: the provider's unique id, 1-200 of A-Z a-z 0-9 . _ : -
    ///   "kind": "call" | "voicemail",   // required
    ///   "from": "+15551234567",         // required: E.164, or national with the default country code; "" or "anonymous" when withheld
    ///   "to": "(555) 765-4321",         // required: the service number called
    ///   "occurredAt": "2026-11-24T10:00:00Z", // required: ISO 8601 with Z or an offset
    ///   "durationSeconds": 42,          // optional: 0-86400
    ///   "recordingUrl": "https://…",    // required for a voicemail, optional for a call: absolute https
    ///   "transcription": "…" }          // optional
    /// </code>
    /// Unknown properties are ignored, so providers may send more; property names are case-sensitive.
    /// </summary>
    public static (PhoneEvent? Event, Dictionary<string, string[]> Errors) FromGeneric(
        ReadOnlyMemory<byte> json, DateTimeOffset receivedAt, string? defaultCountryCode)
    {
        var errors = new Dictionary<string, string[]>();
        JsonDocument document;
        try
        {
            // Duplicate properties are refused: two "from"s would let a signed body mean two things.
            document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 16, AllowDuplicateProperties = false });
        }
        catch (JsonException e)
        {
            errors["body"] = [$"Not valid JSON: {e.Message}"];
            return (null, errors);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                errors["body"] = ["Must be a JSON object."];
                return (null, errors);
            }

            var id = Text(errors, root, "id");
            if (id is not null && !ProviderIdPattern().IsMatch(id))
                errors["id"] = [$"1-{MaxIdLength} characters: letters, digits, '.', '_', ':' or '-'."];

            PhoneEventKind? kind = Text(errors, root, "kind") switch
            {
                null => null,
                "call" => PhoneEventKind.Call,
                "voicemail" => PhoneEventKind.Voicemail,
                _ => null,
            };
            if (kind is null && !errors.ContainsKey("kind")) errors["kind"] = ["One of call, voicemail."];

            // A string that says the number was withheld ("", "anonymous", +266696687 …) is allowed; a missing "from" is not.
            var from = root.TryGetProperty("from", out var fromElement) && fromElement.ValueKind == JsonValueKind.String
                && PhoneNumber.IsWithheld(fromElement.GetString())
                ? null
                : Number(errors, "from", Text(errors, root, "from"), defaultCountryCode);
            var to = Number(errors, "to", Text(errors, root, "to"), defaultCountryCode);

            var occurredAt = receivedAt;
            if (Text(errors, root, "occurredAt") is { } occurredText)
            {
                // Zone-less times would be read in the server's zone; the sender must say which instant it means.
                if (!OffsetPattern().IsMatch(occurredText)
                    || !DateTimeOffset.TryParse(occurredText, CultureInfo.InvariantCulture, DateTimeStyles.None, out occurredAt))
                    errors["occurredAt"] = ["An ISO 8601 time with Z or an offset, e.g. \"2026-11-24T10:00:00Z\"."];
                else NotInFuture(errors, "occurredAt", occurredAt, receivedAt);
            }

            int? duration = null;
            if (root.TryGetProperty("durationSeconds", out var durationElement) && durationElement.ValueKind != JsonValueKind.Null)
            {
                if (durationElement.ValueKind == JsonValueKind.Number && durationElement.TryGetInt32(out var seconds) && seconds is >= 0 and <= MaxDurationSeconds)
                    duration = seconds;
                else errors["durationSeconds"] = [$"Whole seconds, 0-{MaxDurationSeconds}."];
            }

            var recording = RecordingUrl(errors, "recordingUrl", Text(errors, root, "recordingUrl", required: false), kind);
            var transcription = Transcription(errors, "transcription", Text(errors, root, "transcription", required: false));

            return errors.Count > 0
                ? (null, errors)
                : (new PhoneEvent(kind!.Value, id!, from, to!, occurredAt, duration, recording, transcription), errors);
        }
    }

    /// <summary>A string property: null with "Required." when missing (if required), or "Must be a string." for other JSON types.</summary>
    private static string? Text(Dictionary<string, string[]> errors, JsonElement root, string name, bool required = true)
    {
        if (!root.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            if (required) errors[name] = ["Required."];
            return null;
        }
        if (element.ValueKind != JsonValueKind.String)
        {
            errors[name] = ["Must be a string."];
            return null;
        }
        var value = element.GetString();
        if (!string.IsNullOrWhiteSpace(value)) return value;
        if (required) errors[name] = ["Required."];
        return null;
    }

    /// <summary>Twilio SIDs: two letters naming the resource, then 32 hex digits ("CA…" call, "RE…" recording).</summary>
    private static void Sid(Dictionary<string, string[]> errors, string field, string? value, string prefix, bool required)
    {
        if (errors.ContainsKey(field)) return;
        if (value is null)
        {
            if (required) errors[field] = ["Required."];
        }
        else if (value.Length != 34 || !value.StartsWith(prefix, StringComparison.Ordinal) || !value[2..].All(char.IsAsciiHexDigit))
        {
            errors[field] = [$"A Twilio SID: '{prefix}' followed by 32 hexadecimal digits."];
        }
    }

    private static string? Number(Dictionary<string, string[]> errors, string field, string? value, string? defaultCountryCode)
    {
        if (errors.ContainsKey(field)) return null;
        if (PhoneNumber.TryNormalize(value, defaultCountryCode, out var e164, out var error)) return e164;
        errors[field] = [error];
        return null;
    }

    private static Uri? RecordingUrl(Dictionary<string, string[]> errors, string field, string? value, PhoneEventKind? kind)
    {
        if (errors.ContainsKey(field)) return null;
        if (value is null)
        {
            if (kind == PhoneEventKind.Voicemail) errors[field] = ["Required for a voicemail."];
            return null;
        }
        // https only: the link is fetched and shown to staff, so a plain-http or relative link is refused, not followed.
        if (Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme == Uri.UriSchemeHttps && uri.UserInfo.Length == 0 && value.Length <= 2000)
            return uri;
        errors[field] = ["An absolute https URL."];
        return null;
    }

    private static string? Transcription(Dictionary<string, string[]> errors, string field, string? value)
    {
        if (errors.ContainsKey(field) || value is null) return null;
        if (value.Length > RequestLimits.Description) errors[field] = [$"At most {RequestLimits.Description} characters."];
        else if (value.Any(c => char.IsControl(c) && c is not ('\t' or '\r' or '\n'))) errors[field] = ["Contains control characters."];
        else return value;
        return null;
    }

    private static void NotInFuture(Dictionary<string, string[]> errors, string field, DateTimeOffset value, DateTimeOffset receivedAt)
    {
        if (value - receivedAt > MaxClockSkew) errors[field] = [$"More than {MaxClockSkew.TotalMinutes:0} minutes in the future."];
    }

    [GeneratedRegex(@"^[A-Za-z0-9._:\-]{1,200}$")]
    private static partial Regex ProviderIdPattern();

    [GeneratedRegex(@"T.*(Z|[+\-]\d{2}:?\d{2})$", RegexOptions.IgnoreCase)]
    private static partial Regex OffsetPattern();
}
