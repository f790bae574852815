using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Xml.Linq;
using Intake.Api.Domain;
using Intake.Api.Endpoints;
using Intake.Api.Phone;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Primitives;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Intake.Tests;

/// <summary>
/// The phone channel's webhooks, signed as Twilio and a generic provider sign them, into requests and triage against
/// real PostgreSQL and RabbitMQ.
/// </summary>
public sealed class PhoneChannelTests(IntakeFixture intake) : IClassFixture<IntakeFixture>
{
    private const string ServiceNumber = "+15557654321";
    private readonly HttpClient _http = intake.App.CreateClient(); // no bearer token: the signature is the proof

    private static string Sid(string prefix) => prefix + Guid.NewGuid().ToString("N");

    /// <summary>A number no other test uses, so the directory finds exactly this test's contact.</summary>
    private static string NewNumber() => "+1555" + Random.Shared.Next(2_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);

    private async Task<(Guid Client, Guid Contact, string Phone, string Email)> KnownCallerAsync()
    {
        var (client, contact, phone) = (Guid.NewGuid(), Guid.NewGuid(), NewNumber());
        var email = $"dana.{client:N}@acme-dental.example";
        await intake.DirectoryAsync(client, 1, true, new ContactSnapshot(contact, "Dana Scully", [email], [phone], 1));
        return (client, contact, phone, email);
    }

    /// <summary>The fields of Twilio's &lt;Record action&gt; request: the call's parameters plus the recording.</summary>
    private static Dictionary<string, StringValues> Recording(string from, string recordingSid, string callSid) => new(StringComparer.Ordinal)
    {
        ["AccountSid"] = "AC0123456789abcdef0123456789abcdef",
        ["CallSid"] = callSid,
        ["From"] = from,
        ["To"] = ServiceNumber,
        ["CallStatus"] = "completed",
        ["Direction"] = "inbound",
        ["RecordingSid"] = recordingSid,
        ["RecordingUrl"] = $"https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/{recordingSid}",
        ["RecordingDuration"] = "42",
    };

    /// <summary>Twilio's transcribeCallback for the same recording.</summary>
    private static Dictionary<string, StringValues> Transcription(string from, string recordingSid, string callSid, string text)
    {
        var fields = Recording(from, recordingSid, callSid);
        fields.Remove("RecordingDuration");
        fields["TranscriptionSid"] = Sid("TR");
        fields["TranscriptionStatus"] = "completed";
        fields["TranscriptionText"] = text;
        return fields;
    }

    /// <summary>Posts a form as Twilio does, signed with <paramref name="token"/> over the public URL Twilio called.</summary>
    private async Task<HttpResponseMessage> PostTwilioAsync(string path, Dictionary<string, StringValues> fields,
        string token = IntakeFixture.TwilioAuthToken, string? signature = null, bool signed = true)
    {
        var pairs = fields.SelectMany(f => f.Value.Select(v => new KeyValuePair<string, string>(f.Key, v ?? "")));
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(pairs) };
        if (signed)
            request.Headers.Add(TwilioSignature.Header, signature ?? TwilioSignature.Compute(token, IntakeFixture.PhonePublicBaseUrl + path, fields));
        return await _http.SendAsync(request);
    }

    /// <summary>Posts a generic provider's JSON event, signed with the provider's secret.</summary>
    private async Task<HttpResponseMessage> PostGenericAsync(object body, DateTimeOffset? sentAt = null, string secret = IntakeFixture.PhoneProviderSecret)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body);
        var unix = (sentAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var delivery = Guid.NewGuid().ToString("N");
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/phone/{IntakeFixture.PhoneProvider}/events")
        {
            Content = new ByteArrayContent(bytes) { Headers = { ContentType = new("application/json") } },
        };
        request.Headers.Add(WebhookVerifier.TimestampHeader, unix.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookVerifier.DeliveryHeader, delivery);
        request.Headers.Add(WebhookVerifier.SignatureHeader, WebhookVerifier.Sign(secret, unix, delivery, bytes));
        return await _http.SendAsync(request);
    }

    private Task<ServiceRequest?> RequestAsync(string externalId) =>
        intake.WithDbAsync(db => db.Requests.IgnoreQueryFilters().SingleOrDefaultAsync(r => r.Channel == "phone" && r.ExternalId == externalId));

    private Task<int> RawPayloadsAsync() => intake.WithDbAsync(db => db.RawPayloads.CountAsync(p => p.Channel == "phone"));

    /// <summary>The published ServiceRequestReceived messages (their "message" part) for one external id.</summary>
    private async Task<List<JsonElement>> PublishedAsync(string externalId) =>
        [.. (await intake.TakePublishedAsync())
            .Select(body => JsonDocument.Parse(body).RootElement.GetProperty("message"))
            .Where(m => m.GetProperty("externalId").GetString() == externalId)];

    /// <summary>A problem details answer with a title and the trace id the refusal was logged with.</summary>
    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("traceId").GetString()));
        return problem;
    }

    [Fact]
    public async Task Inbound_call_is_answered_with_a_greeting_that_records_a_voicemail_and_opens_no_ticket()
    {
        var (_, _, phone, _) = await KnownCallerAsync();
        var callSid = Sid("CA");
        var call = new Dictionary<string, StringValues>(StringComparer.Ordinal)
        {
            ["AccountSid"] = "AC0123456789abcdef0123456789abcdef", ["CallSid"] = callSid, ["From"] = phone, ["To"] = ServiceNumber,
            ["CallStatus"] = "ringing", ["Direction"] = "inbound",
        };

        var response = await PostTwilioAsync(PhoneEndpoints.TwilioCallsPath, call);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var twiml = XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
        Assert.Equal("Response", twiml.Name.LocalName);
        Assert.False(string.IsNullOrWhiteSpace(twiml.Element("Say")?.Value));
        var record = twiml.Element("Record")!;
        Assert.Equal(IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioVoicemailsPath, record.Attribute("action")?.Value);
        Assert.Equal(IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioTranscriptionsPath, record.Attribute("transcribeCallback")?.Value);

        // The call is kept as received, but it is no request: its voicemail will be.
        var payload = await intake.WithDbAsync(db => db.RawPayloads.SingleAsync(p => p.Channel == "phone" && p.Source == "twilio:call"
            && EF.Functions.Like(p.Reason!, $"Call {callSid}%")));
        Assert.Equal(PayloadOutcome.Ignored, payload.Outcome);
        Assert.False(await intake.WithDbAsync(db => db.Requests.IgnoreQueryFilters().AnyAsync(r => r.ContactPhone == phone)));
    }

    [Fact]
    public async Task Voicemail_from_a_known_caller_becomes_one_request_of_their_client_whose_clock_starts_at_the_webhook()
    {
        var (client, contact, phone, email) = await KnownCallerAsync();
        var recordingSid = Sid("RE");
        var fields = Recording(phone, recordingSid, Sid("CA"));
        // The provider says the call was four minutes ago; the clock still starts when the webhook arrives.
        fields["Timestamp"] = DateTimeOffset.UtcNow.AddMinutes(-4).ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

        var before = DateTimeOffset.UtcNow;
        var response = await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, fields);
        var after = DateTimeOffset.UtcNow;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var request = await RequestAsync("twilio:" + recordingSid);
        Assert.NotNull(request);
        Assert.Equal((client, contact, email, phone), (request.ClientId, (Guid?)request.ContactId, request.ContactEmail, request.ContactPhone));
        Assert.InRange(request.ReceivedAt, before.AddMilliseconds(-1), after.AddMilliseconds(1));
        Assert.Contains("42 seconds", request.Description, StringComparison.Ordinal);
        Assert.Contains(fields["RecordingUrl"].ToString(), request.Description, StringComparison.Ordinal);

        // Stored raw before it was parsed, and marked with what it became.
        var payload = await intake.WithDbAsync(db => db.RawPayloads.SingleAsync(p => p.Id == request.RawPayloadId));
        Assert.Equal((PayloadOutcome.Accepted, (Guid?)request.Id), (payload.Outcome, payload.ResultId));
        Assert.Contains($"RecordingSid={recordingSid}", Encoding.UTF8.GetString(payload.Content), StringComparison.Ordinal);

        var message = Assert.Single(await PublishedAsync("twilio:" + recordingSid));
        Assert.Equal(request.Id, message.GetProperty("requestId").GetGuid());
        Assert.Equal("phone", message.GetProperty("channel").GetString());
        Assert.Equal(client, message.GetProperty("clientId").GetGuid());
        Assert.Equal(contact, message.GetProperty("contactId").GetGuid());
        Assert.Equal(phone, message.GetProperty("contactPhone").GetString());
        // The stored time is PostgreSQL's (microseconds); the published one is the same instant.
        Assert.Equal(request.ReceivedAt, message.GetProperty("receivedAt").GetDateTimeOffset(), TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task A_voicemail_on_the_emergency_line_declares_an_emergency_and_one_on_the_service_number_does_not()
    {
        var (_, _, phone, _) = await KnownCallerAsync();
        var (urgent, usual) = (Sid("RE"), Sid("RE"));
        var emergency = Recording(phone, urgent, Sid("CA"));
        emergency["To"] = IntakeFixture.EmergencyNumber;

        Assert.Equal(HttpStatusCode.OK, (await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, emergency)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, Recording(phone, usual, Sid("CA")))).StatusCode);

        Assert.Equal($"phone: voicemail on the emergency line {IntakeFixture.EmergencyNumber}", (await RequestAsync("twilio:" + urgent))!.EmergencyDeclared);
        Assert.Null((await RequestAsync("twilio:" + usual))!.EmergencyDeclared);
        var published = Assert.Single(await PublishedAsync("twilio:" + urgent));
        Assert.Equal($"phone: voicemail on the emergency line {IntakeFixture.EmergencyNumber}", published.GetProperty("emergencyDeclared").GetString());
    }

    /// <summary>The fields of Twilio's voice webhook, or (with <paramref name="digits"/>) of its &lt;Gather action&gt;.</summary>
    private static Dictionary<string, StringValues> Call(string from, string callSid, string to, string? digits = null)
    {
        var fields = new Dictionary<string, StringValues>(StringComparer.Ordinal)
        {
            ["AccountSid"] = "AC0123456789abcdef0123456789abcdef", ["CallSid"] = callSid, ["From"] = from, ["To"] = to,
            ["CallStatus"] = "in-progress", ["Direction"] = "inbound",
        };
        if (digits is not null) fields["Digits"] = digits;
        return fields;
    }

    private static async Task<XElement> TwiMLAsync(HttpResponseMessage response)
    {
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        return XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!;
    }

    [Fact]
    public async Task A_call_to_an_ivr_number_is_asked_to_press_1_for_an_emergency_and_one_to_another_number_is_not()
    {
        var (_, _, phone, _) = await KnownCallerAsync();

        var menu = await TwiMLAsync(await PostTwilioAsync(PhoneEndpoints.TwilioCallsPath, Call(phone, Sid("CA"), IntakeFixture.IvrNumber)));
        var plain = await TwiMLAsync(await PostTwilioAsync(PhoneEndpoints.TwilioCallsPath, Call(phone, Sid("CA"), ServiceNumber)));

        var gather = Assert.Single(menu.Elements());
        Assert.Equal("Gather", gather.Name.LocalName);
        Assert.Equal((IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioChoicesPath, "1", "true"),
            (gather.Attribute("action")?.Value, gather.Attribute("numDigits")?.Value, gather.Attribute("actionOnEmptyResult")?.Value));
        Assert.Contains("press 1", gather.Element("Say")!.Value, StringComparison.Ordinal);
        Assert.Equal(["Say", "Record"], plain.Elements().Select(e => e.Name.LocalName));
    }

    [Fact]
    public async Task Pressing_1_on_the_ivr_records_a_voicemail_that_opens_a_P1_candidate_declared_as_the_ivr_choice()
    {
        var (_, _, phone, _) = await KnownCallerAsync();
        var (callSid, recordingSid) = (Sid("CA"), Sid("RE"));

        var answer = await TwiMLAsync(await PostTwilioAsync(PhoneEndpoints.TwilioChoicesPath, Call(phone, callSid, IntakeFixture.IvrNumber, "1")));

        // The recording's URLs carry the choice; Twilio signs them as it calls them, so nobody else can add it.
        var record = answer.Element("Record")!;
        var voicemails = PhoneEndpoints.TwilioVoicemailsPath + PhoneEndpoints.EmergencyChoiceQuery;
        Assert.Equal(IntakeFixture.PhonePublicBaseUrl + voicemails, record.Attribute("action")?.Value);
        Assert.Equal(IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioTranscriptionsPath + PhoneEndpoints.EmergencyChoiceQuery,
            record.Attribute("transcribeCallback")?.Value);
        Assert.StartsWith("Emergency.", answer.Element("Say")!.Value, StringComparison.Ordinal);
        var choice = await intake.WithDbAsync(db => db.RawPayloads.SingleAsync(p => p.Source == "twilio:choice" && EF.Functions.Like(p.Reason!, $"Call {callSid}%")));
        Assert.Equal(PayloadOutcome.Ignored, choice.Outcome); // the key opens nothing by itself: the voicemail does
        Assert.Contains("chose the emergency (key 1)", choice.Reason, StringComparison.Ordinal);

        var voicemail = Recording(phone, recordingSid, callSid);
        voicemail["To"] = IntakeFixture.IvrNumber;
        voicemail["Digits"] = "hangup"; // what Twilio's <Record action> says ended the recording: not a menu choice
        Assert.Equal(HttpStatusCode.OK, (await PostTwilioAsync(voicemails, voicemail)).StatusCode);

        var declared = $"phone: IVR choice 1 (emergency) on {IntakeFixture.IvrNumber}";
        Assert.Equal(declared, (await RequestAsync("twilio:" + recordingSid))!.EmergencyDeclared);
        Assert.Equal(declared, Assert.Single(await PublishedAsync("twilio:" + recordingSid)).GetProperty("emergencyDeclared").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("2")]
    [InlineData("#")]
    [InlineData("11")]
    public async Task Another_key_or_none_on_the_ivr_falls_back_to_the_usual_voicemail_which_declares_nothing(string? digits)
    {
        var (_, _, phone, _) = await KnownCallerAsync();
        var (callSid, recordingSid) = (Sid("CA"), Sid("RE"));

        var answer = await TwiMLAsync(await PostTwilioAsync(PhoneEndpoints.TwilioChoicesPath, Call(phone, callSid, IntakeFixture.IvrNumber, digits)));

        var record = answer.Element("Record")!;
        Assert.Equal(IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioVoicemailsPath, record.Attribute("action")?.Value);
        var voicemail = Recording(phone, recordingSid, callSid);
        voicemail["To"] = IntakeFixture.IvrNumber;
        Assert.Equal(HttpStatusCode.OK, (await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, voicemail)).StatusCode);
        Assert.Null((await RequestAsync("twilio:" + recordingSid))!.EmergencyDeclared);
    }

    [Fact]
    public async Task Pressing_1_is_no_emergency_on_a_number_without_the_menu()
    {
        var (_, _, phone, _) = await KnownCallerAsync();

        var answer = await TwiMLAsync(await PostTwilioAsync(PhoneEndpoints.TwilioChoicesPath, Call(phone, Sid("CA"), ServiceNumber, "1")));

        Assert.Equal(IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioVoicemailsPath, answer.Element("Record")!.Attribute("action")?.Value);
    }

    [Fact]
    public async Task A_choice_or_an_emergency_mark_not_signed_by_twilio_is_refused_with_401_and_declares_nothing()
    {
        var (_, _, phone, _) = await KnownCallerAsync();
        var recordingSid = Sid("RE");
        var voicemail = Recording(phone, recordingSid, Sid("CA"));
        var payloadsBefore = await RawPayloadsAsync();

        // Signed over the usual voicemail URL, posted with the emergency mark added: the signature covers the query.
        var marked = await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath + PhoneEndpoints.EmergencyChoiceQuery, voicemail,
            signature: TwilioSignature.Compute(IntakeFixture.TwilioAuthToken, IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioVoicemailsPath, voicemail));
        var choice = await PostTwilioAsync(PhoneEndpoints.TwilioChoicesPath, Call(phone, Sid("CA"), IntakeFixture.IvrNumber, "1"),
            token: "fedcba9876543210fedcba9876543210");

        await AssertProblemAsync(marked, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(choice, HttpStatusCode.Unauthorized);
        Assert.Null(await RequestAsync("twilio:" + recordingSid));
        Assert.Equal(payloadsBefore, await RawPayloadsAsync());
    }

    [Fact]
    public async Task A_replayed_voicemail_is_refused_with_the_same_request_and_opens_nothing_more()
    {
        var (_, _, phone, _) = await KnownCallerAsync();
        var recordingSid = Sid("RE");
        var fields = Recording(phone, recordingSid, Sid("CA"));

        var first = await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, fields);
        var replay = await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, fields);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var problem = await AssertProblemAsync(replay, HttpStatusCode.Conflict);
        var request = await RequestAsync("twilio:" + recordingSid);
        Assert.Equal(request!.Id, problem.GetProperty("requestId").GetGuid());
        Assert.Equal(1, await intake.WithDbAsync(db => db.Requests.IgnoreQueryFilters().CountAsync(r => r.ContactPhone == phone)));
        Assert.Single(await PublishedAsync("twilio:" + recordingSid));
        // The replay was kept too, as a duplicate of the request.
        Assert.Equal(2, await intake.WithDbAsync(db => db.RawPayloads.CountAsync(p => p.ResultId == request.Id)));
    }

    public static TheoryData<string> Forgeries => ["missing-signature", "wrong-token", "tampered-body", "other-url"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task A_voicemail_with_a_bad_signature_is_refused_with_401_and_stores_nothing(string forgery)
    {
        var (_, _, phone, _) = await KnownCallerAsync();
        var recordingSid = Sid("RE");
        var fields = Recording(phone, recordingSid, Sid("CA"));
        var payloadsBefore = await RawPayloadsAsync();

        var response = forgery switch
        {
            "missing-signature" => await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, fields, signed: false),
            "wrong-token" => await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, fields, token: "fedcba9876543210fedcba9876543210"),
            "tampered-body" => await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, new(fields) { ["RecordingDuration"] = "1" },
                signature: TwilioSignature.Compute(IntakeFixture.TwilioAuthToken, IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioVoicemailsPath, fields)),
            // Signed for the call URL, posted to the voicemail URL.
            _ => await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, fields,
                signature: TwilioSignature.Compute(IntakeFixture.TwilioAuthToken, IntakeFixture.PhonePublicBaseUrl + PhoneEndpoints.TwilioCallsPath, fields)),
        };

        await AssertProblemAsync(response, HttpStatusCode.Unauthorized);
        Assert.Null(await RequestAsync("twilio:" + recordingSid));
        Assert.Equal(payloadsBefore, await RawPayloadsAsync());
        Assert.Empty(await PublishedAsync("twilio:" + recordingSid));
    }

    [Fact]
    public async Task A_malformed_voicemail_gets_400_naming_the_field_and_is_kept_in_quarantine()
    {
        var (_, _, phone, _) = await KnownCallerAsync();
        var recordingSid = Sid("RE");
        var fields = Recording(phone, recordingSid, Sid("CA"));
        fields["RecordingUrl"] = "http://insecure.example/recording.mp3";

        var response = await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, fields);

        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("errors").TryGetProperty("RecordingUrl", out _));
        var payload = await intake.WithDbAsync(db => db.RawPayloads.SingleAsync(p => p.Id == problem.GetProperty("payloadId").GetGuid()));
        Assert.Equal(PayloadOutcome.Quarantined, payload.Outcome);
        Assert.Contains(recordingSid, Encoding.UTF8.GetString(payload.Content), StringComparison.Ordinal);
        Assert.Null(await RequestAsync("twilio:" + recordingSid));
    }

    [Theory]
    [InlineData("anonymous")]
    [InlineData("+266696687")]
    [InlineData("")]
    public async Task A_voicemail_from_a_withheld_number_waits_in_triage_with_the_reason(string from)
    {
        var recordingSid = Sid("RE");

        var response = await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, Recording(from, recordingSid, Sid("CA")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = await intake.WithDbAsync(db => db.Triage.SingleAsync(t => t.Channel == "phone" && t.ExternalId == "twilio:" + recordingSid));
        Assert.Equal(PhoneIntake.WithheldReason, item.Reason);
        Assert.Null(item.SenderPhone);
        Assert.Contains("withheld", item.Subject, StringComparison.Ordinal);
        Assert.Null(await RequestAsync("twilio:" + recordingSid));
        Assert.Empty(await PublishedAsync("twilio:" + recordingSid));
    }

    [Fact]
    public async Task A_late_transcription_is_a_follow_up_threaded_to_the_voicemail_ticket_not_a_second_ticket()
    {
        var (client, _, phone, email) = await KnownCallerAsync();
        var (recordingSid, callSid) = (Sid("RE"), Sid("CA"));
        Assert.Equal(HttpStatusCode.OK, (await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, Recording(phone, recordingSid, callSid))).StatusCode);
        var voicemail = await RequestAsync("twilio:" + recordingSid);

        var transcription = Transcription(phone, recordingSid, callSid, "Hi, the server room is flooding. Call me back.");
        var response = await PostTwilioAsync(PhoneEndpoints.TwilioTranscriptionsPath, transcription);
        var replay = await PostTwilioAsync(PhoneEndpoints.TwilioTranscriptionsPath, transcription);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        await AssertProblemAsync(replay, HttpStatusCode.Conflict);
        var followUp = await RequestAsync(PhoneIntake.TranscriptionPrefix + "twilio:" + recordingSid);
        Assert.NotNull(followUp);
        Assert.Equal((voicemail!.Id, client, email), (followUp.ThreadTicketId, followUp.ClientId, followUp.ContactEmail));
        Assert.Contains("the server room is flooding", followUp.Description, StringComparison.Ordinal);
        // The voicemail, and one follow-up for the two transcription callbacks.
        Assert.Equal(2, await intake.WithDbAsync(db => db.Requests.IgnoreQueryFilters().CountAsync(r => r.ContactPhone == phone)));

        var published = await intake.TakePublishedAsync();
        var message = Assert.Single(published.Select(b => JsonDocument.Parse(b).RootElement.GetProperty("message")),
            m => m.GetProperty("externalId").GetString() == PhoneIntake.TranscriptionPrefix + "twilio:" + recordingSid);
        Assert.Equal(followUp.Id, message.GetProperty("requestId").GetGuid());
        Assert.Equal(voicemail.Id, message.GetProperty("thread").GetProperty("ticketId").GetGuid());
    }

    [Fact]
    public async Task A_transcription_that_arrives_first_opens_the_voicemail_ticket_once_with_its_text()
    {
        var (client, _, phone, _) = await KnownCallerAsync();
        var (recordingSid, callSid) = (Sid("RE"), Sid("CA"));

        var transcription = await PostTwilioAsync(PhoneEndpoints.TwilioTranscriptionsPath,
            Transcription(phone, recordingSid, callSid, "Printer on floor 2 is down."));
        var recording = await PostTwilioAsync(PhoneEndpoints.TwilioVoicemailsPath, Recording(phone, recordingSid, callSid));

        Assert.Equal(HttpStatusCode.OK, transcription.StatusCode);
        await AssertProblemAsync(recording, HttpStatusCode.Conflict);
        var voicemail = await RequestAsync("twilio:" + recordingSid);
        Assert.Equal(client, voicemail!.ClientId);
        Assert.Contains("Printer on floor 2 is down.", voicemail.Description, StringComparison.Ordinal);
        Assert.Null(await RequestAsync(PhoneIntake.TranscriptionPrefix + "twilio:" + recordingSid));
    }

    [Fact]
    public async Task A_generic_provider_signs_with_hmac_sha256_and_a_stale_signature_is_refused()
    {
        var (client, _, phone, _) = await KnownCallerAsync();
        var id = $"vm-{Guid.NewGuid():N}";
        var body = new
        {
            id, kind = "voicemail", from = phone, to = ServiceNumber, occurredAt = DateTimeOffset.UtcNow.AddMinutes(-1).ToString("O"),
            durationSeconds = 17, recordingUrl = "https://pbx.example.net/recordings/1.mp3",
        };

        var stale = await PostGenericAsync(body, sentAt: DateTimeOffset.UtcNow.AddMinutes(-10));
        var forged = await PostGenericAsync(body, secret: "not-the-secret-of-the-pbx-provider-at-all");
        Assert.Null(await RequestAsync($"{IntakeFixture.PhoneProvider}:{id}"));
        var accepted = await PostGenericAsync(body);

        await AssertProblemAsync(stale, HttpStatusCode.Unauthorized);
        await AssertProblemAsync(forged, HttpStatusCode.Unauthorized);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var outcome = await accepted.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("accepted", outcome.GetProperty("outcome").GetString());
        var request = await RequestAsync($"{IntakeFixture.PhoneProvider}:{id}");
        Assert.Equal((outcome.GetProperty("resultId").GetGuid(), client), (request!.Id, request.ClientId));
    }
}
