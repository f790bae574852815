using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests;

/// <summary>
/// The ticket screen's merge and attachments, the triage queue's actions and the board's triage count, and the live feed
/// refusing clients: in real browsers through the gateway of the whole running system.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class TicketScreenTests(ConsoleSystem system, Portal.Tests.Chromium chromium)
{
    private static readonly LocatorAssertionsToContainTextOptions Live = new() { Timeout = 10_000 };

    [Fact]
    public async Task A_technician_merges_a_duplicate_by_number_and_follows_the_link_to_the_survivor_with_both_conversations()
    {
        var survivor = await TicketAsync($"Printer jams {Guid.NewGuid():N}");
        var duplicate = await TicketAsync($"Printer jams again {Guid.NewGuid():N}");
        using var staff = system.Client(TestAuth.Token(Roles.Technician, subject: "terry"));
        var reply = await staff.PostAsJsonAsync(new Uri($"/api/tickets/{duplicate.Id}/replies", UriKind.Relative), new { body = "Is it the same printer as yesterday?" });
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);

        await using var technician = await StaffBrowser.OpenAsync(chromium, system);
        await technician.SignInAsStaffAsync(RunningSystem.TechnicianEmail, RunningSystem.DemoPassword);
        await technician.Page.GotoAsync($"/console/tickets/{duplicate.Id}");
        await Expect(technician.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(duplicate.Subject);
        await Expect(Technicians(technician)).ToHaveCountAsync(1);

        // A number no ticket has: the API's problem beside the number, which stays as typed.
        var number = technician.Page.GetByLabel("Into ticket number (SD#)");
        await number.FillAsync("999999999");
        await technician.Button("Merge into it").ClickAsync();
        await Expect(technician.Page.Locator(".merge .field-error")).ToContainTextAsync("No ticket SD#999999999.");
        await Expect(number).ToHaveValueAsync("999999999");
        await Expect(technician.Page.Locator(".ticket-facts")).Not.ToContainTextAsync("Closed");

        await number.FillAsync(survivor.Number.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await technician.Page.GetByLabel("Why (optional)").FillAsync("Dana sent it twice");
        await technician.Button("Merge into it").ClickAsync();
        var merged = technician.Page.Locator(".merged");
        await Expect(merged).ToContainTextAsync($"Merged into {survivor.Reference}: {survivor.Subject}");
        await Expect(technician.Page.Locator(".ticket-facts")).ToContainTextAsync("Closed");
        await Expect(technician.Page.GetByRole(AriaRole.Group, new() { Name = "Merge (this ticket is a duplicate)" })).ToHaveCountAsync(0);
        await technician.CheckScreenAsync("ticket-merged");

        // Ticket to ticket in the same screen: the survivor shows the duplicate's messages, and the assign form its people.
        await merged.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(technician.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(survivor.Subject);
        await Expect(technician.Page.Locator(".message[data-kind=PublicReply]")).ToContainTextAsync("same printer as yesterday");
        await Expect(Technicians(technician)).ToHaveCountAsync(1);
        await Expect(technician.Page.Locator(".merged")).ToHaveCountAsync(0);
        Assert.Empty(technician.Errors);
    }

    [Fact]
    public async Task The_conversation_lists_the_files_a_client_mailed_and_each_downloads_through_the_console()
    {
        // Dana mails a request with a log, then answers on the same ticket (its number in the subject) with a photo's stand-in.
        var subject = $"Printer log {Guid.NewGuid():N}";
        var first = await MailAsync(RunningSystem.DemoContactEmail, subject, "The printer's log is attached.", "printer-log.txt");
        var ticketId = first.GetProperty("resultId").GetGuid();
        using var staff = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var number = await Eventually.GetAsync(async () =>
        {
            using var response = await staff.GetAsync(new Uri($"/api/tickets/{ticketId}", UriKind.Relative));
            return response.IsSuccessStatusCode ? (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reference").GetString() : null;
        }, "the mailed ticket", explain: () => system.Output);
        await MailAsync(RunningSystem.DemoContactEmail, $"Re: [{number}] {subject}", "And the error page.", "error-page.txt");

        await using var technician = await StaffBrowser.OpenAsync(chromium, system);
        await technician.SignInAsStaffAsync(RunningSystem.TechnicianEmail, RunningSystem.DemoPassword);
        await technician.Page.GotoAsync($"/console/tickets/{ticketId}");
        var log = technician.Page.Locator(".conversation > .attachments").GetByRole(AriaRole.Link, new() { Name = "printer-log.txt" });
        await Expect(log).ToBeVisibleAsync();
        var answer = technician.Page.Locator(".message[data-kind=ClientMessage]").Filter(new() { HasText = "And the error page." });
        await Expect(answer.GetByRole(AriaRole.Link, new() { Name = "error-page.txt" })).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await technician.CheckScreenAsync("ticket-attachments");

        foreach (var (link, name) in new[] { (log, "printer-log.txt"), (answer.GetByRole(AriaRole.Link, new() { Name = "error-page.txt" }), "error-page.txt") })
        {
            var download = await technician.Page.RunAndWaitForDownloadAsync(() => link.ClickAsync());
            Assert.Equal(name, download.SuggestedFilename);
            Assert.Equal($"contents of {name}", await File.ReadAllTextAsync((await download.PathAsync())!));
        }

        // The technician answers with files: too many, then one too large, each refused by the API beside the file control
        // with the text kept; then one that goes, listed on the reply and downloaded like the client's.
        static FilePayload Text(string name, int size = 20) => new() { Name = name, MimeType = "text/plain", Buffer = Encoding.UTF8.GetBytes($"contents of {name}".PadRight(size, '.')) };
        var files = technician.Page.GetByLabel("Files for the reply (at most 3, 1 MiB each)");
        await technician.Page.GetByLabel("Reply to the client (emailed to them)").FillAsync("The fixed driver and its notes.");
        await files.SetInputFilesAsync([Text("a.txt"), Text("b.txt"), Text("c.txt"), Text("d.txt")]);
        await Expect(technician.Page.GetByRole(AriaRole.List, new() { Name = "Files for the reply: chosen" })).ToContainTextAsync("d.txt");
        await technician.Button("Send reply").ClickAsync();
        var fileError = technician.Page.Locator("#reply-files-error");
        await Expect(fileError).ToContainTextAsync("At most 3 files.");
        await files.SetInputFilesAsync([Text("driver-notes.txt"), Text("driver.bin", 1024 * 1024 + 10)]);
        await Expect(technician.Page.GetByRole(AriaRole.List, new() { Name = "Files for the reply: chosen" })).ToContainTextAsync("driver.bin");
        await technician.Button("Send reply").ClickAsync(); // enabled once every chosen file is read
        await Expect(fileError).ToContainTextAsync("driver.bin: Base64 of at most 1 MiB.");
        await Expect(technician.Page.GetByLabel("Reply to the client (emailed to them)")).ToHaveValueAsync("The fixed driver and its notes.");
        await technician.CheckScreenAsync("ticket-reply-refused");
        await files.SetInputFilesAsync([Text("driver-notes.txt")]);
        await Expect(technician.Page.GetByRole(AriaRole.List, new() { Name = "Files for the reply: chosen" })).Not.ToContainTextAsync("driver.bin");
        await technician.Button("Send reply").ClickAsync();
        var sent = technician.Page.Locator(".message[data-kind=PublicReply]").Filter(new() { HasText = "The fixed driver" });
        await Expect(sent.GetByRole(AriaRole.Link, new() { Name = "driver-notes.txt" })).ToBeVisibleAsync();
        await Expect(fileError).ToHaveTextAsync("");
        var staffFile = await technician.Page.RunAndWaitForDownloadAsync(() => sent.GetByRole(AriaRole.Link, new() { Name = "driver-notes.txt" }).ClickAsync());
        Assert.Equal("contents of driver-notes.txt", (await File.ReadAllTextAsync((await staffFile.PathAsync())!)).TrimEnd('.'));

        // Not for anyone else: the console's file route is staff-only like its pages.
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.App("gateway").Url };
        var href = await log.GetAttributeAsync("href");
        using var asClient = new HttpRequestMessage(HttpMethod.Get, new Uri($"/console/{href}", UriKind.Relative));
        asClient.Headers.Authorization = new("Bearer", TestAuth.Token(Roles.ClientAdmin, RunningSystem.DemoClient, "dana", RunningSystem.DemoContact));
        Assert.Equal(HttpStatusCode.Forbidden, (await anonymous.SendAsync(asClient)).StatusCode);
        Assert.Empty(technician.Errors);
    }

    [Fact]
    public async Task A_dispatcher_assigns_one_triaged_request_to_a_client_contact_and_discards_another_from_the_queue_the_board_counts()
    {
        var assigned = $"Who am I {Guid.NewGuid():N}";
        var discarded = $"Cheap watches {Guid.NewGuid():N}";
        await MailAsync($"stranger.{Guid.NewGuid():N}@unknown.example", assigned, "Our Wi-Fi is down, this is Dana's new address.");
        await MailAsync($"spam.{Guid.NewGuid():N}@unknown.example", discarded, "Buy now.");

        await using var dispatcher = await StaffBrowser.OpenAsync(chromium, system);
        await dispatcher.SignInAsStaffAsync(RunningSystem.DispatcherEmail, RunningSystem.DemoPassword);
        await dispatcher.Page.GetByRole(AriaRole.Link, new() { Name = "Dispatcher board" }).ClickAsync();
        var count = dispatcher.Page.Locator(".triage-count");
        await Expect(count).ToContainTextAsync(new Regex(@"\d+ requests? from unknown senders waiting"));
        await count.GetByRole(AriaRole.Link).ClickAsync();
        await Expect(dispatcher.Page.GetByRole(AriaRole.Heading, new() { Name = "Triage", Level = 1 })).ToBeVisibleAsync();

        await dispatcher.Row(assigned).GetByRole(AriaRole.Button).ClickAsync();
        var handling = dispatcher.Page.Locator(".triage-handling");
        await Expect(handling.GetByRole(AriaRole.Heading)).ToContainTextAsync(assigned);
        // No client chosen: intake's problem beside the client control, and the request stays.
        await handling.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
        await Expect(handling.Locator("#triage-client-error")).ToContainTextAsync("Required.");
        await Expect(dispatcher.Row(assigned)).ToHaveCountAsync(1);
        await dispatcher.CheckScreenAsync("queue-triage");

        await handling.GetByLabel("Client").SelectOptionAsync(RunningSystem.DemoClient.ToString());
        await handling.GetByLabel("Contact (answers go to this address)").SelectOptionAsync(RunningSystem.DemoContactEmail);
        await handling.GetByRole(AriaRole.Button, new() { Name = "Assign" }).ClickAsync();
        await Expect(dispatcher.Page.Locator(".triage-result")).ToContainTextAsync("Assigned to Acme Dental");
        await Expect(dispatcher.Row(assigned)).ToHaveCountAsync(0);
        // The request became a ticket of Dana's client, answered at her address.
        using var dora = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var opened = await Eventually.GetAsync(async () =>
        {
            var page = await dora.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets?clientId={RunningSystem.DemoClient}&limit=100&order=newest", UriKind.Relative));
            return page.GetProperty("items").EnumerateArray().Where(t => t.GetProperty("subject").GetString() == assigned)
                .Select(t => t.GetProperty("id").GetString()).FirstOrDefault();
        }, "the triaged request's ticket", explain: () => system.Output);
        var ticket = await dora.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets/{opened}", UriKind.Relative));
        Assert.Equal(RunningSystem.DemoContactEmail, ticket.GetProperty("contact").GetProperty("email").GetString());

        await dispatcher.Row(discarded).GetByRole(AriaRole.Button).ClickAsync();
        await handling.GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await Expect(handling.Locator("#triage-reason-error")).ToContainTextAsync("Required");
        await handling.GetByLabel("Reason (kept with the request)").FillAsync("Spam");
        await handling.GetByRole(AriaRole.Button, new() { Name = "Discard" }).ClickAsync();
        await Expect(dispatcher.Page.Locator(".triage-result")).ToHaveTextAsync("Discarded.");
        await Expect(dispatcher.Row(discarded)).ToHaveCountAsync(0);
        Assert.Empty(dispatcher.Errors);
    }

    [Fact]
    public async Task A_signed_in_client_contact_never_opens_the_live_connection_and_its_hub_refuses_her_cookie_and_a_client_token()
    {
        // Dana signs in like anyone: the console answers "Staff only" and her browser opens no live connection at all.
        await using var dana = await StaffBrowser.OpenAsync(chromium, system);
        var sockets = new List<string>();
        dana.Page.WebSocket += (_, socket) => sockets.Add(socket.Url);
        await dana.SignInAsync(RunningSystem.DemoContactEmail, RunningSystem.DemoPassword);
        await Expect(dana.Page.GetByRole(AriaRole.Heading, new() { Name = "Staff only" })).ToBeVisibleAsync();

        // With her session cookie, the hub itself refuses her: the negotiation and the WebSocket's own request.
        var negotiate = await dana.Page.EvaluateAsync<int>(
            "async () => (await fetch('/console/_blazor/negotiate?negotiateVersion=1', { method: 'POST' })).status");
        Assert.Equal(403, negotiate);
        var connect = await dana.Page.APIRequest.GetAsync("/console/_blazor?id=anything");
        Assert.Equal(403, connect.Status);

        // A change to one of her own client's tickets reaches the staff consoles' feed, and nothing of it her browser.
        var ticket = await TicketAsync($"Email bounces {Guid.NewGuid():N}");
        using var staff = system.Client(TestAuth.Token(Roles.Technician, subject: "terry"));
        Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync(new Uri($"/api/tickets/{ticket.Id}/replies", UriKind.Relative), new { body = "Looking." })).StatusCode);
        await using var tess = await StaffBrowser.OpenAsync(chromium, system);
        await tess.SignInAsStaffAsync(RunningSystem.TechnicianEmail, RunningSystem.DemoPassword);
        await tess.Page.GotoAsync($"/console/tickets/{ticket.Id}");
        Assert.Equal(HttpStatusCode.Created, (await staff.PostAsJsonAsync(new Uri($"/api/tickets/{ticket.Id}/replies", UriKind.Relative), new { body = "Fixed the MX record." })).StatusCode);
        await Expect(tess.Page.Locator(".messages")).ToContainTextAsync("Fixed the MX record.", Live);
        Assert.Empty(sockets);

        // A client's token on the WebSocket's request (the negotiation is refused already in ConsoleTests).
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.App("gateway").Url };
        using var asClient = new HttpRequestMessage(HttpMethod.Get, new Uri("/console/_blazor?id=anything", UriKind.Relative));
        asClient.Headers.Authorization = new("Bearer", TestAuth.Token(Roles.ClientAdmin, RunningSystem.DemoClient, "dana", RunningSystem.DemoContact));
        using var refused = await anonymous.SendAsync(asClient);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Empty(tess.Errors);
    }

    private static ILocator Technicians(StaffBrowser browser) =>
        browser.Page.GetByLabel("Technician").Locator("option", new() { HasText = "Tess Ng" });

    private sealed record Opened(Guid Id, long Number, string Reference, string Subject);

    /// <summary>Dana asks for help through the portal's API; the ticket, once tickets has it.</summary>
    private async Task<Opened> TicketAsync(string subject)
    {
        using var dana = system.Client(TestAuth.Token(Roles.ClientUser, RunningSystem.DemoClient, "dana", RunningSystem.DemoContact));
        var request = await dana.PostAsJsonAsync(new Uri("/api/requests", UriKind.Relative), new { subject, description = "Paper jams on every page." });
        Assert.True(request.StatusCode == HttpStatusCode.Accepted, await request.Content.ReadAsStringAsync());
        var id = (await request.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var staff = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        return await Eventually.GetAsync(async () =>
        {
            using var response = await staff.GetAsync(new Uri($"/api/tickets/{id}", UriKind.Relative));
            if (!response.IsSuccessStatusCode) return null;
            var ticket = await response.Content.ReadFromJsonAsync<JsonElement>();
            return new Opened(id, ticket.GetProperty("number").GetInt64(), ticket.GetProperty("reference").GetString()!, subject);
        }, "the ticket", explain: () => system.Output);
    }

    /// <summary>A mail reaches the support address through the email channel's HTTP intake, as the MTA's pipe delivers it.</summary>
    private async Task<JsonElement> MailAsync(string from, string subject, string body, string? attachment = null)
    {
        var boundary = $"b{Guid.NewGuid():N}";
        var mail = attachment is null
            ? $"From: {from}\nTo: support@msp.example\nSubject: {subject}\nMessage-ID: <{Guid.NewGuid():N}@mail.example>\nDate: {DateTimeOffset.UtcNow:r}\n"
              + $"MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
            : $"From: {from}\nTo: support@msp.example\nSubject: {subject}\nMessage-ID: <{Guid.NewGuid():N}@mail.example>\nDate: {DateTimeOffset.UtcNow:r}\n"
              + $"MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=\"{boundary}\"\n\n--{boundary}\nContent-Type: text/plain; charset=utf-8\n\n{body}\n"
              + $"--{boundary}\nContent-Type: text/plain; name=\"{attachment}\"\nContent-Disposition: attachment; filename=\"{attachment}\"\n"
              + $"Content-Transfer-Encoding: base64\n\n{Convert.ToBase64String(Encoding.UTF8.GetBytes($"contents of {attachment}"))}\n--{boundary}--\n";
        using var pipe = system.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri("/api/channels/email/messages", UriKind.Relative))
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(mail.ReplaceLineEndings("\r\n"))) { Headers = { ContentType = new("message/rfc822") } },
        };
        request.Headers.Authorization = new("Bearer", RunningSystem.EmailToken);
        using var accepted = await pipe.SendAsync(request);
        Assert.True(accepted.StatusCode == HttpStatusCode.Accepted, await accepted.Content.ReadAsStringAsync());
        return await accepted.Content.ReadFromJsonAsync<JsonElement>();
    }
}
