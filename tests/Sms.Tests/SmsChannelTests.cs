using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Testing;

namespace Sms.Tests;

/// <summary>
/// A text message posted by Twilio to the SMS channel ends as one ServiceRequestReceived on RabbitMQ, published by an
/// intake that knows nothing of SMS but its "Channels:sms" settings.
/// </summary>
public sealed class SmsChannelTests(SmsFixture fixture) : IClassFixture<SmsFixture>
{
    private readonly HttpClient _sms = fixture.Sms.CreateClient();

    private static JsonElement Message(string published) => JsonDocument.Parse(published).RootElement.GetProperty("message");

    [Fact]
    public async Task Text_from_a_known_number_becomes_a_request_on_the_sms_channel_for_that_contact()
    {
        await fixture.TakePublishedAsync();
        var sid = SmsFixture.NewSid();
        var text = "The card reader at reception is dead again and it is 10 minutes to opening\nCan someone call me?";

        var response = await SmsFixture.PostTwilioAsync(_sms, SmsFixture.InboundSms(text, messageSid: sid));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Response", System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.Name.LocalName);
        Assert.True(System.Xml.Linq.XDocument.Parse(await response.Content.ReadAsStringAsync()).Root!.IsEmpty);

        var message = Message(Assert.Single(await fixture.TakePublishedAsync()));
        Assert.Equal("sms", message.GetProperty("channel").GetString());
        Assert.Equal(SmsFixture.KnownPhone, message.GetProperty("contactPhone").GetString());
        Assert.Equal(Intake.Api.Data.IntakeDbContext.DemoClientId, message.GetProperty("clientId").GetGuid());
        Assert.Equal(fixture.KnownContactId, message.GetProperty("contactId").GetGuid());
        Assert.Equal(SmsFixture.KnownEmail, message.GetProperty("contactEmail").GetString());
        Assert.Equal(sid, message.GetProperty("externalId").GetString());
        Assert.Equal("The card reader at reception is dead again and it is 10 min…", message.GetProperty("subject").GetString());
        Assert.Equal(60, message.GetProperty("subject").GetString()!.Length);
        Assert.Equal(text, message.GetProperty("description").GetString());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("thread").ValueKind);
    }

    [Fact]
    public async Task An_acknowledgement_word_from_a_number_no_page_went_to_is_a_request_as_any_other_text()
    {
        await fixture.TakePublishedAsync();

        // The channel offers "ACK" to notify first (docs/adr/0046); nobody answers it as a page reply here, so intake gets it.
        var response = await SmsFixture.PostTwilioAsync(_sms, SmsFixture.InboundSms(" ack "));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SmsFixture.KnownPhone, Message(Assert.Single(await fixture.TakePublishedAsync())).GetProperty("contactPhone").GetString());
    }

    [Fact]
    public async Task Ticket_number_quoted_in_the_text_travels_as_a_thread_hint()
    {
        await fixture.TakePublishedAsync();

        var response = await SmsFixture.PostTwilioAsync(_sms, SmsFixture.InboundSms("Re sd# 1234: still no sound in room B"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Message(Assert.Single(await fixture.TakePublishedAsync()));
        Assert.Equal(1234, message.GetProperty("thread").GetProperty("ticketNumber").GetInt64());
        Assert.Equal("Re sd# 1234: still no sound in room B", message.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Provider_resending_the_same_message_gets_ok_each_time_and_it_is_one_request()
    {
        await fixture.TakePublishedAsync();
        var storedBefore = await fixture.StoredRequestsAsync();
        var form = SmsFixture.InboundSms("Projector in the boardroom shows no signal");

        var first = await SmsFixture.PostTwilioAsync(_sms, form);
        var retry = await SmsFixture.PostTwilioAsync(_sms, form);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, retry.StatusCode); // not an error to the provider: it must stop retrying
        Assert.Single(await fixture.TakePublishedAsync());
        Assert.Equal(storedBefore + 1, await fixture.StoredRequestsAsync());
    }

    [Fact]
    public async Task Picture_message_without_text_still_becomes_a_request_listing_its_media()
    {
        await fixture.TakePublishedAsync();
        var form = SmsFixture.InboundSms("");
        form.RemoveAll(p => p.Key == "NumMedia");
        form.AddRange([new("NumMedia", "1"), new("MediaContentType0", "image/jpeg"),
            new("MediaUrl0", "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1")]);

        var response = await SmsFixture.PostTwilioAsync(_sms, form);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var message = Message(Assert.Single(await fixture.TakePublishedAsync()));
        Assert.Equal($"Picture message from {SmsFixture.KnownPhone}", message.GetProperty("subject").GetString());
        Assert.Contains("image/jpeg https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1",
            message.GetProperty("description").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Text_from_an_unknown_number_is_kept_in_triage_and_the_provider_is_answered()
    {
        await fixture.TakePublishedAsync();
        var sid = SmsFixture.NewSid();

        var response = await SmsFixture.PostTwilioAsync(_sms, SmsFixture.InboundSms("Hi, is this the help desk?", from: "+15550109999", messageSid: sid));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var item = await fixture.WithIntakeDbAsync(db => db.Triage.SingleAsync(t => t.ExternalId == sid));
        Assert.Equal(("sms", "+15550109999"), (item.Channel, item.SenderPhone));
        Assert.Empty(await fixture.TakePublishedAsync());
    }

    public static TheoryData<string> Forgeries => ["wrong-token", "no-signature", "tampered-body", "other-url", "added-field"];

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Badly_signed_post_is_refused_and_nothing_reaches_intake(string forgery)
    {
        await fixture.TakePublishedAsync();
        var storedBefore = await fixture.StoredRequestsAsync();
        var triagedBefore = await fixture.WithIntakeDbAsync(db => db.Triage.CountAsync());
        var form = SmsFixture.InboundSms("Please reset my password");
        var tampered = form.Select(p => p.Key == "Body" ? new KeyValuePair<string, string>("Body", "Please reset the CEO's password") : p).ToList();

        var response = forgery switch
        {
            "wrong-token" => await SmsFixture.PostTwilioAsync(_sms, form, token: "not-the-account-token"),
            "no-signature" => await SmsFixture.PostTwilioAsync(_sms, form, sign: false),
            "tampered-body" => await SmsFixture.PostTwilioAsync(_sms, form, sent: tampered),
            "other-url" => await SmsFixture.PostTwilioAsync(_sms, form, signedUrl: "https://attacker.example/channels/sms/twilio"),
            _ => await SmsFixture.PostTwilioAsync(_sms, form, sent: [.. form, new("From", "+15550100001")]),
        };

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(storedBefore, await fixture.StoredRequestsAsync());
        Assert.Equal(triagedBefore, await fixture.WithIntakeDbAsync(db => db.Triage.CountAsync()));
        Assert.Empty(await fixture.TakePublishedAsync());
    }

    [Fact]
    public async Task Intake_unreachable_gets_the_provider_a_503_and_its_retry_is_accepted_once()
    {
        await fixture.TakePublishedAsync();
        var form = SmsFixture.InboundSms("Server room is beeping");

        await using (var cutOff = fixture.CreateSms($"http://127.0.0.1:{Ports.Free()}")) // nothing listens there
        {
            var refused = await SmsFixture.PostTwilioAsync(cutOff.CreateClient(), form);

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        Assert.Empty(await fixture.TakePublishedAsync());

        // The provider retries the same message once intake is back: it is accepted, once.
        var retried = await SmsFixture.PostTwilioAsync(_sms, form);

        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Single(await fixture.TakePublishedAsync());
    }

    [Fact]
    public async Task Channel_secret_that_intake_does_not_share_is_not_reported_to_the_provider_as_received()
    {
        await fixture.TakePublishedAsync();
        await using var misconfigured = fixture.CreateSms(fixture.IntakeUrl,
            new Dictionary<string, string> { ["Sms:ChannelSecret"] = "a-different-secret-that-intake-does-not-know" });

        var response = await SmsFixture.PostTwilioAsync(misconfigured.CreateClient(), SmsFixture.InboundSms("Email is down"));

        Assert.Equal(HttpStatusCode.BadGateway, response.StatusCode);
        Assert.Empty(await fixture.TakePublishedAsync());
    }

    [Fact]
    public async Task Signed_post_that_is_not_an_inbound_text_is_refused_naming_the_field()
    {
        var form = SmsFixture.InboundSms("From a short code", from: "72345");

        var response = await SmsFixture.PostTwilioAsync(_sms, form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("From", out _));
    }
}
