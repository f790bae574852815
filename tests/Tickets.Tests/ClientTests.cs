using System.Net;
using System.Text;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

[Collection(TicketsCollection.Name)]
public sealed class ClientTests(TicketsFixture tickets)
{
    private static readonly string[] MalloryEmails = ["m@evil.example"];
    private static readonly string[] SomeEmails = ["n@a.example"];
    private static readonly string[] DanasEmail = ["dana@harbor-dental.example"];
    private static readonly string[] DanasPhone = ["+15551230001"];
    private static readonly string[] SamsEmail = ["sam@harbor-dental.example"];
    private static readonly string[] DanasEmailShouted = ["DANA@harbor-dental.example"];
    private readonly HttpClient _dispatcher = tickets.Dispatcher();
    private readonly HttpClient _tech = tickets.Technician();

    private async Task<ClientView> CreateAsync(string name = "Harbor Dental")
    {
        var response = await _dispatcher.PostAsync("/api/clients", new { name = $"{name} {Guid.NewGuid():N}", tier = "premium", calendarId = "us-eastern" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<ClientView>();
    }

    private async Task<ClientView> AddContactAsync(Guid client, string name, string[]? emails = null, string[]? phones = null)
    {
        var response = await _tech.PostAsync($"/api/clients/{client}/contacts", new { name, emails, phones });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<ClientView>();
    }

    [Fact]
    public async Task Client_with_contacts_and_an_ordered_call_down_list_is_published_whole_on_every_change()
    {
        var client = await CreateAsync();
        await AddContactAsync(client.Id, "Dana Reyes", ["Dana@Harbor-Dental.example"], ["+15551230001"]);
        await AddContactAsync(client.Id, "Sam Ortiz", phones: ["+15551230002"]);
        var withThree = await AddContactAsync(client.Id, "Lee Park", ["lee@harbor-dental.example"]);
        var (dana, sam, lee) = (withThree.Contacts.Single(c => c.Name == "Dana Reyes"), withThree.Contacts.Single(c => c.Name == "Sam Ortiz"),
            withThree.Contacts.Single(c => c.Name == "Lee Park"));

        var ordered = await (await _tech.PutAsync($"/api/clients/{client.Id}/call-down-list", new { contactIds = new[] { sam.Id, dana.Id } }))
            .ReadAsync<ClientView>();

        Assert.Equal([sam.Id, dana.Id], ordered.CallDownList);
        Assert.Equal((2, 1, (int?)null), (ordered.Contacts.Single(c => c.Id == dana.Id).CallDownPosition,
            ordered.Contacts.Single(c => c.Id == sam.Id).CallDownPosition, ordered.Contacts.Single(c => c.Id == lee.Id).CallDownPosition));
        Assert.Equal(["dana@harbor-dental.example"], ordered.Contacts.Single(c => c.Id == dana.Id).Emails); // matched case-insensitively
        Assert.Equal(5, ordered.Revision); // created, three contacts, the list

        // Removing the first caller moves the next one up.
        var removed = await (await _tech.DeleteAsync(new Uri($"/api/clients/{client.Id}/contacts/{sam.Id}", UriKind.Relative))).ReadAsync<ClientView>();
        Assert.Equal([dana.Id], removed.CallDownList);
        Assert.Equal(1, removed.Contacts.Single(c => c.Id == dana.Id).CallDownPosition);

        var published = await tickets.EventuallyPublishedAsync("ClientChanged", client.Id, 6);
        Assert.Equal([1, 2, 3, 4, 5, 6], published.Select(p => p.GetProperty("revision").GetInt32()));
        var last = published[^1];
        Assert.Equal(("premium", "us-eastern", true), (last.GetProperty("tier").GetString(), last.GetProperty("calendarId").GetString(), last.GetProperty("active").GetBoolean()));
        Assert.Equal(2, last.GetProperty("contacts").GetArrayLength());
    }

    [Fact]
    public async Task Client_update_needs_the_current_revision_and_a_stale_one_is_409()
    {
        var client = await CreateAsync();

        var first = await _dispatcher.PutAsync($"/api/clients/{client.Id}", new { name = client.Name, tier = "free", active = false, revision = 1 });
        var stale = await _dispatcher.PutAsync($"/api/clients/{client.Id}", new { name = client.Name, tier = "premium", revision = 1 });

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        var updated = await first.ReadAsync<ClientView>();
        Assert.Equal(("free", false, 2), (updated.Tier, updated.Active, updated.Revision));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(2, (await stale.ProblemAsync()).GetProperty("currentRevision").GetInt32());
        await (await _dispatcher.PutAsync($"/api/clients/{client.Id}", new { name = client.Name, tier = "free" })).AssertInvalidAsync("revision");
        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.PutAsync($"/api/clients/{client.Id}", new { name = "x", tier = "free", revision = 2 })).StatusCode);
    }

    [Fact]
    public async Task Concurrent_changes_to_one_client_take_turns_and_each_revision_is_published_once()
    {
        var client = await CreateAsync();

        // Two contacts added at once: both land, one after the other.
        var added = await Task.WhenAll(
            _tech.PostAsync($"/api/clients/{client.Id}/contacts", new { name = "Ann", emails = SomeEmails }),
            tickets.Technician("omar").PostAsync($"/api/clients/{client.Id}/contacts", new { name = "Bob", emails = MalloryEmails }));
        // Two updates from the same revision at once: one wins, the other is told the current revision.
        var updates = await Task.WhenAll(
            _dispatcher.PutAsync($"/api/clients/{client.Id}", new { name = client.Name, tier = "free", revision = 3 }),
            tickets.As(Roles.Admin, subject: "ada").PutAsync($"/api/clients/{client.Id}", new { name = client.Name, tier = "gold", revision = 3 }));

        Assert.All(added, r => Assert.Equal(HttpStatusCode.Created, r.StatusCode));
        Assert.Single(updates, r => r.StatusCode == HttpStatusCode.OK);
        var loser = Assert.Single(updates, r => r.StatusCode == HttpStatusCode.Conflict);
        Assert.Equal(4, (await loser.ProblemAsync()).GetProperty("currentRevision").GetInt32());
        var stored = await (await _tech.GetAsync($"/api/clients/{client.Id}")).ReadAsync<ClientView>();
        Assert.Equal((4, 2), (stored.Revision, stored.Contacts.Length));
        var published = await tickets.EventuallyPublishedAsync("ClientChanged", client.Id, 4);
        Assert.Equal([1, 2, 3, 4], published.Select(p => p.GetProperty("revision").GetInt32()));
        Assert.Equal(stored.Tier, published[^1].GetProperty("tier").GetString());
    }

    public static TheoryData<string, string> BadContacts => new()
    {
        { """{"emails":["a@b.example"]}""", "name" },
        { """{"name":"No way to reach"}""", "emails" },
        { """{"name":"N","emails":["not an address"]}""", "emails[0]" },
        { """{"name":"N","emails":["a@b.example","Ann <ann@b.example>"]}""", "emails[1]" },
        { """{"name":"N","phones":["555-123-4567"]}""", "phones[0]" },
        { """{"name":"N","phones":["+0123456789"]}""", "phones[0]" },
        { """{"name":"N","phones":["+1555123456789012"]}""", "phones[0]" },
        { """{"name":"N","phones":["+1 555 123 4567"]}""", "phones[0]" },
        { """{"name":"N","phones":["+15551234567","+15551234568","+15551234569","+15551234560","+15551234561","+15551234562","+15551234563","+15551234564","+15551234565","+15551234566","+15551234577"]}""", "phones" },
        { """{"name":"N","emails":[1]}""", "emails[0]" },
    };

    [Theory]
    [MemberData(nameof(BadContacts))]
    public async Task Bad_contact_is_400_naming_the_field_and_changes_nothing(string body, string field)
    {
        var client = await CreateAsync();

        var response = await _tech.PostAsync(new Uri($"/api/clients/{client.Id}/contacts", UriKind.Relative),
            new StringContent(body, Encoding.UTF8, "application/json"));

        await response.AssertInvalidAsync(field);
        var after = await (await _tech.GetAsync($"/api/clients/{client.Id}")).ReadAsync<ClientView>();
        Assert.Equal((1, 0), (after.Revision, after.Contacts.Length));
    }

    [Fact]
    public async Task An_address_names_one_contact_of_a_client()
    {
        var client = await CreateAsync();
        var dana = (await AddContactAsync(client.Id, "Dana Reyes", DanasEmail, DanasPhone)).Contacts.Single();
        var sam = (await AddContactAsync(client.Id, "Sam Ortiz", SamsEmail)).Contacts.Single(c => c.Id != dana.Id);

        var again = await _tech.PostAsync($"/api/clients/{client.Id}/contacts", new { name = "D. Reyes", emails = DanasEmailShouted });
        var samTakesDanasPhone = await _tech.PutAsync($"/api/clients/{client.Id}/contacts/{sam.Id}",
            new { name = "Sam Ortiz", emails = SamsEmail, phones = DanasPhone });
        var danaKeepsHers = await _tech.PutAsync($"/api/clients/{client.Id}/contacts/{dana.Id}",
            new { name = "Dana Reyes", emails = DanasEmail, phones = DanasPhone });

        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        Assert.Equal("dana@harbor-dental.example belongs to another contact of this client.", (await again.ProblemAsync()).GetProperty("title").GetString());
        Assert.Equal(HttpStatusCode.Conflict, samTakesDanasPhone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, danaKeepsHers.StatusCode);
        var stored = await (await _tech.GetAsync($"/api/clients/{client.Id}")).ReadAsync<ClientView>();
        Assert.Equal(2, stored.Contacts.Length);
        Assert.Empty(stored.Contacts.Single(c => c.Id == sam.Id).Phones);
    }

    [Fact]
    public async Task Call_down_list_may_name_only_the_clients_own_contacts_once_each()
    {
        var client = await AddContactAsync((await CreateAsync()).Id, "Dana", ["dana@a.example"]);
        var other = await AddContactAsync((await CreateAsync("Other")).Id, "Eve", ["eve@b.example"]);
        var dana = client.Contacts[0].Id;

        await (await _tech.PutAsync($"/api/clients/{client.Id}/call-down-list", new { contactIds = new[] { dana, other.Contacts[0].Id } }))
            .AssertInvalidAsync("contactIds[1]");
        await (await _tech.PutAsync($"/api/clients/{client.Id}/call-down-list", new { contactIds = new[] { dana, dana } }))
            .AssertInvalidAsync("contactIds");
        Assert.Empty((await (await _tech.GetAsync($"/api/clients/{client.Id}")).ReadAsync<ClientView>()).CallDownList);
    }

    [Fact]
    public async Task A_client_token_reads_its_own_client_only_and_changes_none()
    {
        var mine = await AddContactAsync((await CreateAsync("Mine")).Id, "Dana", ["dana@mine.example"]);
        var theirs = await AddContactAsync((await CreateAsync("Theirs")).Id, "Eve", ["eve@theirs.example"]);
        var user = tickets.As(Roles.ClientAdmin, mine.Id, "dana");

        Assert.Equal(HttpStatusCode.OK, (await user.GetAsync($"/api/clients/{mine.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await user.GetAsync($"/api/clients/{theirs.Id}")).StatusCode);
        Assert.Equal([mine.Id], (await (await user.GetAsync("/api/clients")).ReadAsync<ClientView[]>()).Select(c => c.Id));
        Assert.Equal(HttpStatusCode.Forbidden, (await user.PostAsync($"/api/clients/{theirs.Id}/contacts", new { name = "Mallory", emails = MalloryEmails })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.PutAsync($"/api/clients/{theirs.Id}/call-down-list", new { contactIds = Array.Empty<Guid>() })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.DeleteAsync(new Uri($"/api/clients/{theirs.Id}/contacts/{theirs.Contacts[0].Id}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await user.PutAsync($"/api/clients/{theirs.Id}", new { name = "Mine now", tier = "free", revision = 2 })).StatusCode);
        Assert.Equal(2, (await (await _tech.GetAsync($"/api/clients/{theirs.Id}")).ReadAsync<ClientView>()).Revision);
    }

    [Fact]
    public async Task The_demo_client_is_in_the_directory_as_in_intakes()
    {
        var demo = await (await _tech.GetAsync($"/api/clients/{TicketsDbContext.DemoClientId}")).ReadAsync<ClientView>();
        Assert.Equal("Acme Dental", demo.Name);
    }

    [Fact]
    public async Task Unknown_client_or_contact_is_404()
    {
        var client = await CreateAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/clients/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PostAsync($"/api/clients/{Guid.NewGuid()}/contacts", new { name = "N", emails = SomeEmails })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PutAsync($"/api/clients/{client.Id}/contacts/{Guid.NewGuid()}", new { name = "N", emails = SomeEmails })).StatusCode);
    }
}
