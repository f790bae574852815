using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>
/// The phone channel through the gateway and RabbitMQ, called as Twilio calls it: a known caller's voicemail opens an
/// acknowledged ticket for their client, and its transcription, arriving later, is added to that ticket.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class PhoneJourneyTests(RunningSystem system)
{
    private const string VoicemailsPath = "/api/channels/phone/twilio/voicemails";
    private const string TranscriptionsPath = "/api/channels/phone/twilio/transcriptions";
    private const string ServiceNumber = "+15557654321";
    private const string AccountSid = "AC0123456789abcdef0123456789abcdef";

    [Fact]
    public async Task Voicemail_from_a_contacts_number_opens_an_acknowledged_ticket_and_its_transcription_is_added_to_it()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var (email, phone) = ($"lee.{Guid.NewGuid():N}@lakeside-vets.example", ClientDirectory.NewPhone());
        var client = await ClientDirectory.NewClientAsync(system, dispatcher, $"Lakeside Vets {Guid.NewGuid():N}");
        await ClientDirectory.AddContactAsync(system, dispatcher, client, "Lee Park", email, phone);
        var (callSid, recordingSid) = ($"CA{Guid.NewGuid():N}", $"RE{Guid.NewGuid():N}");
        var recordingUrl = $"https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Recordings/{recordingSid}";

        // 1. The caller leaves a message; Twilio posts the <Record action> to the gateway's public URL. Twilio only
        //    needs to hear that it was received: an empty TwiML document.
        using var twilio = system.Client();
        var voicemail = await TwilioWebhook.PostAsync(twilio, VoicemailsPath, Recording(phone, callSid, recordingSid, recordingUrl),
            RunningSystem.TwilioAuthToken);
        Assert.True(voicemail.StatusCode == HttpStatusCode.OK, $"{(int)voicemail.StatusCode}: {await voicemail.Content.ReadAsStringAsync()}");
        var twiml = XDocument.Parse(await voicemail.Content.ReadAsStringAsync()).Root!;
        Assert.Equal(("Response", 0), (twiml.Name.LocalName, twiml.Elements().Count()));

        // 2. The caller's number found the contact: a phone ticket for their client, answered by email.
        var ticketId = (await Eventually.GetAsync(async () => (await QueueAsync(dispatcher, client)).SingleOrDefault() is { ValueKind: JsonValueKind.Object } item
            ? (object)item.GetProperty("id").GetGuid() : null, "the voicemail's ticket", explain: () => system.Output) as Guid?)!.Value;
        var ticket = await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets/{ticketId}", UriKind.Relative));
        Assert.Equal(("phone", client, email), (ticket.GetProperty("channel").GetString(), ticket.GetProperty("clientId").GetGuid(),
            ticket.GetProperty("contact").GetProperty("email").GetString()));
        Assert.Equal($"Voicemail from {phone}", ticket.GetProperty("subject").GetString());
        Assert.Contains(recordingUrl, ticket.GetProperty("description").GetString(), StringComparison.Ordinal);
        var number = ticket.GetProperty("number").GetInt64();

        var acknowledgement = await Eventually.GetAsync(() => Task.FromResult(
            system.Mail.Messages().SingleOrDefault(m => m.To.Mailboxes.Any(to => to.Address == email))), "the acknowledgement",
            explain: () => system.Output);
        Assert.Contains($"[SD#{number}]", acknowledgement.Subject, StringComparison.Ordinal);
        await Eventually.TrueAsync(async () => (await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets/{ticketId}", UriKind.Relative)))
            .GetProperty("status").GetString() == "Acknowledged", "the ticket to be acknowledged", explain: () => system.Output);

        // 3. Minutes later Twilio's transcribeCallback for the same recording: a message on the same ticket.
        const string text = "Hi, this is Lee from Lakeside Vets. The X-ray workstation will not boot, please call back.";
        var transcription = await TwilioWebhook.PostAsync(twilio, TranscriptionsPath, Transcription(phone, callSid, recordingSid, recordingUrl, text),
            RunningSystem.TwilioAuthToken);
        Assert.True(transcription.StatusCode == HttpStatusCode.OK, $"{(int)transcription.StatusCode}: {await transcription.Content.ReadAsStringAsync()}");

        var message = await Eventually.GetAsync(async () =>
            (await dispatcher.GetFromJsonAsync<JsonElement[]>(new Uri($"/api/tickets/{ticketId}/conversation", UriKind.Relative)))!
            .Where(m => m.GetProperty("kind").GetString() == "ClientMessage").Select(m => (object)m).SingleOrDefault(), "the transcription on the ticket",
            explain: () => system.Output) is JsonElement m ? m : default;
        Assert.Equal("phone", message.GetProperty("channel").GetString());
        Assert.Contains(text, message.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal($"the same conversation on its channel (SD#{number})", message.GetProperty("matchedBy").GetString());

        // 4. Twilio retries the callback (it did not hear our answer): refused as a replay, and still one ticket, one message.
        var retry = await TwilioWebhook.PostAsync(twilio, TranscriptionsPath, Transcription(phone, callSid, recordingSid, recordingUrl, text),
            RunningSystem.TwilioAuthToken);
        Assert.Equal(HttpStatusCode.Conflict, retry.StatusCode);
        var only = Assert.Single(await QueueAsync(dispatcher, client));
        Assert.Equal(ticketId, only.GetProperty("id").GetGuid());
        Assert.Single((await dispatcher.GetFromJsonAsync<JsonElement[]>(new Uri($"/api/tickets/{ticketId}/conversation", UriKind.Relative)))!,
            m => m.GetProperty("kind").GetString() == "ClientMessage");
    }

    [Fact]
    public async Task A_voicemail_not_signed_with_the_accounts_auth_token_gets_401_and_opens_nothing()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var (email, phone) = ($"kim.{Guid.NewGuid():N}@lakeside-vets.example", ClientDirectory.NewPhone());
        var client = await ClientDirectory.NewClientAsync(system, dispatcher, $"Lakeside Vets {Guid.NewGuid():N}");
        await ClientDirectory.AddContactAsync(system, dispatcher, client, "Kim Lee", email, phone);
        var recordingSid = $"RE{Guid.NewGuid():N}";
        var recording = Recording(phone, $"CA{Guid.NewGuid():N}", recordingSid, $"https://api.twilio.com/2010-04-01/Accounts/{AccountSid}/Recordings/{recordingSid}");

        using var forger = system.Client();
        var forged = await TwilioWebhook.PostAsync(forger, VoicemailsPath, recording, authToken: new string('f', 32));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        // The signed one that follows is the first the system sees: had the forgery been stored, this would be a 409 replay.
        var signed = await TwilioWebhook.PostAsync(forger, VoicemailsPath, recording, RunningSystem.TwilioAuthToken);
        Assert.Equal(HttpStatusCode.OK, signed.StatusCode);
    }

    [Fact]
    public void The_tests_sign_as_Twilio_documents_it()
    {
        // The worked example of Twilio's webhook-security page (auth token 12345), pinned by intake's and the SMS channel's tests too.
        KeyValuePair<string, string>[] parameters =
            [new("To", "+18005551212"), new("CallSid", "CA1234567890ABCDE"), new("Digits", "1234"), new("From", "+12349013030"), new("Caller", "+12349013030")];
        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", TwilioWebhook.Sign("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", parameters));
    }

    private static async Task<JsonElement[]> QueueAsync(HttpClient dispatcher, Guid client) =>
        [.. (await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets?clientId={client}&status=any", UriKind.Relative)))
            .GetProperty("items").EnumerateArray()];

    /// <summary>The fields of Twilio's &lt;Record action&gt; request: the call's parameters plus the recording.</summary>
    private static List<KeyValuePair<string, string>> Recording(string from, string callSid, string recordingSid, string recordingUrl) =>
    [
        new("AccountSid", AccountSid), new("CallSid", callSid), new("From", from), new("To", ServiceNumber), new("CallStatus", "completed"),
        new("Direction", "inbound"), new("RecordingSid", recordingSid), new("RecordingUrl", recordingUrl), new("RecordingDuration", "17"),
    ];

    /// <summary>Twilio's transcribeCallback for the same recording.</summary>
    private static List<KeyValuePair<string, string>> Transcription(string from, string callSid, string recordingSid, string recordingUrl, string text) =>
    [
        .. Recording(from, callSid, recordingSid, recordingUrl).Where(f => f.Key != "RecordingDuration"),
        new("TranscriptionSid", $"TR{recordingSid[2..]}"), new("TranscriptionStatus", "completed"), new("TranscriptionText", text),
    ];
}
