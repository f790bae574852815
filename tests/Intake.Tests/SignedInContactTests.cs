using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intake.Api.Data;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Tickets.Contracts;

namespace Intake.Tests;

/// <summary>
/// A request made with a contact's token is made as that contact, to their own address (docs/adr/0025); staff may speak
/// only for contacts of the client. Otherwise a token would be enough to make us mail anyone, in our name.
/// </summary>
public sealed class SignedInContactTests(IntakeFixture intake) : IClassFixture<IntakeFixture>, IAsyncLifetime
{
    private static readonly Guid Demo = IntakeDbContext.DemoClientId;
    private static readonly Guid OtherClient = Guid.NewGuid();
    private static readonly Guid OtherContact = Guid.NewGuid();
    private const string OtherContactEmail = "ida@clinic-b.example";

    public Task InitializeAsync() => intake.DirectoryAsync(OtherClient, 1, true,
        new ContactSnapshot(OtherContact, "Ida Park", [OtherContactEmail], [], 1));

    public Task DisposeAsync() => Task.CompletedTask;

    private HttpClient Dana() => intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, Demo, "dana", IntakeDbContext.DemoContactId));

    private static object Body(string subject, string? contactEmail = null, string? contactName = null) =>
        new { contactEmail, contactName, subject, description = "The front desk printer reports a jam." };

    [Fact]
    public async Task Signed_in_contact_opens_a_request_as_themselves_and_it_is_acknowledged_to_their_own_address()
    {
        await intake.TakePublishedAsync();
        using var dana = Dana();
        var subject = $"Printer jam {Guid.NewGuid():N}";

        // No address, and a name that is not hers: the directory's contact speaks.
        var response = await dana.PostAsJsonAsync("/api/requests", Body(subject, contactName: "The CEO"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await intake.WithDbAsync(db => db.Requests.SingleAsync(r => r.Subject == subject));
        Assert.Equal((Demo, IntakeDbContext.DemoContactId, "dana@acme-dental.example", "Dana Reyes"),
            (stored.ClientId, stored.ContactId, stored.ContactEmail, stored.ContactName));
        var published = JsonDocument.Parse(Assert.Single(await intake.TakePublishedAsync())).RootElement.GetProperty("message");
        Assert.Equal("dana@acme-dental.example", published.GetProperty("contactEmail").GetString());
        Assert.Equal(IntakeDbContext.DemoContactId, published.GetProperty("contactId").GetGuid());
    }

    [Fact]
    public async Task Signed_in_contact_may_name_their_own_address_in_any_case()
    {
        using var dana = Dana();
        var subject = $"Scanner {Guid.NewGuid():N}";

        var response = await dana.PostAsJsonAsync("/api/requests", Body(subject, " Dana@Acme-Dental.example "));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(IntakeDbContext.DemoContactId, await intake.WithDbAsync(db => db.Requests.Where(r => r.Subject == subject).Select(r => r.ContactId).SingleAsync()));
    }

    public static TheoryData<string> SpoofedAddresses => new()
    {
        "ceo@victim-corp.example",   // anyone at all: the open relay of issue 14
        "sam@acme-dental.example",   // a colleague at the same client
        OtherContactEmail,            // a contact of another client
        "not an address",
    };

    [Theory]
    [MemberData(nameof(SpoofedAddresses))]
    public async Task Signed_in_contact_naming_another_address_is_refused_naming_contactEmail_and_nothing_changes(string address)
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();
        using var dana = Dana();

        var response = await dana.PostAsJsonAsync("/api/requests", Body($"Spoof {Guid.NewGuid():N}", address));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty("contactEmail", out _), errors.ToString());
        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync());
    }

    public static TheoryData<string, Guid?> TokensThatAreNoContact => new()
    {
        { "no contact_id", null },
        { "a contact of another client", OtherContact },
        { "a contact nobody has", Guid.NewGuid() },
    };

    [Theory]
    [MemberData(nameof(TokensThatAreNoContact))]
    public async Task Client_token_that_names_no_contact_of_its_client_cannot_open_requests(string why, Guid? contactId)
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();
        using var caller = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, Demo, "mallory", contactId));

        var response = await caller.PostAsJsonAsync("/api/requests", Body($"No contact {Guid.NewGuid():N}", "dana@acme-dental.example"));

        Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{why}: {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync());
    }

    [Theory]
    [InlineData("/api/requests")]
    [InlineData("/api/staff-entries")]
    public async Task Staff_may_enter_requests_only_for_a_contact_of_the_client(string path)
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();
        using var tess = intake.App.CreateClient().As(TestAuth.Token(Roles.Technician, subject: "tess"));

        var stranger = await tess.PostAsJsonAsync(path, new { clientId = Demo, contactEmail = "ceo@victim-corp.example", subject = "x", description = "y" });
        var otherClients = await tess.PostAsJsonAsync(path, new { clientId = Demo, contactEmail = OtherContactEmail, subject = "x", description = "y" });

        foreach (var response in new[] { stranger, otherClients })
        {
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
            Assert.Contains($"/api/clients/{Demo}/contacts", errors.GetProperty("contactEmail")[0].GetString(), StringComparison.Ordinal);
        }
        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync());

        var subject = $"Called my cell {Guid.NewGuid():N}";
        var contact = await tess.PostAsJsonAsync(path, new { clientId = OtherClient, contactEmail = OtherContactEmail, subject, description = "y" });
        Assert.Equal(HttpStatusCode.Accepted, contact.StatusCode);
        Assert.Equal(OtherContact, await intake.WithDbAsync(db => db.Requests.Where(r => r.Subject == subject).Select(r => r.ContactId).SingleAsync()));
    }
}
