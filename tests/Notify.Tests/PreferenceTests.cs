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
        await notify.ConsumedAsync(await notify.PublishAsync(ticket));
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

    private static object Channels(params string[] channels) => new { channels };
}
