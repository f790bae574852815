using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intake.Api.Data;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Intake.Tests;

/// <summary>
/// A client declares an emergency at the door, knowingly: the web request confirms the after-hours terms the portal
/// showed. Staff never declare one (docs/adr/0037): they change the ticket's priority, with a reason.
/// </summary>
public sealed class EmergencyDeclarationTests(IntakeFixture intake) : IClassFixture<IntakeFixture>
{
    private HttpClient Dana() =>
        intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, IntakeDbContext.DemoClientId, "dana", IntakeDbContext.DemoContactId));

    private static object Body(string subject, bool? emergency, bool? confirmed) => new
    {
        subject, description = "Water is coming through the server room ceiling.", emergency, emergencyTermsConfirmed = confirmed,
    };

    [Fact]
    public async Task Emergency_with_the_after_hours_terms_confirmed_is_published_as_declared()
    {
        await intake.TakePublishedAsync();
        using var dana = Dana();
        var subject = $"Flooding {Guid.NewGuid():N}";

        var response = await dana.PostAsJsonAsync("/api/requests", Body(subject, emergency: true, confirmed: true));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await intake.WithDbAsync(db => db.Requests.SingleAsync(r => r.Subject == subject));
        Assert.Equal("web: declared by the client, who confirmed the after-hours terms", stored.EmergencyDeclared);
        var published = JsonDocument.Parse(Assert.Single(await intake.TakePublishedAsync())).RootElement.GetProperty("message");
        Assert.Equal(stored.EmergencyDeclared, published.GetProperty("emergencyDeclared").GetString());
    }

    [Theory]
    [InlineData(null)]
    [InlineData(false)]
    public async Task Emergency_without_the_terms_confirmed_is_refused_naming_the_field_and_stores_nothing(bool? confirmed)
    {
        using var dana = Dana();
        var subject = $"Flooding {Guid.NewGuid():N}";

        var response = await dana.PostAsJsonAsync("/api/requests", Body(subject, emergency: true, confirmed));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["emergencyTermsConfirmed"], errors.EnumerateObject().Select(e => e.Name));
        Assert.False(await intake.WithDbAsync(db => db.Requests.AnyAsync(r => r.Subject == subject)));
    }

    [Fact]
    public async Task Staff_entry_cannot_declare_an_emergency()
    {
        using var staff = intake.Staff();
        var subject = $"Flooding {Guid.NewGuid():N}";

        var response = await staff.PostAsJsonAsync("/api/staff-entries", new
        {
            clientId = IntakeDbContext.DemoClientId, contactEmail = "dana@acme-dental.example", subject,
            description = "Called my cell: the server room is flooding.", emergency = true, emergencyTermsConfirmed = true,
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["emergency"], errors.EnumerateObject().Select(e => e.Name));
        Assert.False(await intake.WithDbAsync(db => db.Requests.AnyAsync(r => r.Subject == subject)));
    }
}
