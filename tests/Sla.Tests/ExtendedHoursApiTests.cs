using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Sla.Tests;

/// <summary>
/// Extended-hours cover through the API (docs/adr/0042): a tier names a stored calendar and the priorities it serves; the
/// preview and a real ticket's clock agree on it; the clock keeps the calendar revision it started on.
/// </summary>
public sealed class ExtendedHoursApiTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    /// <summary>Two days from now (UTC): a calendar open only then is closed now.</summary>
    private static readonly DateOnly Day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");

    [Fact]
    public async Task Outside_extended_hours_the_preview_and_the_clock_wait_for_their_next_opening_in_the_clients_zone()
    {
        using var admin = sla.Admin();
        // Stored in UTC, read in the client's zone: 10:00 on Day is 10:00 in Tokyo, 01:00 UTC.
        var extended = await CalendarAsync(admin, "Etc/UTC", Day, "10:00", "11:00");
        var tier = await TierAsync(admin, extended, ["P1", "P2"]);
        var client = Guid.NewGuid();
        await sla.ChangeClientAsync(client, 1, tier, (await CalendarAsync(admin, "Asia/Tokyo", Day.AddDays(1), "10:00", "11:00")).ToString());
        var extendedOpens = new DateTimeOffset(Day.ToDateTime(new TimeOnly(1, 0)), TimeSpan.Zero);

        var p2 = await PreviewAsync(admin, client, "P2", SlaFixture.Now());
        var p3 = await PreviewAsync(admin, client, "P3", SlaFixture.Now());

        Assert.Equal((false, extendedOpens), (p2.GetProperty("coverage").GetProperty("covered").GetBoolean(), CountsFrom(p2)));
        Assert.Contains($"nobody is being woken: it counts from {Day.ToString("ddd yyyy-MM-dd", CultureInfo.InvariantCulture)} 10:00 (+09:00)",
            p2.GetProperty("told").GetString());
        Assert.Equal(extendedOpens.AddDays(1), CountsFrom(p3)); // P3 is not served in extended hours: the office opens a day later
        Assert.Equal(extended, p2.GetProperty("extendedHoursCalendar").GetProperty("id").GetGuid());

        // A real P3 waits for the office; raised to P2 while it waits, it counts from the extended opening instead.
        var (ticket, openedAt) = await sla.OpenTicketAsync("P3", clientId: client);
        Assert.Equal(extendedOpens.AddDays(1), (await sla.ClockAsync(ticket)).GetProperty("countsFrom").GetDateTimeOffset());
        await sla.PublishConsumedAsync(new Tickets.Contracts.TicketPriorityChanged(ticket, client, "P3", "P2", "Payroll is blocked.",
            openedAt.AddMilliseconds(50), "dispatcher", "web"), "the raise to P2");
        Assert.Equal(extendedOpens, (await sla.StatusAsync(ticket)).GetProperty("countsFrom").GetDateTimeOffset());
    }

    [Fact]
    public async Task Inside_extended_hours_a_P1_counts_from_entry_and_pages_and_a_calendar_edit_reaches_only_later_clocks()
    {
        using var admin = sla.Admin();
        var extended = await CalendarAsync(admin, "Etc/UTC", day: null, "00:00", "24:00"); // open all week
        var tier = await TierAsync(admin, extended, ["P1", "P2"]);
        var client = Guid.NewGuid();
        await sla.ChangeClientAsync(client, 1, tier, (await CalendarAsync(admin, "Asia/Tokyo", Day, "10:00", "11:00")).ToString());

        var now = SlaFixture.Now();
        var p1 = await PreviewAsync(admin, client, "P1", now);
        var p2 = await PreviewAsync(admin, client, "P2", now);
        var (ticket, openedAt) = await sla.OpenTicketAsync("P2", clientId: client);
        var clock = await sla.ClockAsync(ticket);

        Assert.Equal(("extended-hours", true, now), (p1.GetProperty("coverage").GetProperty("coveredBy").GetString(),
            p1.GetProperty("coverage").GetProperty("pagesOnCall").GetBoolean(), CountsFrom(p1)));
        Assert.Equal("the on-call person of the ticket's team", p1.GetProperty("paged").GetString());
        Assert.False(p2.GetProperty("coverage").GetProperty("pagesOnCall").GetBoolean());
        Assert.All(p2.GetProperty("targets").EnumerateArray(), t => Assert.Equal("extended-hours", t.GetProperty("calendar").GetString()));
        Assert.Equal(openedAt, clock.GetProperty("countsFrom").GetDateTimeOffset());
        Assert.Equal(openedAt + SlaFixture.Target(1), clock.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
        Assert.Equal(1, clock.GetProperty("extendedHoursCalendar").GetProperty("revision").GetInt32());

        // The extended calendar now opens only on Day: the running clock keeps revision 1, a new one counts on revision 2.
        var current = (await admin.GetFromJsonAsync<JsonObject>($"/api/sla/calendars/{extended}"))!;
        current["week"] = new JsonObject { [Day.DayOfWeek.ToString().ToLowerInvariant()] = new JsonArray(new JsonObject { ["opens"] = "10:00", ["closes"] = "11:00" }) };
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/sla/calendars/{extended}", current)).StatusCode);
        var (later, _) = await sla.OpenTicketAsync("P2", clientId: client);

        var running = await sla.StatusAsync(ticket);
        Assert.Equal((openedAt, 1), (running.GetProperty("countsFrom").GetDateTimeOffset(), running.GetProperty("extendedHoursCalendar").GetProperty("revision").GetInt32()));
        var laterClock = await sla.ClockAsync(later);
        Assert.Equal(2, laterClock.GetProperty("extendedHoursCalendar").GetProperty("revision").GetInt32());
        Assert.Equal(new DateTimeOffset(Day.ToDateTime(new TimeOnly(1, 0)), TimeSpan.Zero), laterClock.GetProperty("countsFrom").GetDateTimeOffset());
    }

    [Theory]
    [InlineData("""{ "calendarId": "{unknown}", "priorities": ["P1", "P2"] }""", "extendedHours.calendarId")]
    [InlineData("""{ "calendarId": "not-a-guid", "priorities": ["P1"] }""", "extendedHours.calendarId")]
    [InlineData("""{ "priorities": ["P1"] }""", "extendedHours.calendarId")]
    [InlineData("""{ "calendarId": "{calendar}", "priorities": [] }""", "extendedHours.priorities")]
    [InlineData("""{ "calendarId": "{calendar}", "priorities": ["P1", "P9"] }""", "extendedHours.priorities[1]")]
    [InlineData("""{ "calendarId": "{calendar}", "priorities": ["P2"] }""", "targets[0].calendar")] // P1 counts in extended hours it is not served in
    public async Task Bad_extended_hours_are_a_400_naming_the_field(string extendedHours, string field)
    {
        using var admin = sla.Admin();
        var calendar = await CalendarAsync(admin, "Etc/UTC", day: null, "07:00", "20:00");
        var body = Tier($"bad-{Guid.NewGuid():N}"[..20], JsonNode.Parse(extendedHours
            .Replace("{unknown}", Guid.NewGuid().ToString()).Replace("{calendar}", calendar.ToString()))!);

        var response = await admin.PostAsJsonAsync("/api/sla/tiers", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), errors.ToString());
    }

    [Fact]
    public async Task A_tier_reads_back_its_extended_hours_and_their_calendar_cannot_be_deleted_under_it()
    {
        using var admin = sla.Admin();
        var calendar = await CalendarAsync(admin, "Etc/UTC", day: null, "07:00", "20:00");
        var name = await TierAsync(admin, calendar, ["P2", "P1"]);

        var tier = (await admin.GetFromJsonAsync<JsonObject>($"/api/sla/tiers/{name}"))!;
        tier["emergencyCovered"] = true; // a tier as read goes back as it is
        var changed = await admin.PutAsJsonAsync($"/api/sla/tiers/{name}", tier);
        var deleted = await admin.DeleteAsync($"/api/sla/calendars/{calendar}");

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var extended = (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("extendedHours");
        Assert.Equal((calendar.ToString(), "P1,P2"), (extended.GetProperty("calendarId").GetString(),
            string.Join(",", extended.GetProperty("priorities").EnumerateArray().Select(p => p.GetString()))));
        Assert.Equal(HttpStatusCode.Conflict, deleted.StatusCode);
        Assert.Contains(name, (await deleted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString());
    }

    private static DateTimeOffset CountsFrom(JsonElement preview) => preview.GetProperty("coverage").GetProperty("countsFrom").GetDateTimeOffset();

    private static async Task<JsonElement> PreviewAsync(HttpClient http, Guid client, string priority, DateTimeOffset at)
    {
        var response = await http.GetAsync($"/api/sla/preview?client={client}&channel=web&priority={priority}&at={Uri.EscapeDataString(at.ToString("O"))}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A calendar open <paramref name="opens"/>-<paramref name="closes"/> on <paramref name="day"/>'s weekday only, or every day.</summary>
    private static async Task<Guid> CalendarAsync(HttpClient admin, string zone, DateOnly? day, string opens, string closes)
    {
        var days = day is { } only ? [only.DayOfWeek] : Enum.GetValues<DayOfWeek>();
        var response = await admin.PostAsJsonAsync("/api/sla/calendars", new
        {
            name = $"Extended {Guid.NewGuid():N}",
            timeZone = zone,
            week = days.ToDictionary(d => d.ToString().ToLowerInvariant(), _ => new object[] { new { opens, closes } }),
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A tier whose P1 and P2 count in extended hours (served there for <paramref name="priorities"/>).</summary>
    private static async Task<string> TierAsync(HttpClient admin, Guid calendar, string[] priorities)
    {
        var name = $"ext-{Guid.NewGuid():N}"[..20];
        var response = await admin.PostAsJsonAsync("/api/sla/tiers", Tier(name, new JsonObject
        {
            ["calendarId"] = calendar.ToString(), ["priorities"] = new JsonArray([.. priorities.Select(p => JsonValue.Create(p))]),
        }));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }

    private static JsonObject Tier(string name, JsonNode extendedHours)
    {
        var targets = new JsonArray();
        foreach (var priority in new[] { "P1", "P2", "P3", "P4" })
            foreach (var (type, minutes) in new[] { ("acknowledge", 60), ("work-begins", 240) })
                targets.Add(new JsonObject
                {
                    ["priority"] = priority, ["type"] = type, ["contractualMinutes"] = minutes, ["internalMinutes"] = minutes / 2,
                    ["calendar"] = priority is "P1" or "P2" ? "extended-hours" : "business-hours",
                });
        return new JsonObject
        {
            ["name"] = name, ["afterHoursCovered"] = false, ["emergencyCovered"] = false, ["targets"] = targets, ["extendedHours"] = extendedHours,
        };
    }
}
