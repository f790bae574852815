using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Sla.Tests;

/// <summary>
/// POST /api/sla/calendars/preview: the due times a tier gives on a calendar that is not saved (the admin console's edit),
/// from the same code a real clock starts with. Nothing is stored.
/// </summary>
public sealed class DueTimePreviewTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    /// <summary>Open Mondays 09:00-17:00 in Berlin; the holidays as given.</summary>
    private static JsonObject Edit(params string[] holidays) => new()
    {
        ["timeZone"] = "Europe/Berlin",
        ["week"] = new JsonObject { ["monday"] = new JsonArray(new JsonObject { ["opens"] = "09:00", ["closes"] = "17:00" }) },
        ["holidays"] = new JsonArray([.. holidays.Select(date => (JsonNode)new JsonObject { ["date"] = date, ["name"] = "Closed" })]),
        ["tier"] = "standard",
        ["priority"] = "P1",
        ["at"] = "2026-12-12T12:00:00+01:00", // a Saturday
        ["revision"] = 3, // as a calendar's PUT would send it: ignored
    };

    [Fact]
    public async Task Preview_of_an_unsaved_calendar_counts_from_its_next_open_hour_and_a_new_holiday_moves_it_a_week()
    {
        using var admin = sla.Admin();
        var calendarsBefore = (await admin.GetFromJsonAsync<JsonElement>("/api/sla/calendars")).GetArrayLength();

        var plain = await PreviewAsync(admin, Edit());
        var withHoliday = await PreviewAsync(admin, Edit("2026-12-14"));

        var p1 = plain.GetProperty("priorities").EnumerateArray().Single();
        Assert.Equal(("P1", false), (p1.GetProperty("priority").GetString(), p1.GetProperty("covered").GetBoolean())); // standard: no after-hours cover
        Assert.Equal(DateTimeOffset.Parse("2026-12-14T09:00:00+01:00"), p1.GetProperty("countsFrom").GetDateTimeOffset());
        Assert.Equal("Mon 2026-12-14 09:00 (+01:00)", p1.GetProperty("countsFromLocal").GetString());
        // P1 work begins within 2 business hours (scaled by the fixture), counted from Monday's opening.
        var work = p1.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "work-begins");
        Assert.Equal(DateTimeOffset.Parse("2026-12-14T09:00:00+01:00") + SlaFixture.Target(2),
            work.GetProperty("contractual").GetProperty("dueAt").GetDateTimeOffset());
        Assert.Equal(DateTimeOffset.Parse("2026-12-14T09:00:00+01:00") + SlaFixture.Target(1),
            work.GetProperty("internal").GetProperty("dueAt").GetDateTimeOffset());

        var moved = withHoliday.GetProperty("priorities").EnumerateArray().Single();
        Assert.Equal(DateTimeOffset.Parse("2026-12-21T09:00:00+01:00"), moved.GetProperty("countsFrom").GetDateTimeOffset());
        Assert.Equal(calendarsBefore, (await admin.GetFromJsonAsync<JsonElement>("/api/sla/calendars")).GetArrayLength());
    }

    [Fact]
    public async Task Preview_without_a_priority_gives_every_priority()
    {
        using var admin = sla.Admin();
        var body = Edit();
        body.Remove("priority");

        var preview = await PreviewAsync(admin, body);

        Assert.Equal(["P1", "P2", "P3", "P4"], preview.GetProperty("priorities").EnumerateArray().Select(p => p.GetProperty("priority").GetString()));
    }

    public static TheoryData<string, string, string> BadPreviews => new()
    {
        { "week", """{ "monday": [ { "opens": "17:00", "closes": "08:00" } ] }""", "week.monday" },
        { "timeZone", "\"Mars/Olympus\"", "timeZone" },
        { "tier", "\"no-such-tier\"", "tier" },
        { "priority", "\"P9\"", "priority" },
        { "at", "\"2026-12-12T12:00:00\"", "at" },
    };

    [Theory]
    [MemberData(nameof(BadPreviews))]
    public async Task Bad_preview_gets_400_naming_the_field(string property, string value, string field)
    {
        using var admin = sla.Admin();
        var body = Edit();
        body[property] = JsonNode.Parse(value);

        var response = await admin.PostAsJsonAsync("/api/sla/calendars/preview", body);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        Assert.True(JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
    }

    [Fact]
    public async Task Only_admins_may_preview_a_calendar()
    {
        using var technician = sla.App.CreateClient().As(TestAuth.Token(Roles.Technician));

        Assert.Equal(HttpStatusCode.Forbidden, (await technician.PostAsJsonAsync("/api/sla/calendars/preview", Edit())).StatusCode);
    }

    private static async Task<JsonElement> PreviewAsync(HttpClient admin, JsonObject body)
    {
        var response = await admin.PostAsJsonAsync("/api/sla/calendars/preview", body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement;
    }
}
