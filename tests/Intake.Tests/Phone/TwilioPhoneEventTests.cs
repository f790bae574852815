using Intake.Api.Phone;
using Microsoft.Extensions.Primitives;

namespace Intake.Tests.Phone;

/// <summary>Twilio's voice webhooks (form fields) into <see cref="PhoneEvent"/>, or a 400 naming the field.</summary>
public sealed class TwilioPhoneEventTests
{
    private static readonly DateTimeOffset ReceivedAt = new(2026, 11, 24, 10, 0, 0, TimeSpan.Zero);
    private const string CallSid = "CA0123456789abcdef0123456789abcdef";
    private const string RecordingSid = "RE0123456789abcdef0123456789abcdef";
    private const string TranscriptionSid = "TR0123456789abcdef0123456789abcdef";
    private const string RecordingUrl = "https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/" + RecordingSid;

    private static Dictionary<string, StringValues> InboundCall() => new(StringComparer.Ordinal)
    {
        ["CallSid"] = CallSid,
        ["AccountSid"] = "AC0123456789abcdef0123456789abcdef", // fields the parser does not use are ignored
        ["From"] = "+15551234567",
        ["To"] = "+15557654321",
        ["CallStatus"] = "ringing",
        ["Direction"] = "inbound",
    };

    private static Dictionary<string, StringValues> RecordingCallback()
    {
        var fields = InboundCall();
        fields["CallStatus"] = "completed";
        fields["RecordingSid"] = RecordingSid;
        fields["RecordingUrl"] = RecordingUrl;
        fields["RecordingDuration"] = "42";
        return fields;
    }

    private static (PhoneEvent? Event, Dictionary<string, string[]> Errors) Parse(Dictionary<string, StringValues> fields) =>
        PhoneEventParser.FromTwilio(fields, ReceivedAt, defaultCountryCode: "1");

    [Fact]
    public void Inbound_call_webhook_is_a_call_keyed_by_CallSid_at_the_time_received()
    {
        var (phoneEvent, errors) = Parse(InboundCall());

        Assert.Empty(errors);
        Assert.Equal(new PhoneEvent(PhoneEventKind.Call, CallSid, "+15551234567", "+15557654321", ReceivedAt, null, null, null), phoneEvent);
    }

    [Fact]
    public void Status_callback_brings_its_own_time_and_duration()
    {
        var fields = InboundCall();
        fields["CallStatus"] = "completed";
        fields["Timestamp"] = "Tue, 24 Nov 2026 09:58:30 +0000";
        fields["CallDuration"] = "75";

        var (phoneEvent, _) = Parse(fields);

        Assert.Equal(new DateTimeOffset(2026, 11, 24, 9, 58, 30, TimeSpan.Zero), phoneEvent!.OccurredAt);
        Assert.Equal(75, phoneEvent.DurationSeconds);
    }

    [Fact]
    public void National_numbers_take_the_default_country_code()
    {
        var fields = InboundCall();
        fields["From"] = "(555) 123-4567";

        Assert.Equal("+15551234567", Parse(fields).Event!.CallerNumber);
    }

    [Fact]
    public void Recording_callback_is_a_voicemail_keyed_by_RecordingSid()
    {
        var (phoneEvent, errors) = Parse(RecordingCallback());

        Assert.Empty(errors);
        Assert.Equal(PhoneEventKind.Voicemail, phoneEvent!.Kind);
        Assert.Equal(RecordingSid, phoneEvent.ProviderId);
        Assert.Equal(42, phoneEvent.DurationSeconds);
        Assert.Equal(new Uri(RecordingUrl), phoneEvent.RecordingUrl);
        Assert.Null(phoneEvent.Transcription);
    }

    [Fact]
    public void Later_transcription_callback_carries_the_text_under_the_same_RecordingSid()
    {
        var fields = RecordingCallback();
        fields.Remove("RecordingDuration");
        fields["TranscriptionSid"] = TranscriptionSid;
        fields["TranscriptionStatus"] = "completed";
        fields["TranscriptionText"] = "Hi, the printer on floor 2 is on fire.\nCall me back.";

        var (phoneEvent, errors) = Parse(fields);

        Assert.Empty(errors);
        Assert.Equal(RecordingSid, phoneEvent!.ProviderId);
        Assert.Equal("Hi, the printer on floor 2 is on fire.\nCall me back.", phoneEvent.Transcription);
    }

    /// <summary>Each case changes one field of a valid request (null removes it) and expects exactly that field's error.</summary>
    public static TheoryData<bool, string, string?, string> BadFields => new()
    {
        { false, "CallSid", null, "Required." },
        { false, "CallSid", "CA1234567890ABCDE", "'CA' followed by 32 hexadecimal digits" },
        { false, "CallSid", RecordingSid, "'CA' followed by 32 hexadecimal digits" },
        { false, "From", null, "Required." },
        { false, "From", "call me", "Only digits" },
        { false, "To", "123", "10 digits" },
        { false, "CallStatus", "exploded", "One of queued, ringing" },
        { false, "Timestamp", "yesterday", "RFC 1123" },
        { false, "Timestamp", "Tue, 24 Nov 2026 10:30:00 +0000", "in the future" },
        { false, "CallDuration", "-1", "Whole seconds" },
        { false, "CallDuration", "90000", "Whole seconds" },
        { true, "RecordingSid", null, "Required." },
        { true, "RecordingSid", "RE123", "'RE' followed by 32 hexadecimal digits" },
        { true, "RecordingUrl", null, "Required for a voicemail." },
        { true, "RecordingUrl", "http://api.twilio.com/2010-04-01/Recordings/RE1", "absolute https URL" },
        { true, "RecordingUrl", "/2010-04-01/Recordings/RE1", "absolute https URL" },
        { true, "RecordingDuration", "4.5", "Whole seconds" },
        { true, "TranscriptionSid", "TRnothex", "'TR' followed by 32 hexadecimal digits" },
        { true, "TranscriptionText", "nul\0byte", "control characters" },
    };

    [Theory]
    [MemberData(nameof(BadFields))]
    public void Bad_field_is_a_validation_error_naming_it(bool voicemail, string field, string? value, string message)
    {
        var fields = voicemail ? RecordingCallback() : InboundCall();
        if (value is null) fields.Remove(field);
        else fields[field] = value;

        var (phoneEvent, errors) = Parse(fields);

        Assert.Null(phoneEvent);
        Assert.Equal([field], errors.Keys);
        Assert.Contains(message, Assert.Single(errors[field]), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("anonymous")]
    [InlineData("Anonymous")]
    [InlineData("+266696687")]
    [InlineData("")]
    public void Withheld_caller_is_an_event_without_a_number_not_an_error(string from)
    {
        var fields = RecordingCallback();
        fields["From"] = from;

        var (phoneEvent, errors) = Parse(fields);

        Assert.Empty(errors);
        Assert.Null(phoneEvent!.CallerNumber);
    }

    [Fact]
    public void Field_given_twice_is_an_error_not_a_choice()
    {
        var fields = InboundCall();
        fields["From"] = new StringValues(["+15551234567", "+15559999999"]);

        var (phoneEvent, errors) = Parse(fields);

        Assert.Null(phoneEvent);
        Assert.Equal(["Given more than once."], errors["From"]);
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var (_, errors) = PhoneEventParser.FromTwilio(new Dictionary<string, StringValues>(), ReceivedAt, "1");

        Assert.Equal(["CallSid", "From", "To"], errors.Keys.Order(StringComparer.Ordinal));
    }
}
