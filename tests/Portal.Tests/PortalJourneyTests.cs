using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests;

/// <summary>People signing in through the gateway (issue 14): invitation, password, authenticator, lock-out; and axe-core.</summary>
public sealed partial class PortalTests
{
    /// <summary>Invites a person as an admin and opens the mailed one-time link (on the gateway's address) to choose a password.</summary>
    private async Task<string> AcceptInvitationAsync(string role, Guid? clientId = null, Guid? contactId = null)
    {
        var email = $"{role}.{Guid.NewGuid():N}@people.example";
        // Through the gateway, like everything the invited person does next: user administration is an admin's.
        using (var admin = system.Client(TestAuth.Token(Roles.Admin, subject: "ada")))
        {
            var invited = await admin.PostAsJsonAsync(new Uri("/api/identity/users/invitations", UriKind.Relative),
                new { email, displayName = "Tina Invited", role, clientId, contactId });
            Assert.Equal(HttpStatusCode.Created, invited.StatusCode);
        }
        var mail = await Eventually.GetAsync(() => Task.FromResult(system.Mail.Messages().LastOrDefault(m => m.To.Mailboxes.Any(to => to.Address == email))),
            $"the invitation to {email}");
        var link = new Uri(InvitationLink().Match(mail.TextBody ?? "").Value);
        await _page.GotoAsync(link.PathAndQuery);
        await _page.GetByLabel("New password (12 characters or more)").FillAsync(Password);
        await _page.GetByLabel("The same password again").FillAsync(Password);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Set password" }).ClickAsync();
        await Expect(_page.GetByLabel("New password (12 characters or more)")).ToBeHiddenAsync();
        return email;
    }

    private const string Password = "correct horse battery staple";

    private async Task SignInAsync(string email, string password)
    {
        await _page.GotoAsync("/portal/");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await _page.GetByLabel("Email address").FillAsync(email);
        await _page.GetByLabel("Password").FillAsync(password);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    [Fact]
    public async Task Invited_technician_sets_a_password_turns_on_an_authenticator_signs_in_and_out()
    {
        // Only an admin invites: the gateway refuses other staff before identity (which checks again) is asked.
        using (var technician = system.Client(TestAuth.Token(Roles.Technician, subject: $"tech-{Guid.NewGuid():N}")))
        {
            var refused = await technician.PostAsJsonAsync(new Uri("/api/identity/users/invitations", UriKind.Relative),
                new { email = "someone@people.example", displayName = "Someone", role = Roles.Admin });
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        }
        var email = await AcceptInvitationAsync(Roles.Technician);

        await SignInAsync(email, Password);
        // A role that sees every client needs a second factor before its first token.
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Set up your authenticator app" })).ToBeVisibleAsync();
        var key = await _page.Locator("#key").InnerTextAsync();
        await _page.GetByLabel("The 6-digit code the app shows now").FillAsync(Totp.Code(key));
        await _page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        await Expect(_page.GetByText("Signed in as Tina Invited")).ToBeVisibleAsync();

        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Button, new() { Name = "Sign in" })).ToBeVisibleAsync();
        Assert.Null(await _page.EvaluateAsync<string?>("sessionStorage.getItem('servicedesk.portal.refresh')"));

        // Signing in again asks for the app's code after the password.
        await SignInAsync(email, Password);
        await _page.GetByLabel("The 6-digit code from your authenticator app").FillAsync(Totp.Code(key));
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(_page.GetByText("Signed in as Tina Invited")).ToBeVisibleAsync();
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_and_then_even_the_right_one_is_refused()
    {
        var email = await AcceptInvitationAsync(Roles.ClientUser, RunningSystem.DemoClient, Sam);
        for (var i = 0; i < 5; i++) await SignInAsync(email, "not the password at all");
        await Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked");

        await SignInAsync(email, Password);
        await Expect(_page.GetByRole(AriaRole.Alert)).ToContainTextAsync("locked");
        await SaveScreenshotAsync("locked-out.png");
        await Expect(_page.GetByText("Signed in as")).ToHaveCountAsync(0);
    }

    [Fact]
    public async Task Portal_and_sign_in_pages_have_no_serious_accessibility_violations_on_a_desktop_or_a_phone()
    {
        var (id, _) = await OpenTicketAsync(_dana, "Accessible");
        var findings = new List<string>();
        async Task CheckAsync(string where)
        {
            var result = await _page.RunAxe();
            findings.AddRange(result.Violations.Where(v => v.Impact is "serious" or "critical")
                .Select(v => $"{where}: {v.Id} ({v.Impact}) {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target))}"));
        }

        await _page.GotoAsync("/portal/");
        await CheckAsync("access");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Expect(_page.GetByLabel("Email address")).ToBeVisibleAsync();
        await CheckAsync("sign-in");
        await OpenAsync(_dana);
        await Expect(_page.Locator("#tickets-result")).ToContainTextAsync(new Regex("tickets? (shown|to show)"));
        await CheckAsync("home");
        await _page.GotoAsync($"/portal/#ticket/{id}");
        await Expect(_page.Locator("#conversation")).ToContainTextAsync("error E-42");
        await CheckAsync("ticket");

        // A phone: the same pages, readable and usable at 390 px.
        await _page.SetViewportSizeAsync(390, 844);
        await SaveScreenshotAsync("phone-ticket.png");
        await _page.GotoAsync("/portal/#");
        await Expect(_page.Locator("#tickets-result")).ToContainTextAsync(new Regex("tickets? (shown|to show)"));
        await CheckAsync("home on a phone");
        await SaveScreenshotAsync("phone-home.png");
        var overflow = await _page.EvaluateAsync<bool>("document.documentElement.scrollWidth > document.documentElement.clientWidth");
        Assert.False(overflow, "the page scrolls sideways on a phone");
        Assert.Empty(findings);
    }

    [GeneratedRegex(@"https?://\S+/account/invitation\S+")]
    private static partial Regex InvitationLink();
}
