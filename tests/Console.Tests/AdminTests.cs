using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Playwright;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests;

/// <summary>The admin screens, signed in as Ada (admin) through the identity service, against the real services.</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AdminTests(ConsoleSystem system, Portal.Tests.Chromium chromium)
{
    [Fact]
    public async Task Admin_edits_a_calendar_and_previews_due_times()
    {
        var name = $"Berlin office {Guid.NewGuid():N}"[..24];
        var id = await CreateCalendarAsync(name);

        await using var ada = await SignedInAdminAsync();
        await ada.Page.GotoAsync("/console/admin/calendars");
        await Expect(ada.Page.GetByRole(AriaRole.Heading, new() { Name = "Calendars and holidays", Level = 1 })).ToBeVisibleAsync();
        await ada.Button(name).ClickAsync();
        var monday = ada.Page.GetByLabel("Monday hours");
        await Expect(monday).ToHaveValueAsync("09:00-17:00");

        // A day that closes before it opens: the API's problem beside Monday, and the edit stays as typed.
        await monday.FillAsync("17:00-09:00");
        await ada.Page.GetByLabel("Tuesday hours").FillAsync("09:00-12:00");
        await ada.Button("Save calendar").ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("Nothing was saved");
        await Expect(ada.Page.Locator("#week-monday-error")).ToBeVisibleAsync();
        await Expect(monday).ToHaveValueAsync("17:00-09:00");
        await Expect(ada.Page.GetByLabel("Tuesday hours")).ToHaveValueAsync("09:00-12:00");

        // Fixed, with Monday 14 December a holiday: a ticket entered on Saturday counts from Tuesday 09:00.
        await monday.FillAsync("09:00-17:00");
        await ada.Page.GetByLabel("Holiday date").FillAsync("2026-12-14");
        await ada.Page.GetByLabel("Holiday name").FillAsync("Office move");
        await ada.Button("Add holiday").ClickAsync();
        await ada.Page.Locator(".due-preview").GetByLabel("Priority").SelectOptionAsync("P1");
        await ada.Page.GetByLabel("Entered at (the calendar's local time)").FillAsync("2026-12-12T12:00");
        await ada.Button("Preview due times").ClickAsync();
        var preview = ada.Page.Locator(".preview-table");
        await Expect(preview).ToContainTextAsync("Tue 2026-12-15 09:00 (+01:00)");
        // The standard tier: P1 work begins within 2 business hours (internally 1).
        var work = preview.Locator("tr[data-priority=P1][data-target=work-begins]");
        await Expect(work.Locator(".due-contractual")).ToContainTextAsync("Tue 2026-12-15 11:00");
        await Expect(work.Locator(".due-internal-at")).ToContainTextAsync("Tue 2026-12-15 10:00");
        // Nothing was stored by the preview.
        Assert.Equal(1, (await CalendarAsync(id)).GetProperty("revision").GetInt32());
        await ada.CheckScreenAsync("admin-calendar");

        await ada.Button("Save calendar").ClickAsync();
        await Expect(ada.Page.Locator(".result")).ToContainTextAsync($"Saved: {name} is at revision 2.");
        var saved = await CalendarAsync(id);
        Assert.Equal("Office move", saved.GetProperty("holidays")[0].GetProperty("name").GetString());
        Assert.Equal("12:00", saved.GetProperty("week").GetProperty("tuesday")[0].GetProperty("closes").GetString());
        Assert.True(ada.Errors.Count == 0, string.Join("\n", ada.Errors) + "\n" + system.App("console").Output);
    }

    private static readonly string[] Priorities = ["P1", "P2", "P3", "P4"];

    [Fact]
    public async Task Admin_changes_a_tiers_target_and_previews_it()
    {
        var tier = $"gold-{Guid.NewGuid():N}"[..16];
        using (var api = Admin())
        {
            var targets = Priorities.SelectMany(p => new[]
            {
                new { priority = p, type = "acknowledge", contractualMinutes = 60, internalMinutes = 30 },
                new { priority = p, type = "work-begins", contractualMinutes = 240, internalMinutes = 120 },
            });
            var created = await api.PostAsJsonAsync(new Uri("/api/sla/tiers", UriKind.Relative),
                new { name = tier, afterHoursCovered = false, emergencyCovered = false, targets });
            Assert.True(created.StatusCode == HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        await using var ada = await SignedInAdminAsync();
        await ada.Page.GotoAsync("/console/admin/tiers");
        await ada.Button(tier).ClickAsync();
        var contractual = ada.Page.GetByLabel("P1 work-begins contractual minutes");
        var @internal = ada.Page.GetByLabel("P1 work-begins internal minutes");
        await Expect(contractual).ToHaveValueAsync("240");

        // Internal looser than contractual: refused, named beside the row, and the edit stays.
        await contractual.FillAsync("180");
        await @internal.FillAsync("200");
        await ada.Button("Save tier").ClickAsync();
        await Expect(ada.Page.Locator("tr[data-priority=P1][data-target=work-begins] .field-error")).ToBeVisibleAsync();
        await Expect(@internal).ToHaveValueAsync("200");

        await @internal.FillAsync("90");
        await ada.Button("Save tier").ClickAsync();
        await Expect(ada.Page.Locator(".result")).ToContainTextAsync($"Saved: tier {tier} is at revision 2.");
        await ada.Page.Locator(".due-preview").GetByLabel("Priority").SelectOptionAsync("P1");
        await ada.Button("Preview due times").ClickAsync();
        var work = ada.Page.Locator(".preview-table tr[data-priority=P1][data-target=work-begins]");
        await Expect(work.Locator(".due-contractual")).ToContainTextAsync("(3 h)");
        await Expect(work.Locator(".due-internal-at")).ToContainTextAsync("(1 h 30 min)");
        await ada.CheckScreenAsync("admin-tier");
        Assert.True(ada.Errors.Count == 0, string.Join("\n", ada.Errors) + "\n" + system.App("console").Output);
    }

    [Fact]
    public async Task Staff_who_are_not_admins_get_403_from_the_admin_pages()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.App("gateway").Url };
        foreach (var (role, expected) in new[] { (Roles.Technician, HttpStatusCode.Forbidden), (Roles.Dispatcher, HttpStatusCode.Forbidden), (Roles.Admin, HttpStatusCode.OK) })
        foreach (var path in new[] { "/console/admin", "/console/admin/calendars" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = new("Bearer", TestAuth.Token(role, subject: role));
            using var response = await http.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{role} {path}: {response.StatusCode}");
        }
    }

    private async Task<StaffBrowser> SignedInAdminAsync()
    {
        var ada = await StaffBrowser.OpenAsync(chromium, system);
        await ada.SignInAsStaffAsync(RunningSystem.AdminEmail, RunningSystem.DemoPassword);
        await ada.Page.GetByRole(AriaRole.Navigation, new() { Name = "Screens" }).GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Heading, new() { Name = "Admin", Level = 1 })).ToBeVisibleAsync();
        return ada;
    }

    private HttpClient Admin() => system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));

    private async Task<Guid> CreateCalendarAsync(string name)
    {
        using var admin = Admin();
        var response = await admin.PostAsJsonAsync(new Uri("/api/sla/calendars", UriKind.Relative), new
        {
            name, timeZone = "Europe/Berlin", week = new { monday = new[] { new { opens = "09:00", closes = "17:00" } } },
        });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> CalendarAsync(Guid id)
    {
        using var admin = Admin();
        return await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/sla/calendars/{id}", UriKind.Relative));
    }
}
