using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Sla.Tests;

/// <summary>
/// GET /api/sla/preview: what the tier decides for a hypothetical arrival, and that it is what a real ticket then gets
/// (the same code starts both). Nothing is created by a preview.
/// </summary>
public sealed class PreviewTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    /// <summary>Two days from now: a calendar open only then is closed now, so "now" is after hours.</summary>
    private static readonly DateOnly Day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);

    [Theory]
    [InlineData("free")]
    [InlineData("standard")]
    [InlineData("premium")]
    public async Task Preview_at_night_gives_the_due_times_and_coverage_a_real_ticket_then_gets(string tier)
    {
        var client = Guid.NewGuid();
        await sla.ChangeClientAsync(client, 1, tier, (await ClosedNowCalendarAsync()).ToString());
        using var admin = sla.Admin();

        foreach (var priority in new[] { "P1", "P2", "P3", "P4" })
        {
            var (ticket, openedAt) = await sla.OpenTicketAsync(priority, clientId: client);
            var clock = await sla.ClockAsync(ticket);

            var preview = await PreviewAsync(admin, client, priority, openedAt);

            Assert.Equal(clock.GetProperty("countsFrom").GetDateTimeOffset(), preview.GetProperty("coverage").GetProperty("countsFrom").GetDateTimeOffset());
            Assert.Equal(Targets(clock), Targets(preview));
            var covered = tier == "premium"; // the only seeded tier with after-hours cover
            Assert.Equal(covered, preview.GetProperty("coverage").GetProperty("covered").GetBoolean());
            Assert.Equal(covered && priority == "P1", preview.GetProperty("coverage").GetProperty("pagesOnCall").GetBoolean());
            var told = preview.GetProperty("told").GetString()!;
            if (covered) Assert.DoesNotContain("nobody is being woken", told);
            else Assert.Contains($"nobody is being woken: it counts from {Day.ToString("ddd yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture)} 10:00", told);
        }
    }

    [Fact]
    public async Task A_raise_to_P1_at_night_under_a_tier_covering_it_asks_tickets_to_page_and_a_raise_by_day_or_to_P2_does_not()
    {
        var (night, day) = (Guid.NewGuid(), Guid.NewGuid());
        await sla.ChangeClientAsync(night, 1, "premium", (await ClosedNowCalendarAsync()).ToString());
        await sla.ChangeClientAsync(day, 1, "premium", null); // the fixture's default calendar is open around the clock

        var raisedAtNight = await RaiseAsync(night, "P1");
        var raisedByDay = await RaiseAsync(day, "P1");
        var p2AtNight = await RaiseAsync(night, "P2");

        Assert.True(raisedAtNight.GetProperty("pagesOnCall").GetBoolean()); // docs/adr/0046
        Assert.False(raisedByDay.GetProperty("pagesOnCall").GetBoolean());
        Assert.False(p2AtNight.GetProperty("pagesOnCall").GetBoolean());
    }

    /// <summary>Opens a P3 of <paramref name="client"/>, raises it, and returns sla's SlaDueTimesChanged for the raise.</summary>
    private async Task<JsonElement> RaiseAsync(Guid client, string to)
    {
        var (ticket, openedAt) = await sla.OpenTicketAsync("P3", clientId: client);
        await sla.ClockAsync(ticket);
        await sla.PublishAsync(new Tickets.Contracts.TicketPriorityChanged(ticket, client, "P3", to, "Triage", openedAt.AddMilliseconds(500),
            "dispatcher@msp.example", "web"));
        return (await sla.PublishedAsync(ticket, "the raise's due times", p => p.Type == "SlaDueTimesChanged"
            && p.Message.GetProperty("priority").GetString() == to)).Message;
    }

    [Fact]
    public async Task Declared_emergency_previews_as_P1_and_a_client_sees_only_its_own_client()
    {
        var client = Guid.NewGuid();
        await sla.ChangeClientAsync(client, 1, "premium", (await ClosedNowCalendarAsync()).ToString());
        using var own = sla.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, client));
        using var other = sla.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, Guid.NewGuid()));

        var preview = await PreviewAsync(own, client, priority: null, SlaFixture.Now(), emergency: true);
        var elsewhere = await other.GetAsync($"/api/sla/preview?client={client}&priority=P1&channel=web");

        Assert.Equal("P1", preview.GetProperty("priority").GetString());
        Assert.True(preview.GetProperty("coverage").GetProperty("pagesOnCall").GetBoolean());
        Assert.Equal("the on-call person of the ticket's team", preview.GetProperty("paged").GetString());
        Assert.Equal(HttpStatusCode.NotFound, elsewhere.StatusCode);
        Assert.Contains("client", (await elsewhere.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("client=nope&priority=P1&channel=web", "client")]
    [InlineData("priority=P1&channel=web", "client")]
    [InlineData("client={client}&priority=P9&channel=web", "priority")]
    [InlineData("client={client}&channel=web", "priority")]
    [InlineData("client={client}&priority=P3&channel=web&emergency=true", "priority")]
    [InlineData("client={client}&priority=P1&channel=carrier-pigeon", "channel")]
    [InlineData("client={client}&priority=P1", "channel")]
    [InlineData("client={client}&priority=P1&channel=web&at=yesterday", "at")]
    [InlineData("client={client}&priority=P1&channel=web&at=2026-12-07T21:30:00", "at")] // no offset: ambiguous
    public async Task Bad_preview_query_is_a_400_naming_the_field(string query, string field)
    {
        using var admin = sla.Admin();

        var response = await admin.GetAsync("/api/sla/preview?" + query.Replace("{client}", SlaFixture.ClientA.ToString()));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal([field], errors.EnumerateObject().Select(e => e.Name));
    }

    [Fact]
    public async Task Preview_of_an_unknown_client_is_a_404()
    {
        using var admin = sla.Admin();

        var response = await admin.GetAsync($"/api/sla/preview?client={Guid.NewGuid()}&priority=P1&channel=web");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    private static async Task<JsonElement> PreviewAsync(HttpClient http, Guid client, string? priority, DateTimeOffset at, bool emergency = false)
    {
        var query = $"client={client}&channel=web&at={Uri.EscapeDataString(at.ToString("O"))}"
            + (priority is null ? "" : $"&priority={priority}") + (emergency ? "&emergency=true" : "");
        var response = await http.GetAsync("/api/sla/preview?" + query);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>Each target's contractual and internal due time, by name: the clock's and the preview's have the same shape.</summary>
    private static List<string> Targets(JsonElement view) =>
    [
        .. view.GetProperty("targets").EnumerateArray().Select(t =>
            $"{t.GetProperty("target").GetString()}: {Due(t, "contractual")} / {Due(t, "internal")}"),
    ];

    private static string Due(JsonElement target, string commitment) =>
        target.GetProperty(commitment).GetProperty("dueAt") is { ValueKind: JsonValueKind.String } due ? due.GetDateTimeOffset().ToString("O") : "none";

    /// <summary>A UTC calendar open only on <see cref="Day"/> 10:00-11:00, so that now is outside its hours.</summary>
    private async Task<Guid> ClosedNowCalendarAsync()
    {
        using var admin = sla.Admin();
        var response = await admin.PostAsJsonAsync("/api/sla/calendars", new
        {
            name = $"Open only {Day:yyyy-MM-dd} ({Guid.NewGuid():N})",
            timeZone = "Etc/UTC",
            week = new Dictionary<string, object[]> { [Day.DayOfWeek.ToString().ToLowerInvariant()] = [new { opens = "10:00", closes = "11:00" }] },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }
}
