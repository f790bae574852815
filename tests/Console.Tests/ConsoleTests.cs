using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Npgsql;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests;

/// <summary>
/// The staff console in real browsers, through the gateway of the whole running system: people sign in at the identity
/// service, every screen is driven by its labels and roles, checked with axe-core, and photographed.
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class ConsoleTests(ConsoleSystem system, Portal.Tests.Chromium chromium)
{
    /// <summary>
    /// A change must reach the other person's screen without a reload. Well under a second on an idle machine; the bound
    /// leaves room for a loaded one (docs/BENCHMARKS.md is where timing goals belong, not here).
    /// </summary>
    private static readonly LocatorAssertionsToContainTextOptions Live = new() { Timeout = 10_000 };

    [Fact]
    public async Task Technician_takes_the_top_team_ticket_replies_logs_time_waits_on_the_client_and_resolves_while_a_dispatcher_watches_live()
    {
        var tess = await SubjectOfAsync(RunningSystem.TechnicianEmail);
        var team = await TeamAsync($"Front desk {Guid.NewGuid():N}"[..20], tess);
        var subject = $"Printer offline {Guid.NewGuid():N}";
        var ticket = await TicketInTeamAsync(subject, team);

        await using var technician = await StaffBrowser.OpenAsync(chromium, system);
        await technician.SignInAsStaffAsync(RunningSystem.TechnicianEmail, RunningSystem.DemoPassword);
        await Expect(technician.Page.GetByText("Signed in as Tess Ng")).ToBeVisibleAsync();
        await technician.CheckScreenAsync("queue-mine");

        // My team's queue, by keyboard: the first ticket has focus after one arrow key, Enter opens it.
        await technician.Page.GetByRole(AriaRole.Link, new() { Name = "My team's" }).ClickAsync();
        await Expect(technician.Page.GetByRole(AriaRole.Heading, new() { Name = "My team's", Level = 1 })).ToBeVisibleAsync();
        var row = technician.Row(subject);
        await Expect(row).ToBeVisibleAsync();
        await Expect(row.Locator(".due")).ToContainTextAsync(new Regex("Acknowledge|Work begins|Clock starting"));
        await technician.CheckScreenAsync("queue-team");
        var top = technician.Page.GetByRole(AriaRole.Table).GetByRole(AriaRole.Link).First;
        await top.FocusAsync();
        await technician.Page.Keyboard.PressAsync("ArrowDown"); // the only row: focus stays in the queue
        await Expect(top).ToBeFocusedAsync();
        await technician.Page.Keyboard.PressAsync("Enter");
        var heading = technician.Page.GetByRole(AriaRole.Heading, new() { Level = 1 });
        await WithOutputAsync(() => Expect(heading).ToContainTextAsync(subject));

        // A dispatcher has the same ticket open in another browser.
        await using var dispatcher = await StaffBrowser.OpenAsync(chromium, system);
        await dispatcher.SignInAsStaffAsync(RunningSystem.DispatcherEmail, RunningSystem.DemoPassword);
        await dispatcher.Page.GotoAsync($"/console/tickets/{ticket}");
        var watched = dispatcher.Page.Locator(".ticket-facts");
        await Expect(watched).ToContainTextAsync("Assignee: Nobody");
        // Each sees the other on the ticket.
        await Expect(technician.Page.Locator(".presence")).ToContainTextAsync("Dan Brooks is viewing.", Live);
        await Expect(dispatcher.Page.Locator(".presence")).ToContainTextAsync("Tess Ng is viewing.", Live);

        await technician.Button("Take it").ClickAsync();
        await Expect(technician.Page.Locator(".ticket-facts")).ToContainTextAsync("Assignee: You (Tess Ng)");
        await Expect(watched).ToContainTextAsync("Assignee: Tess Ng", Live); // the staff directory's name, not the subject

        await technician.Page.GetByLabel("Reply to the client (emailed to them)").FillAsync("We are on it: the printer's driver is being reinstalled.");
        await Expect(dispatcher.Page.Locator(".presence")).ToContainTextAsync("Tess Ng is replying.", Live);
        await technician.Button("Send reply").ClickAsync();
        var reply = technician.Page.Locator(".message[data-kind=PublicReply]");
        await Expect(reply).ToContainTextAsync("driver is being reinstalled");
        await Expect(dispatcher.Page.Locator(".message[data-kind=PublicReply]")).ToContainTextAsync("driver is being reinstalled", Live);
        await Expect(dispatcher.Page.Locator(".presence")).ToContainTextAsync("Tess Ng is viewing.", Live);

        await technician.Page.GetByLabel("Internal note (staff only)").FillAsync("Driver 4.2 is the one that works.");
        await technician.Button("Add internal note").ClickAsync();
        await Expect(technician.Page.Locator(".message[data-kind=InternalNote]")).ToContainTextAsync("Driver 4.2");

        await technician.Page.GetByLabel("Minutes worked (ending now)").FillAsync("20");
        await technician.Page.GetByLabel("What was done").FillAsync("Reinstalled the driver");
        await technician.Button("Log time").ClickAsync();
        await Expect(technician.Page.Locator(".time-entries")).ToContainTextAsync("20 min");
        // Billing's state of that time, once billing has it (the approval recorded at the start covers after-hours work).
        await Expect(technician.Page.Locator(".time-entries .billing-state")).ToContainTextAsync(
            new Regex("Billing: (awaiting approval|approved and rated|not rated|covered)"), Live);

        await technician.Page.GetByLabel("New status").SelectOptionAsync("WaitingOnClient");
        await technician.Page.GetByLabel("Reason (optional)").FillAsync("Asked Dana to print a test page");
        await technician.Button("Change status").ClickAsync();
        await Expect(technician.Page.Locator(".ticket-facts .due")).ToHaveAttributeAsync("data-state", "paused");
        await Expect(watched).ToContainTextAsync("Waiting on client", Live);
        await Expect(dispatcher.Page.Locator(".ticket-facts .due")).ToContainTextAsync("Paused", Live);
        await technician.CheckScreenAsync("ticket");
        await dispatcher.CheckScreenAsync("ticket-seen-live");

        await technician.Page.GetByLabel("New status").SelectOptionAsync("Resolved");
        await technician.Page.GetByLabel("Reason (optional)").FillAsync("Test page printed");
        await technician.Button("Change status").ClickAsync();
        await Expect(technician.Page.Locator(".ticket-facts")).ToContainTextAsync("Resolved");
        await Expect(watched).ToContainTextAsync("Resolved", Live);
        // The SLA ledger shows the pause, and the audit trail every change.
        await Expect(technician.Page.Locator(".sla")).ToContainTextAsync("Paused", Live);
        await Expect(technician.Page.Locator(".audit")).ToContainTextAsync("status");
        Assert.Empty(technician.Errors);
        Assert.Empty(dispatcher.Errors);
    }

    [Fact]
    public async Task A_change_made_from_an_old_version_offers_reload_or_apply_anyway()
    {
        var subject = $"Scanner jams {Guid.NewGuid():N}";
        var ticket = await TicketInTeamAsync(subject, team: null);
        await using var dispatcher = await StaffBrowser.OpenAsync(chromium, system);
        await dispatcher.SignInAsStaffAsync(RunningSystem.DispatcherEmail, RunningSystem.DemoPassword);
        await dispatcher.Page.GotoAsync($"/console/tickets/{ticket}");
        await Expect(dispatcher.Page.GetByRole(AriaRole.Heading, new() { Level = 1 })).ToContainTextAsync(subject);
        await Expect(dispatcher.Page.Locator(".sla")).ToContainTextAsync("Tier");
        // Once the acknowledgement has been sent and counted, nothing changes the ticket by itself: the next change is the test's.
        await Expect(dispatcher.Page.Locator(".ticket-facts .due")).ToContainTextAsync("Work begins");

        // Someone else's change that this console was not told about (a notice lost between instances): only the version moves.
        await using (var db = new NpgsqlConnection(system.DatabaseOf("tickets")))
        {
            await db.OpenAsync();
            await using var touch = new NpgsqlCommand("""UPDATE tickets SET "Version" = "Version" + 1 WHERE "Id" = @id""", db);
            touch.Parameters.AddWithValue("id", ticket);
            Assert.Equal(1, await touch.ExecuteNonQueryAsync());
        }

        await dispatcher.Page.GetByLabel("New priority").SelectOptionAsync("P2");
        await dispatcher.Page.GetByLabel("Reason (the SLA ledger keeps it)").FillAsync("Whole office affected");
        await dispatcher.Button("Change priority").ClickAsync();
        var choice = dispatcher.Page.GetByRole(AriaRole.Alert);
        await Expect(choice).ToContainTextAsync("Someone else changed this ticket");
        await dispatcher.CheckScreenAsync("ticket-conflict");
        await dispatcher.Button("Apply my change anyway").ClickAsync();
        await Expect(dispatcher.Page.Locator(".result")).ToContainTextAsync("Priority changed to P2");
        await Expect(dispatcher.Page.Locator(".ticket-facts .priority")).ToHaveTextAsync("P2");
        await Expect(choice).ToHaveCountAsync(0);
        Assert.Empty(dispatcher.Errors);
    }

    [Fact]
    public async Task A_client_gets_403_from_the_console_pages_and_its_live_feed_whether_signed_in_or_with_a_token()
    {
        var client = TestAuth.Token(Roles.ClientUser, RunningSystem.DemoClient, "dana", RunningSystem.DemoContact);
        var staff = TestAuth.Token(Roles.Technician, subject: "terry");
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.App("gateway").Url };

        // Nobody signed in: to the identity service's sign-in (through the gateway), with PKCE.
        using var signIn = await anonymous.GetAsync(new Uri("/console/queues/mine", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, signIn.StatusCode);
        Assert.Contains("/connect/authorize?", signIn.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.Contains("code_challenge_method=S256", signIn.Headers.Location!.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("default-src 'self';", signIn.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);

        foreach (var (method, path) in new[] { (HttpMethod.Get, "/console/queues/mine"), (HttpMethod.Post, "/console/_blazor/negotiate?negotiateVersion=1") })
        {
            using var asClient = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            asClient.Headers.Authorization = new("Bearer", client);
            using var refused = await anonymous.SendAsync(asClient);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);

            using var asStaff = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
            asStaff.Headers.Authorization = new("Bearer", staff);
            using var served = await anonymous.SendAsync(asStaff);
            Assert.Equal(HttpStatusCode.OK, served.StatusCode);
        }

        // Dana signs in at the identity service like anyone, and the console still says no.
        await using var dana = await StaffBrowser.OpenAsync(chromium, system);
        await dana.SignInAsync(RunningSystem.DemoContactEmail, RunningSystem.DemoPassword);
        await Expect(dana.Page.GetByRole(AriaRole.Heading, new() { Name = "Staff only" })).ToBeVisibleAsync();
        var page = await dana.Page.ReloadAsync();
        Assert.Equal(403, page!.Status);
        await dana.CheckScreenAsync("staff-only");
    }

    [Fact]
    public async Task Dispatcher_at_night_sees_a_P1_page_escalate_to_the_backup_records_a_call_down_attempt_and_the_approval()
    {
        // A premium client whose calendar is closed now (open one hour, two days from today): a P1 pages its team's on-call.
        using var admin = system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));
        var day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);
        var calendar = await admin.PostAsJsonAsync(new Uri("/api/sla/calendars", UriKind.Relative), new
        {
            name = $"Open only {day:yyyy-MM-dd} ({Guid.NewGuid():N})", timeZone = "Etc/UTC",
            week = new Dictionary<string, object[]> { [day.DayOfWeek.ToString().ToLowerInvariant()] = [new { opens = "10:00", closes = "11:00" }] },
        });
        Assert.True(calendar.IsSuccessStatusCode, await calendar.Content.ReadAsStringAsync());
        using var dora = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var client = await EndToEnd.Tests.ClientDirectory.NewClientAsync(system, dora, $"Night clinic {Guid.NewGuid():N}", "premium",
            (await calendar.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        var name = $"Carl Callme {Guid.NewGuid():N}"[..20];
        var phone = EndToEnd.Tests.ClientDirectory.NewPhone();
        var carl = await EndToEnd.Tests.ClientDirectory.AddContactAsync(system, dora, client, name, $"carl.{Guid.NewGuid():N}@night-clinic.example", phone);
        var list = await admin.PutAsJsonAsync(new Uri($"/api/clients/{client}/call-down-list", UriKind.Relative), new { contactIds = new[] { carl } });
        Assert.True(list.IsSuccessStatusCode, await list.Content.ReadAsStringAsync());

        // The night team: olga and otto take turns as primary (a hand-off every day at 08:00 UTC), bert is the backup,
        // and a page waits 30 s for an answer. A second team has no rotation at all.
        var night = await TeamAsync($"Night {Guid.NewGuid():N}"[..16], pageWaitSeconds: 30, RunningSystem.OnCallStaff);
        foreach (var (layer, people) in new[] { ("primary", new[] { "olga", "otto" }), ("backup", new[] { "bert" }) })
        {
            var rotation = await dora.PostAsJsonAsync(new Uri($"/api/teams/{night}/rotations", UriKind.Relative), new
            {
                layer, people, turnDays = 1, handoff = "08:00", timeZone = "Etc/UTC", firstTurn = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1),
            });
            Assert.True(rotation.IsSuccessStatusCode, await rotation.Content.ReadAsStringAsync());
        }
        var idle = await TeamAsync($"Idle {Guid.NewGuid():N}"[..16]);
        var rule = await dora.PostAsJsonAsync(new Uri("/api/routing-rules", UriKind.Relative), new { order = 1, clientId = client, teamId = night });
        Assert.True(rule.IsSuccessStatusCode, await rule.Content.ReadAsStringAsync());

        await using var dispatcher = await StaffBrowser.OpenAsync(chromium, system);
        await dispatcher.SignInAsStaffAsync(RunningSystem.DispatcherEmail, RunningSystem.DemoPassword);
        await dispatcher.Page.GetByRole(AriaRole.Link, new() { Name = "Dispatcher board" }).ClickAsync();
        var nightRow = dispatcher.Page.Locator($"tr[data-team='{night}']");
        await WithOutputAsync(() => Expect(nightRow).ToContainTextAsync("bert", Live));
        await Expect(nightRow.Locator("td").Nth(2)).ToContainTextAsync(new Regex("^(olga|otto) from "));
        await Expect(dispatcher.Page.Locator($"tr[data-team='{idle}']")).ToContainTextAsync("Nobody: the team has no primary rotation");
        await Expect(dispatcher.Page.Locator(".ageing")).ToContainTextAsync("0-7 days");

        using var asCarl = system.Client(TestAuth.Token(Roles.ClientUser, client, "carl", carl));
        var subject = $"Server down {Guid.NewGuid():N}";
        var request = await asCarl.PostAsJsonAsync(new Uri("/api/requests", UriKind.Relative),
            new { subject, description = "Nothing works.", emergency = true, emergencyTermsConfirmed = true });
        Assert.Equal(HttpStatusCode.Accepted, request.StatusCode);

        var card = dispatcher.Page.Locator(".emergency-card").Filter(new() { HasText = subject });
        await Expect(card).ToBeVisibleAsync(); // live: the ticket appears when it opens
        await WithOutputAsync(() => Expect(card.Locator(".paging-chain")).ToContainTextAsync("primary: paged", new() { Timeout = 90_000 }));
        // Nobody answers the primary's page within the team's 30 s: the backup is paged, and the board says so.
        await Expect(card.Locator(".escalated")).ToContainTextAsync("last to the backup, bert", new() { Timeout = 90_000 });
        await Expect(card.Locator(".paging-chain")).ToContainTextAsync("backup: paged bert");
        // When bert's page escalates (his page plus the team's 30 s), to the minute: not his link's expiry a day later.
        await Expect(card.Locator(".escalates")).ToHaveTextAsync(new Regex(@"^Unanswered, it escalates at (\d{4}-\d{2}-\d{2} )?\d{2}:\d{2} UTC\.$"));
        // The chain's numbers sit inside the card, right of its border, not in the page's margin.
        var cardBox = (await card.BoundingBoxAsync())!;
        var firstPage = (await card.Locator(".paging-chain li").First.BoundingBoxAsync())!;
        Assert.True(firstPage.X - cardBox.X >= 36, $"the first page's line starts {firstPage.X - cardBox.X}px from the card's edge: no room for its number");

        await card.GetByLabel("Who").SelectOptionAsync(carl.ToString());
        await card.GetByLabel("Outcome").SelectOptionAsync("reached");
        await card.GetByLabel("Note").FillAsync("Carl approves, rate quoted");
        await card.GetByRole(AriaRole.Button, new() { Name = "Record call" }).ClickAsync();
        await Expect(card.Locator(".call-down-attempts")).ToContainTextAsync($"{name} at {phone}: reached");
        // The walk is over once someone is reached: no more calls offered (tickets would answer 409).
        await Expect(card.Locator(".walk-over")).ToContainTextAsync($"{name} was reached");
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Record call" })).ToHaveCountAsync(0);

        await card.GetByLabel("Approved by").SelectOptionAsync(carl.ToString());
        await card.GetByRole(AriaRole.Button, new() { Name = "Record approval" }).ClickAsync();
        await Expect(card.Locator(".approval")).ToContainTextAsync($"Approved by {name} (phone)");
        await Expect(card.GetByRole(AriaRole.Button, new() { Name = "Record approval" })).ToHaveCountAsync(0);
        await dispatcher.CheckScreenAsync("dispatcher-board");
        Assert.Empty(dispatcher.Errors);
    }

    /// <summary>A browser expectation that, when it fails, says what the console and tickets logged meanwhile.</summary>
    private async Task WithOutputAsync(Func<Task> expectation)
    {
        try
        {
            await expectation();
        }
        catch (PlaywrightException e)
        {
            Assert.Fail($"{e.Message}\n{Tail(system.App("console").Output)}\n{Tail(system.App("tickets").Output)}");
        }
    }

    private static string Tail(string output) => output.Length > 4000 ? output[^4000..] : output;

    /// <summary>The identity service's id of a person: the "sub" of their tokens, which teams list as members.</summary>
    private async Task<string> SubjectOfAsync(string email)
    {
        await using var db = new NpgsqlConnection(system.IdentityDatabase);
        await db.OpenAsync();
        await using var query = new NpgsqlCommand("""SELECT "Id" FROM "AspNetUsers" WHERE "Email" = @email""", db);
        query.Parameters.AddWithValue("email", email);
        return ((Guid)(await query.ExecuteScalarAsync())!).ToString();
    }

    private Task<Guid> TeamAsync(string name, params string[] members) => TeamAsync(name, pageWaitSeconds: null, members);

    /// <param name="pageWaitSeconds">How long a page waits for an answer before the next layer is paged (tickets' default when null).</param>
    private async Task<Guid> TeamAsync(string name, int? pageWaitSeconds, params string[] members)
    {
        using var admin = system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));
        var response = await admin.PostAsJsonAsync(new Uri("/api/teams", UriKind.Relative), new { name, members, pageWaitSeconds, pageRounds = 1 });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>
    /// Dana asks for help; a dispatcher puts the ticket in the team's queue (or leaves it unassigned) and records Dana's
    /// approval of after-hours work, so that time may be logged on it whatever the hour the test runs at.
    /// </summary>
    private async Task<Guid> TicketInTeamAsync(string subject, Guid? team)
    {
        using var dana = system.Client(TestAuth.Token(Roles.ClientUser, RunningSystem.DemoClient, "dana", RunningSystem.DemoContact));
        var request = await dana.PostAsJsonAsync(new Uri("/api/requests", UriKind.Relative), new { subject, description = "It shows offline on every computer." });
        Assert.True(request.StatusCode == HttpStatusCode.Accepted, await request.Content.ReadAsStringAsync());
        var id = (await request.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var approval = await Eventually.GetAsync(async () =>
        {
            var response = await dispatcher.PostAsJsonAsync(new Uri($"/api/tickets/{id}/approvals", UriKind.Relative), new
            {
                approverContactId = RunningSystem.DemoContact, method = "phone", onSiteRequired = false, sendConfirmation = false,
            });
            return response.StatusCode == HttpStatusCode.NotFound ? null : response;
        }, "the ticket", explain: () => system.Output);
        Assert.True(approval.StatusCode == HttpStatusCode.Created, await approval.Content.ReadAsStringAsync());
        if (team is null) return id;

        // sla's due times may be copied onto the ticket meanwhile: bookkeeping, which leaves the version just read valid.
        var current = await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets/{id}", UriKind.Relative));
        var assigned = await dispatcher.PostAsJsonAsync(new Uri($"/api/tickets/{id}/assignment", UriKind.Relative),
            new { teamId = team, version = current.GetProperty("version").GetUInt32() });
        Assert.True(assigned.IsSuccessStatusCode, await assigned.Content.ReadAsStringAsync());
        return id;
    }
}
