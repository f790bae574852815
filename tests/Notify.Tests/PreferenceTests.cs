using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Notify.Api.Domain;
using ServiceDesk.Testing;
using Tickets.Contracts;

namespace Notify.Tests;

/// <summary>A contact's allowed channels decide where their acknowledgement goes.</summary>
[Collection(NotifyCollection.Name)]
public sealed class PreferenceTests(NotifyFixture notify)
{
    [Fact]
    public async Task Contact_who_allows_only_sms_is_acknowledged_by_text_and_not_by_email()
    {
        var clientId = Guid.NewGuid();
        var contactId = Guid.NewGuid();
        const string phone = "+15550107777";
        const string email = "ana.3201@acme-dental.example";
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Acme Dental", "standard", null, true,
            [new ContactSnapshot(contactId, "Ana Lim", [email], [phone], null)], DateTimeOffset.UtcNow, "ada")));
        using var staff = notify.App.CreateClient().As(TestAuth.Token("technician"));

        using var set = await staff.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", Channels("SMS"));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var stored = await staff.GetFromJsonAsync<JsonElement>($"/api/notify/contacts/{contactId}/preferences");
        Assert.Equal(["sms"], stored.GetProperty("channels").EnumerateArray().Select(c => c.GetString()));

        var ticket = new TicketOpened(Guid.NewGuid(), 3201, clientId, email, "Ana Lim", "email", "Label printer", "P2", DateTimeOffset.UtcNow);
        await notify.AcknowledgeAsync(ticket);

        var row = Assert.Single(await notify.DeliveriesAsync(ticket.TicketId));
        Assert.Equal(("sms", phone, DeliveryState.Sent), (row.Channel, row.Recipient, row.State));
        Assert.Empty(notify.MailsTo(email));
        Assert.Single(notify.Twilio.Requests(phone));
    }

    [Fact]
    public async Task Preferences_are_validated_and_scoped_to_the_callers_client()
    {
        var clientId = Guid.NewGuid();
        var contactId = Guid.NewGuid();
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Acme Dental", "standard", null, true,
            [new ContactSnapshot(contactId, "Ana Lim", ["ana.3202@acme-dental.example"], [], null)], DateTimeOffset.UtcNow, "ada")));
        using var own = notify.App.CreateClient().As(TestAuth.Token("client-user", clientId));
        using var other = notify.App.CreateClient().As(TestAuth.Token("client-user", Guid.NewGuid()));

        using var pigeon = await own.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", Channels("pigeon"));
        using var none = await own.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", Channels());
        using var foreign = await other.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", Channels("email"));
        using var mine = await own.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", Channels("email", "voice"));

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.OK),
            (pigeon.StatusCode, none.StatusCode, foreign.StatusCode, mine.StatusCode));
        Assert.Contains("channels", (await pigeon.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public async Task Contact_who_chose_texts_for_replies_and_both_for_resolutions_gets_them_so()
    {
        var clientId = Guid.NewGuid();
        var contactId = Guid.NewGuid();
        const string phone = "+15550107778";
        const string email = "ana.3203@acme-dental.example";
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Acme Dental", "standard", null, true,
            [new ContactSnapshot(contactId, "Ana Lim", [email], [phone], null)], DateTimeOffset.UtcNow, "ada")));
        using var staff = notify.App.CreateClient().As(TestAuth.Token("technician"));
        using var set = await staff.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences",
            new { replies = Texts, resolutions = EmailAndTexts });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var stored = await staff.GetFromJsonAsync<JsonElement>($"/api/notify/contacts/{contactId}/preferences");
        Assert.Equal((JsonValueKind.Null, "sms", "email,sms"), (stored.GetProperty("channels").ValueKind,
            string.Join(",", stored.GetProperty("replies").EnumerateArray().Select(c => c.GetString())),
            string.Join(",", stored.GetProperty("resolutions").EnumerateArray().Select(c => c.GetString()))));

        // A request by email: the acknowledgement keeps the default (email only).
        var ticket = new TicketOpened(Guid.NewGuid(), 3203, clientId, email, "Ana Lim", "email", "Label printer", "P2", DateTimeOffset.UtcNow);
        await notify.AcknowledgeAsync(ticket);
        await notify.ConsumedAsync(await notify.PublishAsync(NotifyFixture.Reply(ticket, "The new labels arrive tomorrow.")));
        await notify.ConsumedAsync(await notify.PublishAsync(new TicketResolved(ticket.TicketId, clientId, DateTimeOffset.UtcNow, 5)));

        var rows = (await notify.DeliveriesAsync(ticket.TicketId)).Select(d => (d.Kind, d.Channel, d.State)).Order().ToList();
        Assert.Equal([(MessageKind.Acknowledgement, "email", DeliveryState.Sent), (MessageKind.Reply, "sms", DeliveryState.Sent),
            (MessageKind.Resolution, "email", DeliveryState.Sent), (MessageKind.Resolution, "sms", DeliveryState.Sent)], rows);
        var texts = notify.Twilio.Requests(phone).Select(r => r.Form["Body"]).ToList();
        Assert.Contains("SD#3203: The new labels arrive tomorrow.", texts);
        Assert.Contains(texts, t => t.StartsWith("We resolved your request \"Label printer\" (ticket SD#3203)", StringComparison.Ordinal));
        // The texted reply is not announced as a mailed one (nothing threads by an SMS's id).
        Assert.Empty(notify.Published("ReplyMailed", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId));
        Assert.DoesNotContain(notify.MailsTo(email), m => m.Subject?.Contains("Label printer", StringComparison.Ordinal) == true
            && m.TextBody?.Contains("new labels", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_call_cannot_carry_a_reply_and_an_empty_preference_names_the_field()
    {
        var clientId = Guid.NewGuid();
        var contactId = Guid.NewGuid();
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Acme Dental", "standard", null, true,
            [new ContactSnapshot(contactId, "Ana Lim", ["ana.3204@acme-dental.example"], [], null)], DateTimeOffset.UtcNow, "ada")));
        using var staff = notify.App.CreateClient().As(TestAuth.Token("technician"));

        using var voice = await staff.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", new { replies = Calls });
        using var empty = await staff.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", new { resolutions = Array.Empty<string>() });
        using var nothing = await staff.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", new { });

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest), (voice.StatusCode, empty.StatusCode, nothing.StatusCode));
        Assert.Equal(["replies"], await ErrorFieldsAsync(voice));
        Assert.Equal(["resolutions"], await ErrorFieldsAsync(empty));
        Assert.Equal(["channels"], await ErrorFieldsAsync(nothing));
        // Nothing was stored: the contact still has no preference.
        var stored = await staff.GetFromJsonAsync<JsonElement>($"/api/notify/contacts/{contactId}/preferences");
        Assert.Equal(JsonValueKind.Null, stored.GetProperty("updatedAt").ValueKind);
    }

    private static readonly string[] Texts = ["sms"], EmailAndTexts = ["email", "SMS"], Calls = ["voice"];

    private static async Task<string[]> ErrorFieldsAsync(HttpResponseMessage response) =>
        [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name)];

    private static object Channels(params string[] channels) => new { channels };
}
