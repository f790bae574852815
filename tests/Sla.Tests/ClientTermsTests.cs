using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServiceDesk.Testing;
using Sla.Api.Data;
using Tickets.Contracts;

namespace Sla.Tests;

/// <summary>
/// Clocks on each client's own tier and calendar (sla's copy of tickets' directory), a tier change recalculating open
/// clocks, and calendar edits leaving started clocks alone (ADR 19). Targets are scaled as in SlaFixture: 100 minutes
/// last 15 seconds.
/// </summary>
public sealed class ClientTermsTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    /// <summary>Two days from now, UTC: a day the clock cannot be on yet, so a calendar open only then fixes its start.</summary>
    private static readonly string[] Priorities = ["P1", "P2", "P3", "P4"];

    private static readonly DateOnly Day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);

    /// <summary>A target of <paramref name="minutes"/> as a clock here counts it (scaled as the service scales it).</summary>
    private static TimeSpan Minutes(int minutes) => TimeSpan.FromMinutes(minutes) * SlaFixture.Scale;

    private static DateTimeOffset On(DateOnly day, int hour) => new(day.ToDateTime(new TimeOnly(hour, 0)), TimeSpan.Zero);

    [Fact]
    public async Task Client_on_its_own_calendar_and_tier_gets_due_times_from_them()
    {
        var calendar = await CalendarOpenOnlyAsync(Day, "10:00", "11:00");
        var tier = await TierAsync();
        var client = Guid.NewGuid();
        await sla.ChangeClientAsync(client, 1, tier, calendar.ToString());

        var (id, openedAt) = await sla.OpenTicketAsync("P2", clientId: client);

        var clock = await sla.ClockAsync(id);
        var countsFrom = On(Day, 10); // outside its hours now; the tier has no after-hours cover
        Assert.Equal(tier, clock.GetProperty("tier").GetString());
        Assert.Equal(openedAt, clock.GetProperty("startedAt").GetDateTimeOffset());
        Assert.Equal(countsFrom, clock.GetProperty("countsFrom").GetDateTimeOffset());
        Assert.Equal(countsFrom + Minutes(100), clock.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
        Assert.Equal(countsFrom + Minutes(40), clock.GetProperty("acknowledgeInternalDueAt").GetDateTimeOffset());
        Assert.Equal(countsFrom + Minutes(200), clock.GetProperty("workBeginsDueAt").GetDateTimeOffset());
        Assert.Equal((calendar, 1), (clock.GetProperty("calendar").GetProperty("id").GetGuid(), clock.GetProperty("calendar").GetProperty("revision").GetInt32()));
        var started = await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted");
        Assert.Equal(countsFrom + Minutes(100), started.Message.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task Calendar_edit_leaves_started_clocks_on_the_revision_they_started_with()
    {
        var calendar = await CalendarOpenOnlyAsync(Day, "10:00", "11:00");
        var client = Guid.NewGuid();
        await sla.ChangeClientAsync(client, 1, "standard", calendar.ToString());
        var (before, openedAt) = await sla.OpenTicketAsync("P2", clientId: client);
        var acknowledgeDue = On(Day, 10) + SlaFixture.Target(1);
        Assert.Equal(acknowledgeDue, (await sla.ClockAsync(before)).GetProperty("acknowledgeDueAt").GetDateTimeOffset());

        using var admin = sla.Admin();
        var moved = await admin.PutAsJsonAsync($"/api/sla/calendars/{calendar}", CalendarBody(Day, "12:00", "13:00", revision: 1));
        Assert.Equal(HttpStatusCode.OK, moved.StatusCode);
        // A priority change replays the clock and recalculates from its start: on the revision it started with.
        await sla.PublishAsync(new TicketPriorityChanged(before, client, "P2", "P3", "Only one printer.", openedAt.AddMilliseconds(100), "dispatcher", "web"));
        var after = await ClockWhereAsync(before, c => c.GetProperty("priority").GetString() == "P3", "the priority change");
        var (later, _) = await sla.OpenTicketAsync("P2", clientId: client);

        Assert.Equal(acknowledgeDue, after.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
        Assert.Equal(1, after.GetProperty("calendar").GetProperty("revision").GetInt32());
        var next = await sla.ClockAsync(later);
        Assert.Equal(On(Day, 12), next.GetProperty("countsFrom").GetDateTimeOffset());
        Assert.Equal(2, next.GetProperty("calendar").GetProperty("revision").GetInt32());
    }

    [Fact]
    public async Task Tier_change_recalculates_open_clocks_with_a_ledger_entry_once()
    {
        var client = Guid.NewGuid();
        await sla.ChangeClientAsync(client, 1, "standard", null);
        var (id, openedAt) = await sla.OpenTicketAsync("P3", clientId: client);
        var (resolved, resolvedAt) = await sla.OpenTicketAsync("P3", clientId: client);
        await sla.ClockAsync(id);
        await sla.ClockAsync(resolved);
        await sla.PublishAsync(SlaFixture.StatusChanged(resolved, TicketStatuses.New, TicketStatuses.Resolved, resolvedAt.AddMilliseconds(10)) with { ClientId = client });
        await ClockWhereAsync(resolved, c => c.GetProperty("status").GetString() == "Stopped", "the resolution");
        var tier = await TierAsync();

        await sla.ChangeClientAsync(client, 2, tier, null);
        await sla.ChangeClientAsync(client, 2, tier, null); // the same revision again, with a new message id

        var clock = await ClockWhereAsync(id, c => c.GetProperty("tier").GetString() == tier, "the tier change");
        Assert.Equal(openedAt + Minutes(100), clock.GetProperty("acknowledgeDueAt").GetDateTimeOffset()); // from the original start
        var recalculated = Assert.Single(clock.GetProperty("ledger").EnumerateArray(), e => e.GetProperty("kind").GetString() == "Recalculated");
        Assert.Contains($"tier changed from standard to {tier} (client revision 2, by dispatcher)", recalculated.GetProperty("cause").GetString(), StringComparison.Ordinal);
        var saga = await sla.SagaAsync(id);
        Assert.Equal((tier, 2), (saga!.Tier, saga.ClientRevision));
        Assert.Equal("standard", (await sla.SagaAsync(resolved))!.Tier); // a stopped clock is not open
    }

    [Fact]
    public async Task Older_client_revision_arriving_late_changes_nothing()
    {
        var client = Guid.NewGuid();
        var (open, _) = await sla.OpenTicketAsync("P3", clientId: client); // before sla hears of the client: the default tier
        Assert.Equal("standard", (await sla.ClockAsync(open)).GetProperty("tier").GetString());
        var tier = await TierAsync();

        await sla.ChangeClientAsync(client, 3, tier, null);
        await ClockWhereAsync(open, c => c.GetProperty("tier").GetString() == tier, "the tier change");
        await sla.ChangeClientAsync(client, 2, "premium", null);
        var (later, _) = await sla.OpenTicketAsync("P3", clientId: client);

        Assert.Equal(tier, (await sla.ClockAsync(later)).GetProperty("tier").GetString());
        await using var scope = sla.App.Services.CreateAsyncScope();
        var copy = await scope.ServiceProvider.GetRequiredService<SlaDbContext>().Clients.AsNoTracking().SingleAsync(c => c.Id == client);
        Assert.Equal((3, tier), (copy.Revision, copy.Tier));
        var clock = await sla.StatusAsync(open);
        Assert.Equal(tier, clock.GetProperty("tier").GetString());
        Assert.Single(clock.GetProperty("ledger").EnumerateArray(), e => e.GetProperty("kind").GetString() == "Recalculated");
    }

    [Fact]
    public async Task Unknown_tier_or_calendar_starts_the_clock_on_the_default_and_says_why()
    {
        var client = Guid.NewGuid();
        await sla.ChangeClientAsync(client, 1, "Platinum", "no-such-calendar");

        var (id, openedAt) = await sla.OpenTicketAsync("P2", clientId: client);

        var clock = await sla.ClockAsync(id);
        Assert.Equal("standard", clock.GetProperty("tier").GetString());
        Assert.Equal(openedAt + SlaFixture.Target(1), clock.GetProperty("acknowledgeDueAt").GetDateTimeOffset()); // the fixture's 24x7 default
        var cause = clock.GetProperty("ledger")[0].GetProperty("cause").GetString();
        Assert.Contains("Tier 'platinum' is unknown to sla; the default tier 'standard' applies.", cause, StringComparison.Ordinal);
        Assert.Contains("Calendar 'no-such-calendar' is unknown to sla; the default calendar applies.", cause, StringComparison.Ordinal);
        Assert.Contains(sla.App.Logs.Entries, e => e.Level == LogLevel.Warning && e.Message.Contains($"Ticket {id}", StringComparison.Ordinal)
            && e.Message.Contains("Tier 'platinum' is unknown", StringComparison.Ordinal));
    }

    private async Task<JsonElement> ClockWhereAsync(Guid id, Func<JsonElement, bool> condition, string what) =>
        (JsonElement)await Eventually.GetAsync(async () => await sla.StatusAsync(id) is var clock && condition(clock) ? (object)clock : null, what);

    private static object CalendarBody(DateOnly day, string opens, string closes, int? revision = null) => new
    {
        name = $"Open on {day:yyyy-MM-dd} {opens} ({Guid.NewGuid():N})",
        timeZone = "Etc/UTC",
        week = new Dictionary<string, object[]> { [day.DayOfWeek.ToString().ToLowerInvariant()] = [new { opens, closes }] },
        revision,
    };

    /// <summary>A UTC calendar open only on <paramref name="day"/>'s weekday, within the given hours.</summary>
    private async Task<Guid> CalendarOpenOnlyAsync(DateOnly day, string opens, string closes)
    {
        using var admin = sla.Admin();
        var response = await admin.PostAsJsonAsync("/api/sla/calendars", CalendarBody(day, opens, closes));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A tier without after-hours cover: acknowledge in 100 minutes (40 inside), work begins in 200 (100).</summary>
    private async Task<string> TierAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..12];
        var targets = Priorities.SelectMany(p => new object[]
        {
            new { priority = p, type = "acknowledge", contractualMinutes = 100, internalMinutes = 40 },
            new { priority = p, type = "work-begins", contractualMinutes = 200, internalMinutes = 100 },
        }).ToArray();
        using var admin = sla.Admin();
        var response = await admin.PostAsJsonAsync("/api/sla/tiers", new { name, afterHoursCovered = false, emergencyCovered = false, targets });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }
}
