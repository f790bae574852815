using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Intake.Api.Data;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Contracts;

namespace Intake.Tests;

/// <summary>An integrator's channel posts requests as webhooks signed with the channel's secret.</summary>
public sealed class SignedChannelTests(IntakeFixture intake) : IClassFixture<IntakeFixture>
{
    private readonly HttpClient _http = intake.App.CreateClient(); // no bearer token: the signature is the proof

    private Task<HttpResponseMessage> SendAsync(string body, string? delivery = null, DateTimeOffset? sentAt = null,
        string secret = IntakeFixture.ChannelSecret, string channel = IntakeFixture.Channel, string? signature = null)
    {
        delivery ??= Guid.NewGuid().ToString();
        var unix = (sentAt ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/api/channels/{channel}/requests")
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        request.Headers.Add(WebhookVerifier.TimestampHeader, unix.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookVerifier.DeliveryHeader, delivery);
        request.Headers.Add(WebhookVerifier.SignatureHeader, signature ?? WebhookVerifier.Sign(secret, unix, delivery, Encoding.UTF8.GetBytes(body)));
        return _http.SendAsync(request);
    }

    [Fact]
    public async Task Signed_delivery_becomes_a_request_on_that_channel_and_a_replay_is_refused()
    {
        await intake.TakePublishedAsync();
        var delivery = $"rmm-{Guid.NewGuid():N}";
        var body = WebRequestTests.ValidBody("Backup job failed");

        var first = await SendAsync(body, delivery);
        var replay = await SendAsync(body, delivery);

        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        Assert.Equal(id, (await replay.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("requestId").GetGuid());

        var message = JsonDocument.Parse(Assert.Single(await intake.TakePublishedAsync())).RootElement.GetProperty("message");
        Assert.Equal(id, message.GetProperty("requestId").GetGuid());
        Assert.Equal(IntakeFixture.Channel, message.GetProperty("channel").GetString());
        Assert.Equal(delivery, message.GetProperty("externalId").GetString());
    }

    public static TheoryData<string, HttpStatusCode> Forgeries => new()
    {
        { "wrong-secret", HttpStatusCode.Unauthorized },
        { "tampered-signature", HttpStatusCode.Unauthorized },
        { "stale-timestamp", HttpStatusCode.Unauthorized },
        { "unknown-channel", HttpStatusCode.NotFound },
        { "foreign-client", HttpStatusCode.Forbidden },
        { "dotted-delivery-id", HttpStatusCode.Unauthorized },
        { "malformed-json", HttpStatusCode.BadRequest },
    };

    [Theory]
    [MemberData(nameof(Forgeries))]
    public async Task Bad_delivery_is_refused_and_changes_nothing(string forgery, HttpStatusCode expected)
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();
        var body = WebRequestTests.ValidBody("Forged");

        var response = forgery switch
        {
            "wrong-secret" => await SendAsync(body, secret: "not-the-channel-secret-at-all-nope"),
            "tampered-signature" => await SendAsync(body, signature: "sha256=" + new string('0', 64)),
            "stale-timestamp" => await SendAsync(body, sentAt: DateTimeOffset.UtcNow.AddMinutes(-10)),
            "unknown-channel" => await SendAsync(body, channel: "no-such-channel"),
            "foreign-client" => await SendAsync(body.Replace(IntakeDbContext.DemoClientId.ToString(), Guid.NewGuid().ToString(), StringComparison.Ordinal)),
            "dotted-delivery-id" => await SendAsync(body, delivery: "a.b"),
            _ => await SendAsync("{\"subject\": "),
        };

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync());
    }

    [Fact]
    public async Task Delivery_without_signature_headers_is_refused()
    {
        var response = await _http.PostAsync(new Uri($"/api/channels/{IntakeFixture.Channel}/requests", UriKind.Relative),
            new StringContent(WebRequestTests.ValidBody("Unsigned"), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private const string KnownPhone = "+15550102030";
    private const string KnownEmail = "pat.lee@acme-dental.example";

    /// <summary>The channel's client has a contact with a phone number (intake's directory, as tickets sends it).</summary>
    private async Task<Guid> KnownContactAsync()
    {
        var existing = await intake.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().Where(c => c.Phones.Contains(KnownPhone))
            .Select(c => (Guid?)c.Id).SingleOrDefaultAsync());
        if (existing is { } id) return id;
        var contact = Guid.NewGuid();
        await intake.DirectoryAsync(IntakeDbContext.DemoClientId, 1, true,
            new ContactSnapshot(contact, "Pat Lee", [KnownEmail], [KnownPhone], 1));
        return contact;
    }

    /// <summary>A body as an SMS or chat adapter sends it: a phone number, no email, maybe a ticket number.</summary>
    private static string PhoneBody(string phone, string subject, string? more = null) =>
        JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["contactPhone"] = phone,
            ["subject"] = subject,
            ["description"] = subject + " (sent from a phone)",
        })[..^1] + (more is null ? "" : "," + more) + "}";

    [Fact]
    public async Task Delivery_with_a_phone_instead_of_an_email_reaches_the_contact_with_that_number()
    {
        var contact = await KnownContactAsync();
        await intake.TakePublishedAsync();

        // Written the way people type it; the contract carries it in E.164.
        var response = await SendAsync(PhoneBody("+1 (555) 010-2030", "Wi-Fi down in exam room 2"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var message = JsonDocument.Parse(Assert.Single(await intake.TakePublishedAsync())).RootElement.GetProperty("message");
        Assert.Equal(id, message.GetProperty("requestId").GetGuid());
        Assert.Equal(KnownPhone, message.GetProperty("contactPhone").GetString());
        Assert.Equal(contact, message.GetProperty("contactId").GetGuid());
        Assert.Equal(KnownEmail, message.GetProperty("contactEmail").GetString()); // acknowledgements go to the contact's address
        Assert.Equal(IntakeDbContext.DemoClientId, message.GetProperty("clientId").GetGuid());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("thread").ValueKind);
    }

    [Fact]
    public async Task A_channel_serving_several_clients_lets_the_senders_contact_pick_among_them_only()
    {
        var (served, notServed) = (IntakeFixture.SharedChannelClients[1], Guid.NewGuid());
        var (phone, stranger) = ($"+1555{Random.Shared.Next(1_000_000, 9_999_999)}", $"+1556{Random.Shared.Next(1_000_000, 9_999_999)}");
        // The same number is a contact at a served client and at one the channel does not serve; another only at the latter.
        await intake.DirectoryAsync(served, 1, true, new ContactSnapshot(Guid.NewGuid(), "Ida Park", ["ida@clinic-b.example"], [phone], 1));
        await intake.DirectoryAsync(notServed, 1, true,
            new ContactSnapshot(Guid.NewGuid(), "Ida Park", ["ida@other.example"], [phone], 1),
            new ContactSnapshot(Guid.NewGuid(), "Sol Ray", ["sol@other.example"], [stranger], 2));
        await intake.TakePublishedAsync();

        var accepted = await SendAsync(PhoneBody(phone, "Printer offline"), channel: IntakeFixture.SharedChannel);
        var refused = await SendAsync(PhoneBody(stranger, "Let me in"), channel: IntakeFixture.SharedChannel);

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var message = JsonDocument.Parse(Assert.Single(await intake.TakePublishedAsync())).RootElement.GetProperty("message");
        Assert.Equal((served, "ida@clinic-b.example"), (message.GetProperty("clientId").GetGuid(), message.GetProperty("contactEmail").GetString()));
        Assert.Equal(HttpStatusCode.Accepted, refused.StatusCode); // kept for a person, never opened for the other client
        var triaged = await refused.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("triaged", triaged.GetProperty("status").GetString());
        var reason = await intake.WithDbAsync(db => db.Triage.Where(t => t.Id == triaged.GetProperty("id").GetGuid()).Select(t => t.Reason).SingleAsync());
        Assert.Contains($"channel '{IntakeFixture.SharedChannel}' does not serve", reason);
    }

    [Fact]
    public async Task Ticket_number_the_sender_quoted_travels_as_a_thread_hint()
    {
        await KnownContactAsync();
        await intake.TakePublishedAsync();

        var response = await SendAsync(PhoneBody(KnownPhone, "Still broken", "\"ticketNumber\": 1234"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var message = JsonDocument.Parse(Assert.Single(await intake.TakePublishedAsync())).RootElement.GetProperty("message");
        Assert.Equal(1234, message.GetProperty("thread").GetProperty("ticketNumber").GetInt64());
        var id = message.GetProperty("requestId").GetGuid();
        Assert.Equal(1234, await intake.WithDbAsync(db => db.Requests.Where(r => r.Id == id).Select(r => r.ThreadTicketNumber).SingleAsync()));
    }

    [Fact]
    public async Task Delivery_from_an_unknown_number_waits_in_triage_and_opens_no_ticket()
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();
        var delivery = $"sms-{Guid.NewGuid():N}";

        var response = await SendAsync(PhoneBody("+15559990000", "Who do I ask about the copier"), delivery);
        var replay = await SendAsync(PhoneBody("+15559990000", "Who do I ask about the copier"), delivery);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal("triaged", answer.GetProperty("status").GetString());
        Assert.Null(response.Headers.Location); // no ticket to point at
        Assert.Equal(HttpStatusCode.Conflict, replay.StatusCode);
        var item = await intake.WithDbAsync(db => db.Triage.SingleAsync(t => t.ExternalId == delivery));
        Assert.Equal((answer.GetProperty("id").GetGuid(), "+15559990000", IntakeFixture.Channel), (item.Id, item.SenderPhone, item.Channel));
        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync());
    }

    public static TheoryData<string, string[]> BadContacts => new()
    {
        // Neither way to reach the sender: both fields are named, each saying the other would do.
        { JsonSerializer.Serialize(new { subject = "No contact", description = "Nobody to answer." }), ["contactEmail", "contactPhone"] },
        { PhoneBody("555-0102", "No country code"), ["contactPhone"] },
        { PhoneBody("+1 555 CALL NOW", "Letters"), ["contactPhone"] },
        { PhoneBody("+15550102030;ext=2", "Extension"), ["contactPhone"] },
        { PhoneBody(KnownPhone, "Ticket zero", "\"ticketNumber\": 0"), ["ticketNumber"] },
        { PhoneBody(KnownPhone, "Ticket as text", "\"ticketNumber\": \"SD#12\""), ["ticketNumber"] },
        { PhoneBody(KnownPhone, "Bad email too", "\"contactEmail\": \"not an address\""), ["contactEmail"] },
    };

    [Theory]
    [MemberData(nameof(BadContacts))]
    public async Task Delivery_without_a_usable_contact_is_refused_naming_the_fields(string body, string[] fields)
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();

        var response = await SendAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in fields) Assert.True(errors.TryGetProperty(field, out _), $"'{field}' not named in {errors}");
        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync());
    }

    [Fact]
    public async Task Web_requests_still_need_an_email_and_know_no_phone_field()
    {
        using var staff = intake.Staff();
        var withoutEmail = await staff.PostAsync(new Uri("/api/requests", UriKind.Relative),
            new StringContent(PhoneBody(KnownPhone, "Web without email", $"\"clientId\": \"{IntakeDbContext.DemoClientId}\""), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, withoutEmail.StatusCode);
        // The web body is unchanged (its OpenAPI schema too): contactPhone is an unknown field there.
        Assert.True((await withoutEmail.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("contactPhone", out _));
    }
}
