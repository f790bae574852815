using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Identity.Api.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Identity.Tests;

/// <summary>People get in by a one-time link mailed to them (an invitation, a password reset); admins change roles. All audited.</summary>
public sealed partial class InvitationTests(IdentityFixture fixture) : IClassFixture<IdentityFixture>
{
    private HttpClient Api(string role) => fixture.Identity.CreateClient().As(TestAuth.Token(role, subject: "ada"));

    private async Task<Uri> LinkMailedToAsync(string address, string subject)
    {
        var mail = await Eventually.GetAsync(() => Task.FromResult(fixture.Mail.Messages()
            .LastOrDefault(m => m.To.Mailboxes.Any(to => to.Address == address) && m.Subject == subject)), $"the mail to {address}");
        return new Uri(Link().Match(mail.TextBody ?? "").Value);
    }

    private async Task<List<AuditKind>> AuditOfAsync(string email)
    {
        await using var scope = fixture.Identity.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Identity.Api.Data.IdentityDbContext>();
        return await db.Audit.Where(a => a.UserName == email).OrderBy(a => a.Id).Select(a => a.Kind).ToListAsync();
    }

    private static async Task<HttpResponseMessage> SetPasswordAsync(HttpClient browser, Uri link, string password)
    {
        var page = await (await browser.GetAsync(link.PathAndQuery)).Content.ReadAsStringAsync();
        return await IdentityFixture.PostFormAsync(browser, link.AbsolutePath, page, new() { ["password"] = password, ["confirm"] = password });
    }

    [Fact]
    public async Task Staff_read_the_staff_directory_names_and_roles_only_and_no_client_contact_is_in_it()
    {
        using var technician = Api(Roles.Technician);
        var staff = await technician.GetFromJsonAsync<JsonElement>("/api/identity/staff");

        var tess = staff.EnumerateArray().Single(p => p.GetProperty("name").GetString() == "Tess Ng");
        Assert.Equal(Roles.Technician, tess.GetProperty("role").GetString());
        Assert.Equal(["id", "name", "role"], tess.EnumerateObject().Select(p => p.Name).Order());
        Assert.DoesNotContain(staff.EnumerateArray(), p => p.GetProperty("name").GetString() == "Dana Reyes");
        using var dana = fixture.Identity.CreateClient().As(TestAuth.Token(Roles.ClientUser, Intake.Api.Data.IntakeDbContext.DemoClientId, "dana"));
        Assert.Equal(HttpStatusCode.Forbidden, (await dana.GetAsync(new Uri("/api/identity/staff", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Invited_contact_sets_a_password_through_a_link_that_works_once_and_then_signs_in()
    {
        var email = $"ines.{Guid.NewGuid():N}@acme-dental.example";
        using var admin = Api(Roles.Admin);

        var invited = await admin.PostAsJsonAsync("/api/identity/users/invitations", new
        {
            email, displayName = "Ines Ortiz", role = Roles.ClientUser, clientId = Intake.Api.Data.IntakeDbContext.DemoClientId, contactId = Guid.NewGuid(),
        });

        Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        var link = await LinkMailedToAsync(email, "You are invited to ServiceDesk");
        Assert.StartsWith($"{IdentityFixture.Issuer}account/invitation?", link.ToString(), StringComparison.Ordinal);
        using var browser = fixture.Browser();
        Assert.Equal(HttpStatusCode.Unauthorized, (await IdentityFixture.SignInAsync(browser, "/account/login", email, "")).StatusCode);

        var set = await SetPasswordAsync(browser, link, "a long enough passphrase");
        var again = await SetPasswordAsync(fixture.Browser(), link, "another long passphrase");

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Contains("Your password is set", await set.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, again.StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await IdentityFixture.SignInAsync(fixture.Browser(), "/account/login", email, "a long enough passphrase")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await IdentityFixture.SignInAsync(fixture.Browser(), "/account/login", email, "another long passphrase")).StatusCode);
        Assert.Equal([AuditKind.UserCreated, AuditKind.SignInFailed, AuditKind.PasswordSet, AuditKind.SignedIn, AuditKind.SignInFailed], await AuditOfAsync(email));
    }

    [Fact]
    public async Task Only_admins_invite_and_a_bad_invitation_is_refused_naming_the_fields()
    {
        using var technician = Api(Roles.Technician);
        using var admin = Api(Roles.Admin);

        var byTechnician = await technician.PostAsJsonAsync("/api/identity/users/invitations", new { email = "x@example.com", displayName = "X", role = Roles.Admin });
        var bad = await admin.PostAsJsonAsync("/api/identity/users/invitations", new { email = "Ann <ann@example.com>", displayName = "", role = Roles.ClientUser });
        var taken = await admin.PostAsJsonAsync("/api/identity/users/invitations", new { email = IdentityFixture.Tess, displayName = "Tess", role = Roles.Technician });

        Assert.Equal(HttpStatusCode.Forbidden, byTechnician.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var errors = (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "email", "displayName", "clientId", "contactId" })
            Assert.True(errors.TryGetProperty(field, out _), $"'{field}' not named in {errors}");
        Assert.Equal(HttpStatusCode.Conflict, taken.StatusCode);
    }

    [Fact]
    public async Task Password_reset_by_email_works_once_and_an_unknown_address_gets_the_same_answer()
    {
        var email = $"rae.{Guid.NewGuid():N}@msp.example";
        using var admin = Api(Roles.Admin);
        await admin.PostAsJsonAsync("/api/identity/users/invitations", new { email, displayName = "Rae Kim", role = Roles.Billing });
        await SetPasswordAsync(fixture.Browser(), await LinkMailedToAsync(email, "You are invited to ServiceDesk"), "the first long passphrase");

        using var browser = fixture.Browser();
        var page = await (await browser.GetAsync("/account/forgot")).Content.ReadAsStringAsync();
        var known = await IdentityFixture.PostFormAsync(browser, "/account/forgot", page, new() { ["email"] = email });
        var unknown = await IdentityFixture.PostFormAsync(browser, "/account/forgot", page, new() { ["email"] = "nobody@nowhere.example" });
        Assert.Equal(await known.Content.ReadAsStringAsync(), await unknown.Content.ReadAsStringAsync());

        var link = await LinkMailedToAsync(email, "Reset your ServiceDesk password");
        Assert.Equal(HttpStatusCode.OK, (await SetPasswordAsync(fixture.Browser(), link, "the second long passphrase")).StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SetPasswordAsync(fixture.Browser(), link, "the third long passphrase")).StatusCode);
        Assert.DoesNotContain(fixture.Mail.Messages(), m => m.To.Mailboxes.Any(to => to.Address == "nobody@nowhere.example"));
        Assert.Contains(AuditKind.PasswordResetRequested, await AuditOfAsync(email));
    }

    [Fact]
    public async Task Role_change_is_audited_and_staff_cannot_become_a_client_role()
    {
        var email = $"dee.{Guid.NewGuid():N}@msp.example";
        using var admin = Api(Roles.Admin);
        var id = (await (await admin.PostAsJsonAsync("/api/identity/users/invitations", new { email, displayName = "Dee", role = Roles.Technician }))
            .Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var promoted = await admin.PutAsJsonAsync($"/api/identity/users/{id}/role", new { role = Roles.Dispatcher });
        var crossed = await admin.PutAsJsonAsync($"/api/identity/users/{id}/role", new { role = Roles.ClientUser });

        Assert.Equal(HttpStatusCode.OK, promoted.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, crossed.StatusCode);
        Assert.Equal([AuditKind.UserCreated, AuditKind.RoleChanged], await AuditOfAsync(email));
    }

    [GeneratedRegex(@"http://localhost/account/\S+")]
    private static partial Regex Link();
}
