using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests;

/// <summary>
/// The admin screens for teams, routing rules, rotations and overrides, signed in as Ada (admin) through the identity
/// service, against the real services. People are picked and shown by their names from identity (Tess Ng, Dan Brooks).
/// </summary>
[Collection(ConsoleCollection.Name)]
public sealed class AdminTeamsTests(ConsoleSystem system, Portal.Tests.Chromium chromium)
{
    private static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    [Fact]
    public async Task Admin_creates_a_team_with_its_paging_wait_and_a_routing_rule()
    {
        var name = $"Network {Guid.NewGuid():N}"[..16];
        // A channel of this test's own, so that the rule routes no other test's tickets.
        var channel = $"rmm-{Guid.NewGuid():N}"[..12];

        await using var ada = await SignedInAdminAsync();
        await ada.Page.GetByRole(AriaRole.Link, new() { Name = "Teams and routing" }).First.ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Heading, new() { Name = "Teams and routing", Level = 1 })).ToBeVisibleAsync();
        await ada.Button("New team").ClickAsync();
        await ada.Page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await ada.Page.GetByRole(AriaRole.Checkbox, new() { Name = "Tess Ng" }).CheckAsync();
        await ada.Page.GetByRole(AriaRole.Checkbox, new() { Name = "Dan Brooks" }).CheckAsync();
        await ada.Page.GetByLabel("Lead (paged after the backup)").SelectOptionAsync(new SelectOptionValue { Label = "Dan Brooks" });

        // Five seconds between pages is too short: the API's problem beside the field, the edit kept, nothing stored.
        var wait = ada.Page.GetByLabel("Page wait (seconds, 30 to 3600)");
        await wait.FillAsync("5");
        await ada.Button("Save team").ClickAsync();
        await Expect(ada.Page.Locator("#wait-error")).ToContainTextAsync("From 30 to 3600 seconds");
        await Expect(ada.Page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("Nothing was saved");
        await Expect(wait).ToHaveValueAsync("5");
        await Expect(ada.Page.GetByRole(AriaRole.Checkbox, new() { Name = "Tess Ng" })).ToBeCheckedAsync();
        Assert.Null(await TeamAsync(name));

        await wait.FillAsync("120");
        await ada.Page.GetByLabel("Paging rounds (1 to 10)").FillAsync("3");
        await ada.Button("Save team").ClickAsync();
        await Expect(ada.Page.Locator(".result")).ToContainTextAsync($"Saved: team {name}.");
        var team = await TeamAsync(name) ?? throw new InvalidOperationException("The team was not stored.");
        Assert.Equal(120, team.GetProperty("pageWaitSeconds").GetInt32());
        Assert.Equal(3, team.GetProperty("pageRounds").GetInt32());
        Assert.Equal(2, team.GetProperty("members").GetArrayLength());
        var teamId = team.GetProperty("id").GetGuid();

        // A rule that sends the channel's tickets to the team, from any client.
        await ada.Page.GetByLabel("Channel (empty: any; e.g. email, portal, phone)").FillAsync(channel);
        await ada.Page.GetByLabel("Send to team").SelectOptionAsync(new SelectOptionValue { Label = name });
        await ada.Button("Add rule").ClickAsync();
        await Expect(ada.Page.Locator(".result").Last).ToContainTextAsync($"any client's {channel} tickets to {name}");
        var row = ada.Row(channel);
        await Expect(row).ToContainTextAsync(name);
        var rule = (await RulesAsync()).Single(r => r.GetProperty("channel").GetString() == channel);
        Assert.Equal(teamId, rule.GetProperty("teamId").GetGuid());
        Assert.Equal(JsonValueKind.Null, rule.GetProperty("clientId").ValueKind);
        await ada.CheckScreenAsync("admin-teams");

        // The team cannot go while the rule sends tickets to it: the API's 409, and the team stays.
        await ada.Button("Delete team").ClickAsync();
        await ada.Button($"Yes, delete {name}").ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("Routing rules still send tickets to the team.");
        Assert.NotNull(await TeamAsync(name));

        // Rule removed (confirmed), then the team deleted (confirmed).
        var order = rule.GetProperty("order").GetInt32();
        await ada.Button($"Remove rule {order}").ClickAsync();
        await ada.Button($"Yes, remove rule {order}").ClickAsync();
        await Expect(row).ToHaveCountAsync(0);
        await ada.Button("Delete team").ClickAsync();
        await ada.Button($"Yes, delete {name}").ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Navigation, new() { Name = "Teams" }).GetByRole(AriaRole.Button, new() { Name = name })).ToHaveCountAsync(0);
        Assert.Null(await TeamAsync(name));
        Assert.True(ada.Errors.Count == 0, string.Join("\n", ada.Errors) + "\n" + system.App("console").Output);
    }

    [Fact]
    public async Task Admin_sets_up_a_rotation_sees_who_is_on_call_and_an_override_win()
    {
        var name = $"Field {Guid.NewGuid():N}"[..14];
        var teamId = await CreateTeamAsync(name);

        await using var ada = await SignedInAdminAsync();
        await ada.Page.GotoAsync($"/console/admin/on-call?team={teamId}");
        await Expect(ada.Page.GetByRole(AriaRole.Heading, new() { Name = "Rotations and overrides", Level = 1 })).ToBeVisibleAsync();
        var primaryNow = ada.Page.Locator(".on-call-table tr[data-layer=primary] td.now");
        await Expect(primaryNow).ToHaveTextAsync("Nobody: the team has no primary rotation");

        // Tess, then Dan, a day each, handing off at 08:00 Berlin time; the turn holding now is Tess's.
        var now = TimeZoneInfo.ConvertTime(DateTimeOffset.UtcNow, Berlin);
        var turnDate = DateOnly.FromDateTime(now.DateTime).AddDays(now.TimeOfDay >= TimeSpan.FromHours(8) ? 0 : -1);
        var handoff = turnDate.AddDays(1).ToDateTime(new TimeOnly(8, 0));
        await ada.Page.GetByLabel("Person to add").SelectOptionAsync(new SelectOptionValue { Label = "Tess Ng" });
        await ada.Button("Add to rotation").ClickAsync();
        await ada.Page.GetByLabel("Person to add").SelectOptionAsync(new SelectOptionValue { Label = "Dan Brooks" });
        await ada.Button("Add to rotation").ClickAsync();
        await Expect(ada.Page.Locator("fieldset.people li .person")).ToHaveTextAsync(["Tess Ng", "Dan Brooks"]);
        await ada.Page.GetByLabel("Turn length (days)").FillAsync("1");
        await ada.Page.GetByLabel("Hand-off time (local)").FillAsync("08:00");
        await ada.Page.GetByLabel("Time zone (IANA, e.g. Europe/Berlin)").FillAsync("Europe/Berlin");
        await ada.Page.GetByLabel("First turn (local date)").FillAsync(turnDate.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));

        // A version cannot take effect in the past: the API's problem beside the field, nothing stored.
        var effective = ada.Page.GetByLabel("Effective from (the rotation's zone; empty: now)");
        await effective.FillAsync("2020-01-06T08:00");
        await ada.Button("Save primary rotation").ClickAsync();
        await Expect(ada.Page.Locator("#effective-error")).ToContainTextAsync("Must not be in the past");
        await Expect(ada.Page.Locator("fieldset.people li .person")).ToHaveCountAsync(2);
        Assert.Equal(0, (await GetAsync($"/api/teams/{teamId}/rotations")).GetArrayLength());

        await effective.FillAsync("");
        await ada.Button("Save primary rotation").ClickAsync();
        await Expect(ada.Page.Locator(".result").First).ToContainTextAsync("Saved: the primary rotation has a new version, in force now.");
        await Expect(primaryNow).ToHaveTextAsync("Tess Ng");
        var primaryNext = ada.Page.Locator(".on-call-table tr[data-layer=primary] td.next");
        await Expect(primaryNext).ToHaveTextAsync($"Dan Brooks from {Local(handoff)}");
        await Expect(ada.Page.Locator(".gaps")).ToContainTextAsync("Primary: none");

        // Ada covers from in ten minutes for an hour: she is next, and on call within that hour.
        var from = new DateTime(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0).AddMinutes(10);
        await ada.Page.GetByLabel("Who covers").SelectOptionAsync(new SelectOptionValue { Label = "Ada Lovelace" });
        await ada.Page.GetByLabel("From (Europe/Berlin)").FillAsync(Wall(from));
        await ada.Page.GetByLabel("To (Europe/Berlin)").FillAsync(Wall(from.AddHours(1)));
        await ada.Page.GetByLabel("Reason (optional)").FillAsync("Tess at the dentist");
        await ada.Button("Add override").ClickAsync();
        await Expect(ada.Page.Locator(".result").Last).ToContainTextAsync($"Saved: You (Ada Lovelace) is primary from {Local(from)}");
        await Expect(ada.Page.Locator(".overrides")).ToContainTextAsync("Tess at the dentist");
        await Expect(primaryNext).ToHaveTextAsync($"You (Ada Lovelace) from {Local(from)}");
        await ada.Page.GetByLabel("At (Europe/Berlin; empty: now)").FillAsync(Wall(from.AddMinutes(5)));
        await ada.Button("Show").ClickAsync();
        await Expect(primaryNow).ToHaveTextAsync("You (Ada Lovelace)");
        await Expect(primaryNext).ToHaveTextAsync($"Tess Ng from {Local(from.AddHours(1))}");

        // Dan for an overlapping half hour: the API's 409 beside From, naming Ada; the edit kept, nothing stored.
        await ada.Page.GetByLabel("Who covers").SelectOptionAsync(new SelectOptionValue { Label = "Dan Brooks" });
        await ada.Page.GetByLabel("From (Europe/Berlin)").FillAsync(Wall(from.AddMinutes(30)));
        await ada.Page.GetByLabel("To (Europe/Berlin)").FillAsync(Wall(from.AddMinutes(90)));
        await ada.Button("Add override").ClickAsync();
        await Expect(ada.Page.Locator("#from-error")).ToContainTextAsync($"Overlaps Ada Lovelace's primary override from {Local(from)} to {Local(from.AddHours(1))}");
        await Expect(ada.Page.GetByLabel("From (Europe/Berlin)")).ToHaveValueAsync(Wall(from.AddMinutes(30)));
        Assert.Equal(1, (await GetAsync($"/api/teams/{teamId}/overrides")).GetArrayLength());
        await ada.CheckScreenAsync("admin-on-call");

        // In summer the hand-off is still at 08:00 Berlin time, now at +02:00.
        await ada.Page.GetByLabel("At (Europe/Berlin; empty: now)").FillAsync("2027-07-01T12:00");
        await ada.Button("Show").ClickAsync();
        await Expect(primaryNext).ToContainTextAsync("from Fri 2027-07-02 08:00 (+02:00)");

        // The rotation's calendar feed: a URL on the gateway that a calendar app fetches without a token.
        await ada.Button("Issue a feed URL").ClickAsync();
        var feed = ada.Page.GetByLabel("Feed URL (shown only now; copy it)");
        await Expect(feed).ToHaveValueAsync(new System.Text.RegularExpressions.Regex("/calendars/.+\\.ics$"));
        using var anonymous = new HttpClient();
        var calendar = await anonymous.GetStringAsync(new Uri(await feed.InputValueAsync()));
        Assert.Contains("BEGIN:VCALENDAR", calendar, StringComparison.Ordinal);
        Assert.True(ada.Errors.Count == 0, string.Join("\n", ada.Errors) + "\n" + system.App("console").Output);
    }

    [Fact]
    public async Task Staff_who_are_not_admins_get_403_from_the_team_and_on_call_pages()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.App("gateway").Url };
        foreach (var (role, expected) in new[] { (Roles.Technician, HttpStatusCode.Forbidden), (Roles.Dispatcher, HttpStatusCode.Forbidden), (Roles.Admin, HttpStatusCode.OK) })
        foreach (var path in new[] { "/console/admin/teams", "/console/admin/on-call" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = new("Bearer", TestAuth.Token(role, subject: role));
            using var response = await http.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{role} {path}: {response.StatusCode}");
        }
    }

    /// <summary>How the screens write a Berlin wall-clock time: with its offset that day.</summary>
    private static string Local(DateTime berlin) =>
        new DateTimeOffset(berlin, Berlin.GetUtcOffset(berlin)).ToString("ddd yyyy-MM-dd HH:mm '('zzz')'", CultureInfo.InvariantCulture);

    /// <summary>What a datetime-local input takes.</summary>
    private static string Wall(DateTime local) => local.ToString("yyyy-MM-dd'T'HH:mm", CultureInfo.InvariantCulture);

    private async Task<StaffBrowser> SignedInAdminAsync()
    {
        var ada = await StaffBrowser.OpenAsync(chromium, system);
        await ada.SignInAsStaffAsync(RunningSystem.AdminEmail, RunningSystem.DemoPassword);
        await ada.Page.GetByRole(AriaRole.Navigation, new() { Name = "Screens" }).GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Heading, new() { Name = "Admin", Level = 1 })).ToBeVisibleAsync();
        return ada;
    }

    private HttpClient Admin() => system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));

    private async Task<Guid> CreateTeamAsync(string name)
    {
        using var admin = Admin();
        var response = await admin.PostAsJsonAsync(new Uri("/api/teams", UriKind.Relative), new { name });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> GetAsync(string path)
    {
        using var admin = Admin();
        return await admin.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative));
    }

    private async Task<JsonElement?> TeamAsync(string name) =>
        (await GetAsync("/api/teams")).EnumerateArray().Where(t => t.GetProperty("name").GetString() == name).Select(t => (JsonElement?)t).SingleOrDefault();

    private async Task<JsonElement[]> RulesAsync() => [.. (await GetAsync("/api/routing-rules")).EnumerateArray()];
}
