using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Tickets.Api.Endpoints;
using Tickets.Api.OnCall;

namespace Tickets.Tests;

[Collection(TicketsCollection.Name)]
public sealed class OnCallTests(TicketsFixture tickets) : IDisposable
{
    private static readonly string[] OnlyAnna = ["anna"];
    private static readonly DateTimeOffset Winter = At("2026-02-01T00:00Z");
    private readonly DateTimeOffset _clockBefore = tickets.Clock.Now;
    private readonly HttpClient _dispatcher = tickets.Dispatcher();
    private readonly HttpClient _tech = tickets.Technician();

    public void Dispose() => tickets.Clock.Now = _clockBefore;

    private static DateTimeOffset At(string instant) => DateTimeOffset.Parse(instant, System.Globalization.CultureInfo.InvariantCulture);

    private async Task<TeamView> CreateTeamAsync(object? settings = null)
    {
        var body = JsonSerializer.SerializeToElement(settings ?? new { }, TicketsFixture.Json).EnumerateObject()
            .ToDictionary(p => p.Name, p => (object)p.Value);
        body["name"] = $"On call {Guid.NewGuid():N}";
        var response = await _dispatcher.PostAsync("/api/teams", body);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<TeamView>();
    }

    private static object Rotation(string layer, string[] people, int turnDays, string handoff, string timeZone, string firstTurn,
        DateTimeOffset? effectiveFrom = null) =>
        new { layer, people, turnDays, handoff, timeZone, firstTurn, effectiveFrom };

    private async Task<RotationView> CreateRotationAsync(Guid teamId, object rotation)
    {
        var response = await _dispatcher.PostAsync($"/api/teams/{teamId}/rotations", rotation);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<RotationView>();
    }

    private async Task<HttpResponseMessage> OverrideAsync(Guid teamId, string layer, string person, DateTimeOffset from, DateTimeOffset to) =>
        await _dispatcher.PostAsync($"/api/teams/{teamId}/overrides", new { layer, person, from, to });

    private async Task<OnCallNow> OnCallAsync(Guid teamId, DateTimeOffset at)
    {
        var response = await _tech.GetAsync($"/api/teams/{teamId}/on-call?at={Uri.EscapeDataString(at.ToString("O"))}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<OnCallNow>();
    }

    /// <summary>The primary at each instant, "nobody" for none.</summary>
    private async Task<string[]> PrimaryAtAsync(Guid teamId, params string[] instants)
    {
        var people = new List<string>();
        foreach (var instant in instants) people.Add((await OnCallAsync(teamId, At(instant))).Primary ?? "nobody");
        return [.. people];
    }

    [Fact]
    public async Task Hand_off_is_at_0800_local_on_both_sides_of_the_Berlin_DST_changes()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        await CreateRotationAsync(team.Id, Rotation("primary", ["anna", "ben"], 1, "08:00", "Europe/Berlin", "2026-03-27"));

        // 08:00 CET is 07:00Z; from 29 March 08:00 CEST is 06:00Z; after 25 October 08:00 CET is 07:00Z again.
        Assert.Equal(["anna", "ben", "ben", "anna", "ben"],
            await PrimaryAtAsync(team.Id, "2026-03-28T06:59Z", "2026-03-28T07:00Z", "2026-03-29T05:59Z", "2026-03-29T06:00Z", "2026-03-30T06:00Z"));
        Assert.Equal(["ben", "ben", "anna"],
            await PrimaryAtAsync(team.Id, "2026-10-24T06:00Z", "2026-10-25T06:30Z", "2026-10-25T07:00Z"));
        Assert.Equal(["nobody", "anna"], await PrimaryAtAsync(team.Id, "2026-03-27T06:59Z", "2026-03-27T07:00Z"));
    }

    [Fact]
    public async Task Hand_off_is_at_0800_local_on_both_sides_of_the_New_York_DST_changes()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        await CreateRotationAsync(team.Id, Rotation("primary", ["cara", "dev"], 1, "08:00", "America/New_York", "2026-03-07"));

        // 08:00 EST is 13:00Z; from 8 March 08:00 EDT is 12:00Z; from 1 November 08:00 EST is 13:00Z again.
        Assert.Equal(["cara", "cara", "dev"], await PrimaryAtAsync(team.Id, "2026-03-07T13:00Z", "2026-03-08T11:59Z", "2026-03-08T12:00Z"));
        Assert.Equal(["cara", "dev"], await PrimaryAtAsync(team.Id, "2026-11-01T12:30Z", "2026-11-01T13:00Z"));
    }

    [Fact]
    public async Task An_override_wins_over_the_rotation_and_then_the_rotation_resumes()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync(new { lead = "lena" });
        await CreateRotationAsync(team.Id, Rotation("primary", ["anna"], 7, "09:00", "Europe/Berlin", "2026-02-02"));
        await CreateRotationAsync(team.Id, Rotation("backup", ["ben"], 7, "09:00", "Europe/Berlin", "2026-02-02"));

        Assert.Equal(HttpStatusCode.Created, (await OverrideAsync(team.Id, "primary", "omar", At("2026-02-04T18:00Z"), At("2026-02-05T06:00Z"))).StatusCode);

        Assert.Equal(["anna", "omar", "omar", "anna"],
            await PrimaryAtAsync(team.Id, "2026-02-04T17:59Z", "2026-02-04T18:00Z", "2026-02-05T05:59Z", "2026-02-05T06:00Z"));
        var during = await OnCallAsync(team.Id, At("2026-02-05T00:00Z"));
        Assert.Equal(new OnCallNow(team.Id, At("2026-02-05T00:00Z"), "omar", "ben", "lena"), during);
    }

    [Fact]
    public async Task Next_on_call_is_the_exact_next_hand_off_through_overrides_and_DST_and_a_team_without_a_rotation_says_so()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        async Task<OnCallNext> NextAsync(Guid teamId, string at)
        {
            var response = await _tech.GetAsync($"/api/teams/{teamId}/on-call/next?at={Uri.EscapeDataString(at)}");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            return await response.ReadAsync<OnCallNext>();
        }

        // No rotation at all: nobody, no change coming, and the answer says why.
        Assert.Equal(new OnCallNext(team.Id, At("2026-03-28T00:00Z"), null, null, false, false, null, null), await NextAsync(team.Id, "2026-03-28T00:00Z"));

        await CreateRotationAsync(team.Id, Rotation("primary", ["anna", "ben"], 1, "08:00", "Europe/Berlin", "2026-03-27"));
        // Before the first turn: anna from 08:00 CET (07:00Z).
        Assert.Equal(new OnCallHandoff(At("2026-03-27T07:00Z"), "anna"), (await NextAsync(team.Id, "2026-03-26T12:00Z")).NextPrimary);
        // Across the change to summer time: ben's turn from 28 March ends at 08:00 CEST, 06:00Z (not "now + 24 hours").
        var sunday = await NextAsync(team.Id, "2026-03-28T12:00Z");
        Assert.Equal(("ben", true, false, new OnCallHandoff(At("2026-03-29T06:00Z"), "anna"), (OnCallHandoff?)null),
            (sunday.Primary, sunday.PrimaryRotation, sunday.BackupRotation, sunday.NextPrimary, sunday.NextBackup));

        // An override in the middle of anna's turn is the next change, and its end hands back to the rotation.
        Assert.Equal(HttpStatusCode.Created, (await OverrideAsync(team.Id, "primary", "omar", At("2026-03-29T18:00Z"), At("2026-03-29T22:00Z"))).StatusCode);
        Assert.Equal(new OnCallHandoff(At("2026-03-29T18:00Z"), "omar"), (await NextAsync(team.Id, "2026-03-29T12:00Z")).NextPrimary);
        Assert.Equal(new OnCallHandoff(At("2026-03-29T22:00Z"), "anna"), (await NextAsync(team.Id, "2026-03-29T19:00Z")).NextPrimary);

        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/teams/{Guid.NewGuid()}/on-call/next")).StatusCode);
    }

    [Fact]
    public async Task The_schedule_the_paging_saga_uses_answers_as_the_endpoint_does()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync(new { lead = "lena" });
        await CreateRotationAsync(team.Id, Rotation("backup", ["ben"], 7, "09:00", "Europe/Berlin", "2026-02-02"));
        var at = At("2026-02-03T00:00Z");

        var now = await tickets.WithDbAsync(db => new OnCallSchedule(db).AtAsync(team.Id, at, CancellationToken.None));
        var unknown = await tickets.WithDbAsync(db => new OnCallSchedule(db).AtAsync(Guid.NewGuid(), at, CancellationToken.None));

        Assert.Equal(new OnCallNow(team.Id, at, null, "ben", "lena"), now);
        Assert.Equal((null, null, null), (unknown.Primary, unknown.Backup, unknown.Lead));
    }

    [Fact]
    public async Task An_overlapping_override_is_409_naming_the_field_and_nothing_is_stored()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        Assert.Equal(HttpStatusCode.Created, (await OverrideAsync(team.Id, "primary", "omar", At("2026-02-04T18:00Z"), At("2026-02-05T06:00Z"))).StatusCode);

        var overlapping = await OverrideAsync(team.Id, "primary", "pia", At("2026-02-05T05:00Z"), At("2026-02-05T10:00Z"));
        var otherLayer = await OverrideAsync(team.Id, "backup", "pia", At("2026-02-05T05:00Z"), At("2026-02-05T10:00Z"));
        var adjacent = await OverrideAsync(team.Id, "primary", "pia", At("2026-02-05T06:00Z"), At("2026-02-05T10:00Z"));

        Assert.Equal(HttpStatusCode.Conflict, overlapping.StatusCode);
        Assert.True((await overlapping.ProblemAsync()).GetProperty("errors").TryGetProperty("from", out _));
        Assert.Equal((HttpStatusCode.Created, HttpStatusCode.Created), (otherLayer.StatusCode, adjacent.StatusCode));
        var stored = await (await _tech.GetAsync($"/api/teams/{team.Id}/overrides?from=2026-02-01T00:00Z")).ReadAsync<OverrideView[]>();
        Assert.Equal([("primary", "omar"), ("backup", "pia"), ("primary", "pia")], stored.Select(o => (o.Layer, o.Person)));
        await (await OverrideAsync(team.Id, "primary", "pia", At("2026-02-06T10:00Z"), At("2026-02-06T10:00Z"))).AssertInvalidAsync("to");
        await (await OverrideAsync(team.Id, "primary", "pia", At("2026-01-31T10:00Z"), At("2026-02-06T10:00Z"))).AssertInvalidAsync("from");
        await (await OverrideAsync(team.Id, "standby", "pia", At("2026-02-07T10:00Z"), At("2026-02-08T10:00Z"))).AssertInvalidAsync("layer");
    }

    [Fact]
    public async Task An_override_that_has_started_stays_and_one_that_has_not_can_be_withdrawn()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        var started = await (await OverrideAsync(team.Id, "primary", "omar", At("2026-02-01T01:00Z"), At("2026-02-01T05:00Z"))).ReadAsync<OverrideView>();
        var later = await (await OverrideAsync(team.Id, "primary", "pia", At("2026-02-03T01:00Z"), At("2026-02-03T05:00Z"))).ReadAsync<OverrideView>();
        tickets.Clock.Now = At("2026-02-01T02:00Z");

        Assert.Equal(HttpStatusCode.Conflict, (await _dispatcher.DeleteAsync(new Uri($"/api/teams/{team.Id}/overrides/{started.Id}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _dispatcher.DeleteAsync(new Uri($"/api/teams/{team.Id}/overrides/{later.Id}", UriKind.Relative))).StatusCode);
        Assert.Equal(["omar", "nobody"], await PrimaryAtAsync(team.Id, "2026-02-01T03:00Z", "2026-02-03T03:00Z"));
    }

    [Fact]
    public async Task An_edit_never_changes_who_was_on_call_before_it_takes_effect()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        var rotation = await CreateRotationAsync(team.Id, Rotation("primary", ["anna", "ben"], 7, "09:00", "Europe/Berlin", "2026-02-02"));
        tickets.Clock.Now = At("2026-02-12T12:00Z");

        var past = await _dispatcher.PutAsync($"/api/teams/{team.Id}/rotations/{rotation.Id}",
            Rotation("primary", ["carl"], 7, "09:00", "Europe/Berlin", "2026-02-02", At("2026-02-10T00:00Z")));
        var now = await _dispatcher.PutAsync($"/api/teams/{team.Id}/rotations/{rotation.Id}",
            Rotation("primary", ["carl"], 7, "09:00", "Europe/Berlin", "2026-02-02"));
        var later = await _dispatcher.PutAsync($"/api/teams/{team.Id}/rotations/{rotation.Id}",
            Rotation("primary", ["dina"], 7, "09:00", "Europe/Berlin", "2026-02-02", At("2026-03-01T00:00Z")));

        await past.AssertInvalidAsync("effectiveFrom");
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (now.StatusCode, later.StatusCode));
        // Anna's first week and Ben's second, up to the edit, as they were.
        Assert.Equal(["anna", "ben", "ben", "carl", "carl", "dina"], await PrimaryAtAsync(team.Id,
            "2026-02-05T00:00Z", "2026-02-10T00:00Z", "2026-02-12T11:59Z", "2026-02-12T12:00Z", "2026-02-28T23:59Z", "2026-03-01T00:00Z"));
        var stored = await (await _tech.GetAsync($"/api/teams/{team.Id}/rotations/{rotation.Id}")).ReadAsync<RotationView>();
        Assert.Equal([["anna", "ben"], ["carl"], ["dina"]], stored.Versions.Select(v => v.People));
        await (await _dispatcher.PutAsync($"/api/teams/{team.Id}/rotations/{rotation.Id}",
            Rotation("backup", ["carl"], 7, "09:00", "Europe/Berlin", "2026-02-02"))).AssertInvalidAsync("layer");
    }

    [Fact]
    public async Task Gaps_are_reported_ahead_of_time_per_layer()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        var rotation = await CreateRotationAsync(team.Id, Rotation("primary", ["anna"], 7, "08:00", "Europe/Berlin", "2026-02-05"));
        Assert.Equal(HttpStatusCode.NoContent, (await _dispatcher.DeleteAsync(
            new Uri($"/api/teams/{team.Id}/rotations/{rotation.Id}?effectiveFrom=2026-02-10T00:00Z", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await OverrideAsync(team.Id, "backup", "ben", At("2026-02-03T00:00Z"), At("2026-02-04T00:00Z"))).StatusCode);

        var gaps = await (await _tech.GetAsync($"/api/teams/{team.Id}/on-call/gaps?from=2026-02-01T00:00Z&to=2026-02-15T00:00Z"))
            .ReadAsync<OnCallGapsView>();

        // Nobody before the first turn (08:00 CET on the 5th) and after the rotation ends; the backup only has Ben's day.
        Assert.Equal([new(At("2026-02-01T00:00Z"), At("2026-02-05T07:00Z")), new(At("2026-02-10T00:00Z"), At("2026-02-15T00:00Z"))],
            gaps.Primary);
        Assert.Equal([new(At("2026-02-01T00:00Z"), At("2026-02-03T00:00Z")), new(At("2026-02-04T00:00Z"), At("2026-02-15T00:00Z"))],
            gaps.Backup);
        await (await _tech.GetAsync($"/api/teams/{team.Id}/on-call/gaps?from=2026-02-15T00:00Z&to=2026-02-01T00:00Z")).AssertInvalidAsync("to");
    }

    [Fact]
    public async Task Instants_in_a_local_offset_are_the_instants_they_name()
    {
        // What the console sends: Berlin wall-clock times with their offset (+01:00 in winter), not UTC.
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        var rotation = await CreateRotationAsync(team.Id,
            Rotation("primary", ["anna"], 7, "08:00", "Europe/Berlin", "2026-02-02", At("2026-02-02T08:00+01:00")));
        Assert.Equal(At("2026-02-02T07:00Z"), rotation.Versions.Single().EffectiveFrom);
        var cover = await OverrideAsync(team.Id, "primary", "omar", At("2026-02-04T19:00+01:00"), At("2026-02-05T07:00+01:00"));
        Assert.Equal(HttpStatusCode.Created, cover.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await _dispatcher.DeleteAsync(new Uri(
            $"/api/teams/{team.Id}/rotations/{rotation.Id}?effectiveFrom={Uri.EscapeDataString("2026-02-10T01:00+01:00")}", UriKind.Relative))).StatusCode);

        // Overlapping in another offset is still the same span.
        Assert.Equal(HttpStatusCode.Conflict, (await OverrideAsync(team.Id, "primary", "pia", At("2026-02-05T05:30Z"), At("2026-02-05T09:00Z"))).StatusCode);
        Assert.Equal("omar", (await OnCallAsync(team.Id, At("2026-02-04T19:30+01:00"))).Primary);
        Assert.Equal("anna", (await OnCallAsync(team.Id, At("2026-02-05T07:00+01:00"))).Primary);
        var next = await (await _tech.GetAsync($"/api/teams/{team.Id}/on-call/next?at={Uri.EscapeDataString("2026-02-04T12:00+01:00")}"))
            .ReadAsync<OnCallNext>();
        Assert.Equal(new OnCallHandoff(At("2026-02-04T18:00Z"), "omar"), next.NextPrimary);
        var listed = await (await _tech.GetAsync($"/api/teams/{team.Id}/overrides?from={Uri.EscapeDataString("2026-02-04T00:00+01:00")}"))
            .ReadAsync<OverrideView[]>();
        Assert.Equal(At("2026-02-04T18:00Z"), listed.Single().From);
        var gaps = await (await _tech.GetAsync($"/api/teams/{team.Id}/on-call/gaps?from={Uri.EscapeDataString("2026-02-09T00:00+01:00")}"))
            .ReadAsync<OnCallGapsView>();
        Assert.Equal(At("2026-02-10T00:00Z"), gaps.Primary.Single().From);
    }

    [Fact]
    public async Task The_iCal_feed_has_one_event_per_turn_starting_at_the_local_hand_off()
    {
        tickets.Clock.Now = At("2026-03-20T12:00Z");
        var team = await CreateTeamAsync();
        var rotation = await CreateRotationAsync(team.Id, Rotation("primary", ["anna", "ben"], 1, "08:00", "Europe/Berlin", "2026-03-25"));

        var response = await _tech.GetAsync($"/api/teams/{team.Id}/rotations/{rotation.Id}/calendar.ics");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/calendar", response.Content.Headers.ContentType?.MediaType);
        var text = await response.Content.ReadAsStringAsync();
        var calendar = Ical.Net.Calendar.Load(text)!;
        var events = calendar.Events.OrderBy(e => e.DtStart!.AsUtc).ToArray();
        Assert.Equal(new DateTime(2026, 3, 25, 8, 0, 0), events[0].DtStart!.Value);
        Assert.All(events, e => Assert.Equal(("Europe/Berlin", 8), (e.DtStart!.TzId, e.DtStart.Value.Hour)));
        // Either side of the change on 29 March: the same wall-clock time, an hour apart in UTC.
        var aroundChange = events.Where(e => e.DtStart!.Value.Month == 3 && e.DtStart.Value.Day is 28 or 29).ToArray();
        Assert.Equal([new DateTime(2026, 3, 28, 7, 0, 0, DateTimeKind.Utc), new DateTime(2026, 3, 29, 6, 0, 0, DateTimeKind.Utc)],
            aroundChange.Select(e => e.DtStart!.AsUtc));
        Assert.Equal(["ben", "anna"], aroundChange.Select(e => e.Summary!.Split(' ')[0]));
        Assert.Contains("DTSTART;TZID=Europe/Berlin:20260329T080000", text, StringComparison.Ordinal);
        Assert.Contains("BEGIN:VTIMEZONE", text, StringComparison.Ordinal);
        // A turn a day until 90 days after now.
        Assert.Equal(At("2026-06-18T12:00Z").UtcDateTime.Date, events[^1].DtStart!.AsUtc.Date);
    }

    [Fact]
    public async Task A_rotation_feed_URL_serves_the_calendar_without_a_token_until_it_is_rotated_or_revoked()
    {
        tickets.Clock.Now = At("2026-03-20T12:00Z");
        var team = await CreateTeamAsync();
        var rotation = await CreateRotationAsync(team.Id, Rotation("primary", ["anna", "ben"], 1, "08:00", "Europe/Berlin", "2026-03-25"));
        var feedRoute = $"/api/teams/{team.Id}/rotations/{rotation.Id}/feed";
        using var calendarApp = tickets.App.CreateClient(); // no bearer token, as a calendar app subscribes

        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.PostAsync(feedRoute, new { })).StatusCode);
        var issued = await (await _dispatcher.PostAsync(feedRoute, new { })).ReadAsync<RotationFeedView>();
        Assert.StartsWith("/calendars/", issued.Path, StringComparison.Ordinal);
        Assert.EndsWith(".ics", issued.Path, StringComparison.Ordinal);

        var feed = await calendarApp.GetAsync(issued.Path);
        Assert.Equal(HttpStatusCode.OK, feed.StatusCode);
        Assert.Equal("text/calendar", feed.Content.Headers.ContentType?.MediaType);
        Assert.Contains("DTSTART;TZID=Europe/Berlin:20260329T080000", await feed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // Only a hash is stored: the secret in the URL is nowhere in the database.
        var secret = issued.Path["/calendars/".Length..^".ics".Length];
        await using (var scope = tickets.App.Services.CreateAsyncScope())
        {
            var stored = await scope.ServiceProvider.GetRequiredService<Tickets.Api.Data.TicketsDbContext>().Rotations
                .SingleAsync(r => r.Id == rotation.Id);
            Assert.Equal(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(secret)), stored.FeedSecretHash);
        }

        // A new URL replaces the old one at once.
        var rotated = await (await _dispatcher.PostAsync(feedRoute, new { })).ReadAsync<RotationFeedView>();
        Assert.NotEqual(issued.Path, rotated.Path);
        var old = await calendarApp.GetAsync(issued.Path);
        Assert.Equal(HttpStatusCode.NotFound, old.StatusCode);
        Assert.True((await old.ProblemAsync()).GetProperty("errors").TryGetProperty("secret", out _));
        Assert.Equal(HttpStatusCode.OK, (await calendarApp.GetAsync(rotated.Path)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(issued.Path.Replace(secret, secret[..^2] + "xx", StringComparison.Ordinal))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync("/calendars/short.ics")).StatusCode);

        // Revoked: 404, and the staff route still works.
        Assert.Equal(HttpStatusCode.NoContent, (await _dispatcher.DeleteAsync(new Uri(feedRoute, UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(rotated.Path)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _tech.GetAsync($"/api/teams/{team.Id}/rotations/{rotation.Id}/calendar.ics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _dispatcher.PostAsync($"/api/teams/{team.Id}/rotations/{Guid.NewGuid()}/feed", new { })).StatusCode);
    }

    [Fact]
    public async Task Bad_input_is_400_naming_the_field_and_changes_nothing()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        var rotations = $"/api/teams/{team.Id}/rotations";

        await (await _dispatcher.PostAsync(rotations, Rotation("primary", ["anna"], 7, "08:00", "Mars/Olympus", "2026-02-02"))).AssertInvalidAsync("timeZone");
        await (await _dispatcher.PostAsync(rotations, Rotation("primary", [], 7, "08:00", "Europe/Berlin", "2026-02-02"))).AssertInvalidAsync("people");
        await (await _dispatcher.PostAsync(rotations, Rotation("standby", ["anna"], 7, "08:00", "Europe/Berlin", "2026-02-02"))).AssertInvalidAsync("layer");
        await (await _dispatcher.PostAsync(rotations, Rotation("primary", ["anna"], 0, "08:00", "Europe/Berlin", "2026-02-02"))).AssertInvalidAsync("turnDays");
        await (await _dispatcher.PostAsync(rotations, Rotation("primary", ["anna"], 7, "8am", "Europe/Berlin", "2026-02-02"))).AssertInvalidAsync("handoff");
        await (await _dispatcher.PostAsync(rotations, Rotation("primary", ["anna"], 7, "08:00", "Europe/Berlin", "2026-02-02", At("2026-01-01T00:00Z"))))
            .AssertInvalidAsync("effectiveFrom");
        await (await _dispatcher.PostAsync(rotations, new { people = OnlyAnna, turnDays = 7, handoff = "08:00", timeZone = "Europe/Berlin", firstTurn = "2026-02-02" }))
            .AssertInvalidAsync("layer");

        Assert.Empty(await (await _tech.GetAsync(rotations)).ReadAsync<RotationView[]>());
        Assert.Equal(new OnCallNow(team.Id, Winter, null, null, null), await OnCallAsync(team.Id, Winter));
    }

    [Fact]
    public async Task A_second_rotation_for_a_layer_is_409()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        await CreateRotationAsync(team.Id, Rotation("primary", ["anna"], 7, "08:00", "Europe/Berlin", "2026-02-02"));

        var second = await _dispatcher.PostAsync($"/api/teams/{team.Id}/rotations", Rotation("primary", ["ben"], 7, "08:00", "Europe/Berlin", "2026-02-02"));

        Assert.Equal(HttpStatusCode.Conflict, second.StatusCode);
        Assert.Single(await (await _tech.GetAsync($"/api/teams/{team.Id}/rotations")).ReadAsync<RotationView[]>());
    }

    [Fact]
    public async Task Unknown_team_or_rotation_is_404()
    {
        var team = await CreateTeamAsync();
        var nobody = Guid.NewGuid();

        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/teams/{nobody}/on-call")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/teams/{nobody}/on-call/gaps")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/teams/{nobody}/rotations")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/teams/{team.Id}/rotations/{nobody}/calendar.ics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _dispatcher.PostAsync($"/api/teams/{nobody}/rotations",
            Rotation("primary", ["anna"], 7, "08:00", "Europe/Berlin", "2026-02-02"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _dispatcher.PutAsync($"/api/teams/{team.Id}/rotations/{nobody}",
            Rotation("primary", ["anna"], 7, "08:00", "Europe/Berlin", "2026-02-02"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await OverrideAsync(nobody, "primary", "omar", tickets.Clock.Now.AddHours(1), tickets.Clock.Now.AddHours(2))).StatusCode);
    }

    [Fact]
    public async Task Technicians_read_on_call_but_cannot_change_it()
    {
        tickets.Clock.Now = Winter;
        var team = await CreateTeamAsync();
        var rotation = await CreateRotationAsync(team.Id, Rotation("primary", ["anna"], 7, "08:00", "Europe/Berlin", "2026-02-02"));
        var body = Rotation("primary", ["tess"], 7, "08:00", "Europe/Berlin", "2026-02-02");

        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.PostAsync($"/api/teams/{team.Id}/rotations", Rotation("backup", ["tess"], 7, "08:00", "Europe/Berlin", "2026-02-02"))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.PutAsync($"/api/teams/{team.Id}/rotations/{rotation.Id}", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.DeleteAsync(new Uri($"/api/teams/{team.Id}/rotations/{rotation.Id}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.PostAsync($"/api/teams/{team.Id}/overrides",
            new { layer = "primary", person = "tess", from = Winter.AddDays(1), to = Winter.AddDays(2) })).StatusCode);
        Assert.Equal("anna", (await OnCallAsync(team.Id, At("2026-02-03T00:00Z"))).Primary);
        Assert.Empty(await (await _tech.GetAsync($"/api/teams/{team.Id}/overrides")).ReadAsync<OverrideView[]>());
    }

    [Fact]
    public async Task Team_escalation_settings_default_and_are_validated()
    {
        var plain = await CreateTeamAsync();
        var tuned = await CreateTeamAsync(new { lead = "lena", pageWaitSeconds = 120, pageRounds = 3 });

        Assert.Equal((null, 300, 2), (plain.Lead, plain.PageWaitSeconds, plain.PageRounds));
        Assert.Equal(("lena", 120, 3), (tuned.Lead, tuned.PageWaitSeconds, tuned.PageRounds));
        await (await _dispatcher.PostAsync("/api/teams", new { name = $"T {Guid.NewGuid():N}", pageWaitSeconds = 10 })).AssertInvalidAsync("pageWaitSeconds");
        await (await _dispatcher.PostAsync("/api/teams", new { name = $"T {Guid.NewGuid():N}", pageWaitSeconds = 3601 })).AssertInvalidAsync("pageWaitSeconds");
        await (await _dispatcher.PutAsync($"/api/teams/{tuned.Id}", new { name = tuned.Name, pageRounds = 11 })).AssertInvalidAsync("pageRounds");
        await (await _dispatcher.PutAsync($"/api/teams/{tuned.Id}", new { name = tuned.Name, pageRounds = 0 })).AssertInvalidAsync("pageRounds");
        var unchanged = await (await _tech.GetAsync($"/api/teams/{tuned.Id}")).ReadAsync<TeamView>();
        Assert.Equal(("lena", 120, 3), (unchanged.Lead, unchanged.PageWaitSeconds, unchanged.PageRounds));
    }
}
