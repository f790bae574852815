using ServiceDesk.Platform.Calendars;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Sla.Tests;

/// <summary>The admin API for calendars and tiers, in-process on the real database (SlaFixture).</summary>
public sealed class AdminApiTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    private static JsonObject Calendar(string? name = null) => new()
    {
        ["name"] = name ?? $"Office {Guid.NewGuid():N}",
        ["timeZone"] = "Europe/Berlin",
        ["week"] = new JsonObject
        {
            ["monday"] = new JsonArray(new JsonObject { ["opens"] = "08:00", ["closes"] = "12:00" }, new JsonObject { ["opens"] = "13:00", ["closes"] = "17:00" }),
            ["friday"] = new JsonArray(new JsonObject { ["opens"] = "08:00", ["closes"] = "24:00" }),
        },
        ["holidays"] = new JsonArray(
            new JsonObject { ["date"] = "2026-12-25", ["name"] = "Christmas Day" },
            new JsonObject { ["date"] = "2026-12-24", ["openHours"] = new JsonArray(new JsonObject { ["opens"] = "08:00", ["closes"] = "12:00" }) }),
    };

    private static JsonObject Target(string priority, string type, int contractual, int @internal, string? calendar = null) => new()
    {
        ["priority"] = priority, ["type"] = type, ["contractualMinutes"] = contractual, ["internalMinutes"] = @internal, ["calendar"] = calendar,
    };

    private static JsonObject Tier(string? name = null, bool afterHours = false)
    {
        var targets = new JsonArray();
        foreach (var priority in new[] { "P1", "P2", "P3", "P4" })
        {
            targets.Add(Target(priority, "acknowledge", 60, 30));
            targets.Add(Target(priority, "work-begins", 240, 120));
        }
        return new JsonObject
        {
            ["name"] = name ?? $"gold-{Guid.NewGuid():N}"[..20], ["afterHoursCovered"] = afterHours, ["emergencyCovered"] = false, ["targets"] = targets,
        };
    }

    [Fact]
    public async Task Seeded_default_calendar_and_tiers_are_listed()
    {
        using var admin = sla.Admin();

        var calendars = await admin.GetFromJsonAsync<JsonElement>("/api/sla/calendars");
        var byDefault = calendars.EnumerateArray().Single(c => c.GetProperty("isDefault").GetBoolean());
        Assert.Equal(("Default", "Etc/UTC", 1), (byDefault.GetProperty("name").GetString(), byDefault.GetProperty("timeZone").GetString(), byDefault.GetProperty("revision").GetInt32()));
        Assert.Equal("24:00", byDefault.GetProperty("week").GetProperty("sunday")[0].GetProperty("closes").GetString()); // the fixture's 24x7

        var tiers = await admin.GetFromJsonAsync<JsonElement>("/api/sla/tiers");
        Assert.Superset(new HashSet<string?> { "free", "standard", "premium" }, tiers.EnumerateArray().Select(t => t.GetProperty("name").GetString()).ToHashSet());
        var standard = await admin.GetFromJsonAsync<JsonElement>("/api/sla/tiers/standard");
        Assert.True(standard.GetProperty("isDefault").GetBoolean());
        // DOMAIN.md's typical targets, unscaled: P1 work begins within 2 hours (internally 1), acknowledge within 1 (15 min).
        var targets = standard.GetProperty("targets").EnumerateArray().ToList();
        var p1Work = targets.Single(t => t.GetProperty("priority").GetString() == "P1" && t.GetProperty("type").GetString() == "work-begins");
        Assert.Equal((120, 60, "business-hours"), (p1Work.GetProperty("contractualMinutes").GetInt32(), p1Work.GetProperty("internalMinutes").GetInt32(), p1Work.GetProperty("calendar").GetString()));
        var p4Ack = targets.Single(t => t.GetProperty("priority").GetString() == "P4" && t.GetProperty("type").GetString() == "acknowledge");
        Assert.Equal((60, 15), (p4Ack.GetProperty("contractualMinutes").GetInt32(), p4Ack.GetProperty("internalMinutes").GetInt32()));
    }

    [Fact]
    public async Task Calendar_is_created_read_changed_and_deleted_and_its_revisions_stay()
    {
        using var admin = sla.Admin();
        var body = Calendar();

        var created = await admin.PostAsJsonAsync("/api/sla/calendars", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var calendar = await created.Content.ReadFromJsonAsync<JsonElement>();
        var id = calendar.GetProperty("id").GetGuid();
        Assert.Equal($"/api/sla/calendars/{id}", created.Headers.Location?.OriginalString);
        Assert.Equal((1, "Europe/Berlin", "ada"), (calendar.GetProperty("revision").GetInt32(), calendar.GetProperty("timeZone").GetString(), calendar.GetProperty("changedBy").GetString()));
        Assert.Equal(2, calendar.GetProperty("week").GetProperty("monday").GetArrayLength());
        Assert.Equal(0, calendar.GetProperty("week").GetProperty("tuesday").GetArrayLength());
        Assert.Equal(["2026-12-24", "2026-12-25"], calendar.GetProperty("holidays").EnumerateArray().Select(h => h.GetProperty("date").GetString()));

        body["timeZone"] = "America/Chicago";
        body["revision"] = 1;
        var changed = await admin.PutAsJsonAsync($"/api/sla/calendars/{id}", body);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal(2, (await changed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt32());
        var read = await admin.GetFromJsonAsync<JsonElement>($"/api/sla/calendars/{id}");
        Assert.Equal(("America/Chicago", 2), (read.GetProperty("timeZone").GetString(), read.GetProperty("revision").GetInt32()));
        var first = await admin.GetFromJsonAsync<JsonElement>($"/api/sla/calendars/{id}/revisions/1");
        Assert.Equal("Europe/Berlin", first.GetProperty("timeZone").GetString()); // what clocks started on revision 1 count on
        // Each revision is announced whole, for billing to rate time on the same hours.
        var announced = (await sla.CalendarRevisedAsync(id, 2)).Message;
        Assert.Equal("America/Chicago", announced.GetProperty("timeZone").GetString());
        Assert.Equal(3, announced.GetProperty("week").EnumerateArray().Sum(d => d.GetProperty("openHours").GetArrayLength())); // Mon 2, Fri 1
        Assert.Equal(2, announced.GetProperty("holidays").GetArrayLength());
        Assert.Equal("Europe/Berlin", (await sla.CalendarRevisedAsync(id, 1)).Message.GetProperty("timeZone").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/sla/calendars/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/sla/calendars/{id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/sla/calendars/{id}/revisions/2")).StatusCode);
    }

    [Fact]
    public async Task Holidays_are_added_changed_and_removed_each_as_a_new_revision()
    {
        using var admin = sla.Admin();
        var id = (await (await admin.PostAsJsonAsync("/api/sla/calendars", Calendar())).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var added = await admin.PostAsJsonAsync($"/api/sla/calendars/{id}/holidays",
            new { date = "2027-01-01", name = "New Year's Day", revision = 1 });
        Assert.Equal(HttpStatusCode.Created, added.StatusCode);
        Assert.Equal($"/api/sla/calendars/{id}/holidays/2027-01-01", added.Headers.Location?.OriginalString);
        Assert.Equal(2, (await added.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt32());

        var changed = await admin.PutAsJsonAsync($"/api/sla/calendars/{id}/holidays/2027-01-01",
            new { name = "New Year", openHours = new[] { new { opens = "10:00", closes = "14:00" } }, revision = 2 });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var holidays = await admin.GetFromJsonAsync<JsonElement>($"/api/sla/calendars/{id}/holidays");
        var newYear = holidays.EnumerateArray().Single(h => h.GetProperty("date").GetString() == "2027-01-01");
        Assert.Equal(("New Year", "10:00", "14:00"), (newYear.GetProperty("name").GetString(),
            newYear.GetProperty("openHours")[0].GetProperty("opens").GetString(), newYear.GetProperty("openHours")[0].GetProperty("closes").GetString()));

        var removed = await admin.DeleteAsync($"/api/sla/calendars/{id}/holidays/2027-01-01?revision=3");
        Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.Equal(4, (await removed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("revision").GetInt32());
        Assert.Equal(2, (await admin.GetFromJsonAsync<JsonElement>($"/api/sla/calendars/{id}/holidays")).GetArrayLength());
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/sla/calendars/{id}/holidays/2027-01-01?revision=4")).StatusCode);
    }

    [Fact]
    public async Task Tier_and_its_targets_are_created_changed_and_deleted()
    {
        using var admin = sla.Admin();
        var body = Tier();
        var name = body["name"]!.GetValue<string>();

        var created = await admin.PostAsJsonAsync("/api/sla/tiers", body);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/sla/tiers/{name}", created.Headers.Location?.OriginalString);

        var resolution = await admin.PutAsJsonAsync($"/api/sla/tiers/{name}/targets/P2/resolution", new { contractualMinutes = 960, internalMinutes = 480, revision = 1 });
        Assert.Equal(HttpStatusCode.OK, resolution.StatusCode);
        var tier = await resolution.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((2, 9), (tier.GetProperty("revision").GetInt32(), tier.GetProperty("targets").GetArrayLength()));

        var tightened = await admin.PutAsJsonAsync($"/api/sla/tiers/{name}/targets/P1/acknowledge", new { contractualMinutes = 30, internalMinutes = 15, revision = 2 });
        var p1Ack = (await tightened.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("targets").EnumerateArray()
            .Single(t => t.GetProperty("priority").GetString() == "P1" && t.GetProperty("type").GetString() == "acknowledge");
        Assert.Equal(30, p1Ack.GetProperty("contractualMinutes").GetInt32());

        Assert.Equal(HttpStatusCode.OK, (await admin.DeleteAsync($"/api/sla/tiers/{name}/targets/P2/resolution?revision=3")).StatusCode);

        body["afterHoursCovered"] = true;
        body["revision"] = 4;
        var updated = await admin.PutAsJsonAsync($"/api/sla/tiers/{name}", body);
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        var read = await admin.GetFromJsonAsync<JsonElement>($"/api/sla/tiers/{name}");
        Assert.Equal((true, 5, 8), (read.GetProperty("afterHoursCovered").GetBoolean(), read.GetProperty("revision").GetInt32(), read.GetProperty("targets").GetArrayLength()));

        Assert.Equal(HttpStatusCode.NoContent, (await admin.DeleteAsync($"/api/sla/tiers/{name}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/sla/tiers/{name}")).StatusCode);
    }

    [Fact]
    public async Task Tier_and_calendar_as_read_can_be_changed_and_sent_back_and_their_read_only_fields_are_ignored()
    {
        using var admin = sla.Admin();
        var name = Tier()["name"]!.GetValue<string>();
        Assert.Equal(HttpStatusCode.Created, (await admin.PostAsJsonAsync("/api/sla/tiers", Tier(name))).StatusCode);
        var tier = (await admin.GetFromJsonAsync<JsonObject>($"/api/sla/tiers/{name}"))!;
        Assert.False(tier["isDefault"]!.GetValue<bool>());
        tier["afterHoursCovered"] = true;
        tier["isDefault"] = true; // read-only: ignored, the default tier is Sla:DefaultTier
        var changed = await admin.PutAsJsonAsync($"/api/sla/tiers/{name}", tier);
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        var tierNow = await changed.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((true, false, 2), (tierNow.GetProperty("afterHoursCovered").GetBoolean(), tierNow.GetProperty("isDefault").GetBoolean(), tierNow.GetProperty("revision").GetInt32()));

        var calendar = (await (await admin.PostAsJsonAsync("/api/sla/calendars", Calendar())).Content.ReadFromJsonAsync<JsonObject>())!;
        var id = calendar["id"]!.GetValue<Guid>();
        calendar = (await admin.GetFromJsonAsync<JsonObject>($"/api/sla/calendars/{id}"))!;
        calendar["timeZone"] = "Europe/Paris";
        calendar["changedBy"] = "mallory"; // read-only: the server records who and when
        calendar["changedAt"] = "2000-01-01T00:00:00Z";
        var saved = await admin.PutAsJsonAsync($"/api/sla/calendars/{id}", calendar);
        Assert.Equal(HttpStatusCode.OK, saved.StatusCode);
        var calendarNow = await saved.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("Europe/Paris", "ada", 2), (calendarNow.GetProperty("timeZone").GetString(), calendarNow.GetProperty("changedBy").GetString(), calendarNow.GetProperty("revision").GetInt32()));
        Assert.True(calendarNow.GetProperty("changedAt").GetDateTimeOffset() > DateTimeOffset.UtcNow.AddHours(-1));

        // A copy of it as a new calendar: the id it was read with is not the new one's.
        calendar["name"] = $"Copy {Guid.NewGuid():N}";
        calendar.Remove("revision");
        var copy = await admin.PostAsJsonAsync("/api/sla/calendars", calendar);
        Assert.Equal(HttpStatusCode.Created, copy.StatusCode);
        Assert.NotEqual(id, (await copy.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
    }

    [Fact]
    public async Task Calendar_sent_to_another_calendars_path_gets_400_naming_id_and_nothing_changes()
    {
        using var admin = sla.Admin();
        var first = (await (await admin.PostAsJsonAsync("/api/sla/calendars", Calendar())).Content.ReadFromJsonAsync<JsonObject>())!;
        var second = (await (await admin.PostAsJsonAsync("/api/sla/calendars", Calendar())).Content.ReadFromJsonAsync<JsonObject>())!;
        first["timeZone"] = "Europe/Paris";

        var response = await admin.PutAsJsonAsync($"/api/sla/calendars/{second["id"]}", first);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("id", out _));
        var unchanged = await admin.GetFromJsonAsync<JsonElement>($"/api/sla/calendars/{second["id"]}");
        Assert.Equal(("Europe/Berlin", 1), (unchanged.GetProperty("timeZone").GetString(), unchanged.GetProperty("revision").GetInt32()));
    }

    public static TheoryData<string, string, string> BadCalendars => new()
    {
        { "overlapping ranges", """{ "monday": [ { "opens": "08:00", "closes": "12:00" }, { "opens": "11:00", "closes": "13:00" } ] }""", "week.monday" },
        { "closes before it opens", """{ "monday": [ { "opens": "17:00", "closes": "08:00" } ] }""", "week.monday" },
        { "not a time", """{ "monday": [ { "opens": "8am", "closes": "17:00" } ] }""", "week.monday[0].opens" },
        { "not a day", """{ "funday": [ { "opens": "08:00", "closes": "17:00" } ] }""", "week.funday" },
        { "two days in one key", """{ "monday,tuesday": [ { "opens": "08:00", "closes": "17:00" } ] }""", "week.monday,tuesday" },
        { "no open time", """{ "monday": [] }""", "week" },
    };

    [Theory]
    [MemberData(nameof(BadCalendars))]
    public async Task Calendar_with_bad_hours_gets_400_naming_the_field_and_nothing_is_stored(string _, string week, string field)
    {
        var body = Calendar();
        body["week"] = JsonNode.Parse(week);
        await AssertRefusedAsync("/api/sla/calendars", body, field);
    }

    [Fact]
    public async Task Calendar_with_an_unknown_time_zone_gets_400()
    {
        var body = Calendar();
        body["timeZone"] = "Mars/Olympus_Mons";
        var problem = await AssertRefusedAsync("/api/sla/calendars", body, "timeZone");
        Assert.Contains("not a known IANA time zone", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Calendar_listing_a_holiday_date_twice_gets_400()
    {
        var body = Calendar();
        ((JsonArray)body["holidays"]!).Add(new JsonObject { ["date"] = "2026-12-25", ["name"] = "Christmas again" });
        var problem = await AssertRefusedAsync("/api/sla/calendars", body, "holidays[2].date");
        Assert.Contains("Holiday 2026-12-25 is listed twice.", problem, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Holiday_on_a_date_already_listed_gets_400_and_the_calendar_keeps_its_revision()
    {
        using var admin = sla.Admin();
        var id = (await (await admin.PostAsJsonAsync("/api/sla/calendars", Calendar())).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var refused = await admin.PostAsJsonAsync($"/api/sla/calendars/{id}/holidays", new { date = "2026-12-25", revision = 1 });
        var overlapping = await admin.PutAsJsonAsync($"/api/sla/calendars/{id}/holidays/2026-12-24",
            new { openHours = new[] { new { opens = "08:00", closes = "12:00" }, new { opens = "09:00", closes = "10:00" } }, revision = 1 });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("date", out _));
        Assert.Equal(HttpStatusCode.BadRequest, overlapping.StatusCode);
        Assert.True((await overlapping.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("openHours", out _));
        Assert.Equal(1, (await admin.GetFromJsonAsync<JsonElement>($"/api/sla/calendars/{id}")).GetProperty("revision").GetInt32());
    }

    public static TheoryData<string, string, string> BadTiers => new()
    {
        { "zero minutes", """{ "targets": [ { "priority": "P1", "type": "acknowledge", "contractualMinutes": 0, "internalMinutes": 0 } ] }""", "targets[0].contractualMinutes" },
        { "internal looser", """{ "targets": [ { "priority": "P1", "type": "acknowledge", "contractualMinutes": 60, "internalMinutes": 90 } ] }""", "targets[0].internalMinutes" },
        { "24x7 without cover", """{ "targets": [ { "priority": "P1", "type": "acknowledge", "contractualMinutes": 60, "internalMinutes": 30, "calendar": "24x7" } ] }""", "targets[0].calendar" },
        { "work-begins missing", """{ "drop": "P2 work-begins" }""", "targets" },
        { "unknown type", """{ "targets": [ { "priority": "P1", "type": "ack", "contractualMinutes": 60, "internalMinutes": 30 } ] }""", "targets[0].type" },
        { "bad name", """{ "name": "Gold Tier" }""", "name" },
    };

    [Theory]
    [MemberData(nameof(BadTiers))]
    public async Task Tier_with_bad_targets_gets_400_naming_the_field_and_nothing_is_stored(string _, string change, string field)
    {
        var body = Tier();
        var edit = JsonNode.Parse(change)!.AsObject();
        var targets = (JsonArray)body["targets"]!;
        if (edit["targets"] is JsonArray replacement)
        {
            // Replaces P1's acknowledge, which is targets[0].
            targets[0] = replacement[0]!.DeepClone();
        }
        if (edit["drop"] is not null) targets.RemoveAt(3); // P2 work-begins
        if (edit["name"] is { } name) body["name"] = name.DeepClone();

        await AssertRefusedAsync("/api/sla/tiers", body, field);
    }

    [Fact]
    public async Task Target_looser_inside_than_outside_gets_400_and_the_tier_keeps_its_revision()
    {
        using var admin = sla.Admin();
        var body = Tier();
        var name = body["name"]!.GetValue<string>();
        await admin.PostAsJsonAsync("/api/sla/tiers", body);

        var refused = await admin.PutAsJsonAsync($"/api/sla/tiers/{name}/targets/P3/work-begins", new { contractualMinutes = 60, internalMinutes = 120, revision = 1 });
        var required = await admin.DeleteAsync($"/api/sla/tiers/{name}/targets/P3/acknowledge?revision=1");

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("internalMinutes", out _));
        Assert.Equal(HttpStatusCode.BadRequest, required.StatusCode);
        Assert.Contains("the acknowledge target is missing", await required.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(1, (await admin.GetFromJsonAsync<JsonElement>($"/api/sla/tiers/{name}")).GetProperty("revision").GetInt32());
    }

    [Fact]
    public async Task Unknown_ids_get_404()
    {
        using var admin = sla.Admin();
        var calendar = Calendar();
        calendar["revision"] = 1;

        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync($"/api/sla/calendars/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync($"/api/sla/calendars/{Guid.NewGuid()}", calendar)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync($"/api/sla/calendars/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync("/api/sla/calendars/5e7d0c1a-defa-4017-8000-000000000001/holidays/2031-01-01",
            new { revision = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.GetAsync("/api/sla/tiers/no-such-tier")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.DeleteAsync("/api/sla/tiers/no-such-tier")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await admin.PutAsJsonAsync("/api/sla/tiers/standard/targets/P9/acknowledge",
            new { contractualMinutes = 60, internalMinutes = 30, revision = 1 })).StatusCode);
    }

    [Fact]
    public async Task Duplicate_names_and_stale_revisions_get_409()
    {
        using var admin = sla.Admin();
        var calendar = Calendar();
        var id = (await (await admin.PostAsJsonAsync("/api/sla/calendars", calendar)).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var tier = Tier();
        await admin.PostAsJsonAsync("/api/sla/tiers", tier);

        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync("/api/sla/calendars", calendar)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.PostAsJsonAsync("/api/sla/tiers", tier)).StatusCode);

        calendar["revision"] = 1;
        Assert.Equal(HttpStatusCode.OK, (await admin.PutAsJsonAsync($"/api/sla/calendars/{id}", calendar)).StatusCode);
        var stale = await admin.PutAsJsonAsync($"/api/sla/calendars/{id}", calendar); // still revision 1
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        var problem = await stale.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(2, problem.GetProperty("currentRevision").GetInt32());
        Assert.Equal(2, problem.GetProperty("current").GetProperty("revision").GetInt32());

        tier["revision"] = 7;
        var staleTier = await admin.PutAsJsonAsync($"/api/sla/tiers/{tier["name"]}", tier);
        Assert.Equal(HttpStatusCode.Conflict, staleTier.StatusCode);
        Assert.Equal(1, (await staleTier.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("currentRevision").GetInt32());
    }

    [Fact]
    public async Task Default_calendar_and_tier_and_those_a_client_is_on_cannot_be_deleted()
    {
        using var admin = sla.Admin();
        var calendarId = (await (await admin.PostAsJsonAsync("/api/sla/calendars", Calendar())).Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var tier = Tier();
        var tierName = tier["name"]!.GetValue<string>();
        await admin.PostAsJsonAsync("/api/sla/tiers", tier);
        await sla.ChangeClientAsync(Guid.NewGuid(), 1, tierName, calendarId.ToString().ToUpperInvariant()); // tickets may spell it in upper case

        var calendarInUse = await admin.DeleteAsync($"/api/sla/calendars/{calendarId}");
        var tierInUse = await admin.DeleteAsync($"/api/sla/tiers/{tierName}");

        Assert.Equal(HttpStatusCode.Conflict, calendarInUse.StatusCode);
        Assert.Contains("1 client(s) are on this calendar", await calendarInUse.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, tierInUse.StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.DeleteAsync("/api/sla/calendars/5e7d0c1a-defa-4017-8000-000000000001")).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await admin.DeleteAsync("/api/sla/tiers/standard")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/sla/calendars/{calendarId}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/sla/tiers/{tierName}")).StatusCode);
    }

    [Theory]
    [InlineData(Roles.Technician)]
    [InlineData(Roles.Dispatcher)]
    [InlineData(Roles.ClientAdmin)]
    public async Task Only_admins_may_read_or_change_calendars_and_tiers(string role)
    {
        using var other = sla.App.CreateClient().As(TestAuth.Token(role, role == Roles.ClientAdmin ? SlaFixture.ClientA : null));

        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/api/sla/calendars")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.PostAsJsonAsync("/api/sla/calendars", Calendar())).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.GetAsync("/api/sla/tiers/standard")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await other.DeleteAsync("/api/sla/tiers/free")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await sla.Admin().GetAsync("/api/sla/tiers/free")).StatusCode);
    }

    [Fact]
    public async Task Admin_routes_are_in_the_OpenAPI_document()
    {
        var document = await sla.App.CreateClient().GetFromJsonAsync<JsonElement>("/openapi/v1.json");

        var paths = document.GetProperty("paths").EnumerateObject().Select(p => p.Name).ToList();
        Assert.Superset(new HashSet<string>
        {
            "/api/sla/calendars", "/api/sla/calendars/{id}", "/api/sla/calendars/{id}/revisions/{revision}", "/api/sla/calendars/{id}/holidays",
            "/api/sla/calendars/{id}/holidays/{date}", "/api/sla/tiers", "/api/sla/tiers/{name}", "/api/sla/tiers/{name}/targets/{priority}/{type}",
        }, paths.ToHashSet());
    }

    /// <summary>Posts <paramref name="body"/>, expects 400 naming <paramref name="field"/>, and checks nothing was stored.</summary>
    private async Task<string> AssertRefusedAsync(string collection, JsonObject body, string field)
    {
        using var admin = sla.Admin();
        var before = (await admin.GetFromJsonAsync<JsonElement>(collection)).GetArrayLength();

        var response = await admin.PostAsJsonAsync(collection, body);

        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{response.StatusCode}: {text}");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out _), $"no error for {field}: {errors}");
        Assert.Equal(before, (await admin.GetFromJsonAsync<JsonElement>(collection)).GetArrayLength());
        return text;
    }
}
