using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests;

/// <summary>The portal after sign-in (issue 14): a contact's tickets, one ticket's public side, replying, closing.</summary>
public sealed partial class PortalTests
{
    /// <summary>The demo client's second contact, Sam Ortiz (seeded beside Dana by both directories).</summary>
    private static readonly Guid Sam = Guid.Parse("16fd2706-8baf-433b-82eb-8c7fada847da");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>Opens a request as the token's contact through the gateway and waits until it is a ticket.</summary>
    private async Task<(Guid Id, string Subject)> OpenTicketAsync(string token, string subject)
    {
        subject = $"{subject} {Guid.NewGuid():N}";
        using var contact = system.Client(token);
        var accepted = await contact.PostAsJsonAsync(new Uri("/api/requests", UriKind.Relative),
            new { subject, description = "The front desk printer shows error E-42." });
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var tech = Tech();
        await Eventually.TrueAsync(async () => (await tech.GetAsync(new Uri($"/api/tickets/{id}", UriKind.Relative))).IsSuccessStatusCode,
            $"ticket {id} to open");
        return (id, subject);
    }

    private HttpClient Tech() => system.Client(TestAuth.Token(Roles.Technician, subject: "tess"));

    private async Task<JsonElement> TicketAsync(Guid id)
    {
        using var tech = Tech();
        return await tech.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets/{id}", UriKind.Relative), Json);
    }

    private async Task MoveAsync(Guid id, string to)
    {
        using var tech = Tech();
        var version = (await TicketAsync(id)).GetProperty("version").GetUInt32();
        var moved = await tech.PostAsJsonAsync(new Uri($"/api/tickets/{id}/status", UriKind.Relative), new { to, version });
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
    }

    private async Task SaveScreenshotAsync(string name, bool fullPage = true)
    {
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, name), await _page.ScreenshotAsync(new() { FullPage = fullPage }));
    }

    [Fact]
    public async Task Contact_reads_the_public_thread_and_promises_replies_with_a_file_and_closes_the_ticket_once_resolved()
    {
        var (id, subject) = await OpenTicketAsync(_dana, "Printer error");
        using (var tech = Tech())
        {
            Assert.Equal(HttpStatusCode.Created, (await tech.PostAsJsonAsync(new Uri($"/api/tickets/{id}/replies", UriKind.Relative),
                new { body = "Could you send us a photo of the error?" })).StatusCode);
            Assert.Equal(HttpStatusCode.Created, (await tech.PostAsJsonAsync(new Uri($"/api/tickets/{id}/notes", UriKind.Relative),
                new { body = "Internal: the printer is out of warranty." })).StatusCode);
        }
        await MoveAsync(id, "WaitingOnClient");

        // From the list (newest first) to the ticket.
        await OpenAsync(_dana);
        await Expect(_page.Locator("#tickets-result")).ToContainTextAsync(new Regex("tickets? shown"));
        await SaveScreenshotAsync("tickets.png");
        await _page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject }).GetByRole(AriaRole.Link).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = subject })).ToBeVisibleAsync();
        await Expect(_page.Locator("#ticket-status")).ToHaveTextAsync("Waiting on you");
        await Expect(_page.Locator("#promise-summary")).ToContainTextAsync(new Regex("[Pp]aused"));
        var conversation = _page.Locator("#conversation");
        await Expect(conversation).ToContainTextAsync("Could you send us a photo of the error?");
        await Expect(conversation).ToContainTextAsync("error E-42"); // the request that opened it
        await Expect(conversation).Not.ToContainTextAsync("out of warranty"); // internal notes never leave the building

        // The reply, with a file, threads onto the ticket like an email reply.
        await _page.GetByLabel("Your reply").FillAsync("Here is the photo of the error.");
        await _page.GetByLabel("Attach files (optional)").SetInputFilesAsync(new FilePayload
        {
            Name = "error-photo.png", MimeType = "image/png", Buffer = Convert.FromBase64String(OnePixelPng),
        });
        await _page.GetByRole(AriaRole.Button, new() { Name = "Send reply" }).ClickAsync();
        await Expect(_page.Locator("#reply-result")).ToContainTextAsync("Your reply was added to the ticket.", WithinAMomentText);
        await Expect(conversation).ToContainTextAsync("Here is the photo of the error.");
        await Expect(conversation.GetByRole(AriaRole.Button, new() { NameRegex = new Regex("error-photo.png") })).ToBeVisibleAsync();
        await SaveScreenshotAsync("ticket.png");

        // It reached the ticket (back to work) and the SLA ledger (the clock resumed).
        Assert.Equal("InProgress", (await TicketAsync(id)).GetProperty("status").GetString());
        using (var tech = Tech())
            await Eventually.TrueAsync(async () => (await tech.GetFromJsonAsync<JsonElement>(new Uri($"/api/sla/tickets/{id}", UriKind.Relative), Json))
                .GetProperty("ledger").EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "Resumed"), "the clock to resume");

        // Resolved: the client closes it, and then it takes no reply.
        await MoveAsync(id, "Resolved");
        await _page.ReloadAsync();
        await _page.GetByRole(AriaRole.Button, new() { Name = "Close the ticket: it is solved" }).ClickAsync();
        await Expect(_page.Locator("#ticket-result")).ToContainTextAsync("The ticket is closed.");
        await Expect(_page.Locator("#ticket-status")).ToHaveTextAsync("Closed");
        await Expect(_page.GetByLabel("Your reply")).ToBeHiddenAsync();
        Assert.Equal("Closed", (await TicketAsync(id)).GetProperty("status").GetString());
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task A_contact_sees_only_her_tickets_a_client_admin_the_companys_and_another_clients_ticket_is_not_found()
    {
        var sam = TestAuth.Token(Roles.ClientUser, RunningSystem.DemoClient, "sam", Sam);
        var (danasId, danas) = await OpenTicketAsync(_dana, "Dana's scanner");
        var (samsId, sams) = await OpenTicketAsync(sam, "Sam's monitor");

        await OpenAsync(_dana);
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "My tickets" })).ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Row).Filter(new() { HasText = danas })).ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Row).Filter(new() { HasText = sams })).ToHaveCountAsync(0);
        // A colleague's ticket, by its id, is as unknown as a made-up one.
        await _page.GotoAsync($"/portal/#ticket/{samsId}");
        await Expect(_page.Locator("#ticket-result")).ToHaveTextAsync("There is no such ticket among yours.");
        // So are its clock and its files, each answered by its own service (docs/adr/0053); Sam's client admin reads them.
        using (var tech = Tech())
            foreach (var started in new[] { samsId, danasId })
                await Eventually.TrueAsync(async () => (await tech.GetAsync(new Uri($"/api/sla/tickets/{started}", UriKind.Relative))).IsSuccessStatusCode,
                    $"the clock of {started} to start");
        using (var dana = system.Client(_dana))
        using (var samsAdmin = system.Client(TestAuth.Token(Roles.ClientAdmin, RunningSystem.DemoClient, "sam-admin", Sam)))
        {
            foreach (var path in new[] { $"/api/sla/tickets/{samsId}", $"/api/requests/{samsId}/attachments" })
            {
                Assert.Equal(HttpStatusCode.NotFound, (await dana.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
                Assert.Equal(HttpStatusCode.OK, (await samsAdmin.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
            }
        }
        // Her own ticket says what is true about its running clock: the time work begins by, in the client's zone.
        await _page.GotoAsync($"/portal/#ticket/{danasId}");
        await Expect(_page.Locator("#promise-summary")).ToContainTextAsync(new Regex(@"^Work will begin by .+\d:\d\d.+\.$"));

        var admin = TestAuth.Token(Roles.ClientAdmin, RunningSystem.DemoClient, "dana-admin", RunningSystem.DemoContact);
        await OpenAsync(admin);
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "My company's tickets" })).ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Row).Filter(new() { HasText = danas })).ToBeVisibleAsync();
        await Expect(_page.GetByRole(AriaRole.Row).Filter(new() { HasText = sams })).ToContainTextAsync("Sam Ortiz");

        // Another client's token: not found, and nothing of the ticket shows.
        var other = TestAuth.Token(Roles.ClientAdmin, Guid.NewGuid(), "mallory", Guid.NewGuid());
        await _page.GotoAsync($"/portal/#token={other}");
        // The token is taken on the hashchange event, which comes after GotoAsync returns: wait for it before moving on.
        await Expect(_page.Locator("#who")).ToContainTextAsync("Signed in as mallory");
        await _page.GotoAsync($"/portal/#ticket/{samsId}");
        await Expect(_page.Locator("#ticket-result")).ToHaveTextAsync("There is no such ticket among yours.");
        await Expect(_page.GetByText(sams)).ToHaveCountAsync(0);
        Assert.Empty(_pageErrors);
    }

    private const string OnePixelPng = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==";
}
