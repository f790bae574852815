using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Intake.Api.Phone;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Intake.Tests.Phone;

/// <summary>Other providers' JSON webhooks, signed with the channel's secret like any integrator channel.</summary>
public sealed class GenericPhoneEventTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);

    private static JsonObject Voicemail() => new()
    {
        ["id"] = "vm-2026-11-24:0001",
        ["kind"] = "voicemail",
        ["from"] = "(555) 123-4567",
        ["to"] = "+1 555 765 4321",
        ["occurredAt"] = "2026-11-24T04:58:00-05:00",
        ["durationSeconds"] = 42,
        ["recordingUrl"] = "https://pbx.example.net/recordings/0001.mp3",
        ["transcription"] = "Printer is down again.",
        ["carrier"] = "ignored: providers may send more",
    };

    private static (PhoneEvent? Event, Dictionary<string, string[]> Errors) Parse(string json) =>
        PhoneEventParser.FromGeneric(Encoding.UTF8.GetBytes(json), ReceivedAt, defaultCountryCode: "1");

    [Fact]
    public void Voicemail_body_becomes_a_phone_event()
    {
        var (phoneEvent, errors) = Parse(Voicemail().ToJsonString());

        Assert.Empty(errors);
        Assert.Equal(new PhoneEvent(PhoneEventKind.Voicemail, "vm-2026-11-24:0001", "+15551234567", "+15557654321",
            new DateTimeOffset(2026, 11, 24, 9, 58, 0, TimeSpan.Zero), 42, new Uri("https://pbx.example.net/recordings/0001.mp3"),
            "Printer is down again."), phoneEvent);
    }

    [Fact]
    public void Call_needs_only_id_kind_numbers_and_time()
    {
        var (phoneEvent, errors) = Parse("""{"id":"c1","kind":"call","from":"+15551234567","to":"+15557654321","occurredAt":"2026-11-24T09:59:00Z"}""");

        Assert.Empty(errors);
        Assert.Equal(PhoneEventKind.Call, phoneEvent!.Kind);
        Assert.Null(phoneEvent.DurationSeconds);
        Assert.Null(phoneEvent.RecordingUrl);
        Assert.Null(phoneEvent.Transcription);
    }

    /// <summary>Each case sets one property of a valid voicemail to some JSON (null removes it) and expects exactly that field's error.</summary>
    public static TheoryData<string, string?, string> BadFields => new()
    {
        { "id", null, "Required." },
        { "id", "\"two words\"", "letters, digits" },
        { "id", $"\"{new string('a', 201)}\"", "1-200 characters" },
        { "id", "7", "Must be a string." },
        { "kind", null, "Required." },
        { "kind", "\"sms\"", "One of call, voicemail." },
        { "kind", "\"Voicemail\"", "One of call, voicemail." },
        { "from", "\"call me\"", "Only digits" },
        { "from", "15551234567", "Must be a string." },
        { "to", null, "Required." },
        { "occurredAt", null, "Required." },
        { "occurredAt", "\"2026-11-24T10:00:00\"", "with Z or an offset" },
        { "occurredAt", "\"last tuesday\"", "with Z or an offset" },
        { "occurredAt", "\"2026-11-24T10:30:00Z\"", "in the future" },
        { "durationSeconds", "-1", "Whole seconds" },
        { "durationSeconds", "1.5", "Whole seconds" },
        { "durationSeconds", "\"42\"", "Whole seconds" },
        { "recordingUrl", null, "Required for a voicemail." },
        { "recordingUrl", "\"http://pbx.example.net/0001.mp3\"", "absolute https URL" },
        { "recordingUrl", "\"javascript:alert(1)\"", "absolute https URL" },
        { "transcription", "5", "Must be a string." },
        { "transcription", "\"bell\\u0007\"", "control characters" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void Bad_field_is_a_validation_error_naming_it(string field, string? json, string message)
    {
        var body = Voicemail();
        if (json is null) body.Remove(field);
        else body[field] = JsonNode.Parse(json);

        var (phoneEvent, errors) = Parse(body.ToJsonString());

        Assert.Null(phoneEvent);
        Assert.Equal([field], errors.Keys);
        Assert.Contains(message, Assert.Single(errors[field]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"anonymous\"")]
    [InlineData("\"\"")]
    [InlineData("\"+266696687\"")]
    public void Withheld_caller_is_an_event_without_a_number_not_an_error(string json)
    {
        var body = Voicemail();
        body["from"] = JsonNode.Parse(json);

        var (phoneEvent, errors) = Parse(body.ToJsonString());

        Assert.Empty(errors);
        Assert.Null(phoneEvent!.CallerNumber);
    }

    [Theory]
    [InlineData("", "Not valid JSON")]
    [InlineData("{\"id\": ", "Not valid JSON")]
    [InlineData("[1, 2]", "Must be a JSON object.")]
    [InlineData("\"call\"", "Must be a JSON object.")]
    [InlineData("""{"id":"a","id":"b","kind":"call","from":"+15551234567","to":"+15557654321","occurredAt":"2026-11-24T09:59:00Z"}""", "Not valid JSON")]
    public void Body_that_is_not_one_json_object_is_a_body_error(string json, string message)
    {
        var (phoneEvent, errors) = Parse(json);

        Assert.Null(phoneEvent);
        Assert.Contains(message, Assert.Single(errors["body"]), StringComparison.Ordinal);
    }

    [Fact]
    public void Call_may_carry_a_recording_but_a_voicemail_must()
    {
        var call = Voicemail();
        call["kind"] = "call";
        call.Remove("recordingUrl");

        Assert.Empty(Parse(call.ToJsonString()).Errors);
    }

    [Fact]
    public async Task Body_signed_with_the_channel_secret_verifies_with_the_existing_webhook_verifier_then_parses()
    {
        const string secret = "a-long-shared-secret-for-the-pbx-phone-channel";
        var clock = new FixedClock(ReceivedAt);
        var channels = new ChannelsOptions { ["pbx-phone"] = new ChannelSettings { Secret = secret, ClientIds = [Guid.NewGuid()] } };
        var body = Encoding.UTF8.GetBytes(Voicemail().ToJsonString());
        var unix = ReceivedAt.ToUnixTimeSeconds();
        var request = new DefaultHttpContext().Request;
        request.Method = "POST";
        request.Body = new MemoryStream(body);
        request.Headers[WebhookVerifier.TimestampHeader] = unix.ToString(CultureInfo.InvariantCulture);
        request.Headers[WebhookVerifier.DeliveryHeader] = "vm-0001";
        request.Headers[WebhookVerifier.SignatureHeader] = WebhookVerifier.Sign(secret, unix, "vm-0001", body);

        var (delivery, problem) = await new WebhookVerifier(Options.Create(channels), clock).VerifyAsync("pbx-phone", request, CancellationToken.None);
        var (phoneEvent, errors) = PhoneEventParser.FromGeneric(delivery!.Body, clock.GetUtcNow(), "1");

        Assert.Null(problem);
        Assert.Empty(errors);
        Assert.Equal("vm-2026-11-24:0001", phoneEvent!.ProviderId);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
