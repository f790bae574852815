using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MassTransit;
using Notify.Contracts;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Sla.Api.Reports;
using Tickets.Contracts;

namespace Sla.Tests;

/// <summary>
/// The reports on the real broker and database (SlaFixture: a 24x7 UTC calendar, so business time is real time here,
/// and a standard P2 is due to be acknowledged in 9 s, internally 2.25 s). Each test has a client of its own.
/// Tickets that should meet their targets are entered a minute ahead, so no timer fires before their events are
/// applied: an event that arrived after a timer's entry would be recorded late (the saga's rule), not when it was sent.
/// </summary>
public sealed class ReportTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    private readonly Guid _client = Guid.NewGuid();

    [Fact]
    public async Task Time_to_acknowledge_per_priority_counts_median_p90_and_the_share_met_of_each_commitment()
    {
        var start = Ahead();
        var fast = await OpenAsync("P2", start);
        var slow = await OpenAsync("P2", start);
        var never = await OpenAsync("P2", SlaFixture.Now()); // breaches both commitments within 9 s, never acknowledged
        var urgent = await OpenAsync("P1", start);
        await AcknowledgeAsync(fast, start.AddSeconds(1.2));   // within 2.25 s: both met
        await AcknowledgeAsync(slow, start.AddSeconds(6));     // within 9 s only
        await AcknowledgeAsync(urgent, start.AddSeconds(1.8));

        await BreachedAsync(never);
        var rows = await RowsAsync($"groupBy=priority&clientId={_client}", "acknowledge",
            ready: r => r.Sum(x => x.Tickets) == 4 && r.FirstOrDefault(x => x.Group == "P2")?.ContractualMetPercent < 100);

        var p2 = Assert.Single(rows, r => r.Group == "P2");
        Assert.Equal((3, 2), (p2.Tickets, p2.Met));
        Assert.Equal(0.06, p2.MedianBusinessMinutes);           // (1.2 s + 6 s) / 2 = 3.6 s
        Assert.Equal(0.09, p2.P90BusinessMinutes);              // 1.2 s + 0.9 × 4.8 s = 5.52 s
        Assert.Equal((66.7, 33.3), (p2.ContractualMetPercent, p2.InternalMetPercent));
        var p1 = Assert.Single(rows, r => r.Group == "P1");
        Assert.Equal((1, 1, 0.03, 100.0), (p1.Tickets, p1.Met, p1.MedianBusinessMinutes, p1.ContractualMetPercent));
    }

    [Fact]
    public async Task Time_to_begin_work_leaves_out_the_time_spent_waiting_on_the_client_and_groups_by_current_team()
    {
        var start = Ahead();
        var (network, helpDesk) = (Guid.NewGuid(), Guid.NewGuid());
        var waited = await OpenAsync("P3", start, teamId: helpDesk);
        var unassigned = await OpenAsync("P3", start);
        await sla.PublishAsync(new TicketAssigned(waited, _client, network, "tess", helpDesk, null, "needs a switch", start.AddSeconds(0.5), "dora", "web"));
        // One at a time: a status change that overtook its predecessor would be recorded late, not as sent.
        await ClockAsync(waited, "Running");
        await sla.PublishAsync(SlaFixture.StatusChanged(waited, "New", "WaitingOnClient", start.AddSeconds(1)) with { ClientId = _client });
        await ClockAsync(waited, "Paused");
        await sla.PublishAsync(SlaFixture.StatusChanged(waited, "WaitingOnClient", "InProgress", start.AddSeconds(11)) with { ClientId = _client });
        await sla.PublishAsync(SlaFixture.StatusChanged(unassigned, "New", "InProgress", start.AddSeconds(2.4)) with { ClientId = _client });

        var rows = await RowsAsync($"groupBy=team&clientId={_client}", "work-begins",
            ready: r => r.Sum(x => x.Met) == 2 && r.Any(x => x.Group == network.ToString()));

        // 11 s after the start, less the 10 s it waited on the client: 1 s of business time.
        Assert.Equal([(network.ToString(), 0.02), ("unassigned", 0.04)],
            rows.OrderBy(r => r.Group == "unassigned").Select(r => (r.Group, r.MedianBusinessMinutes!.Value)));
    }

    [Fact]
    public async Task Periods_and_csv()
    {
        var start = Ahead();
        var ticket = await OpenAsync("P2", start);
        await AcknowledgeAsync(ticket, start.AddSeconds(1.8));
        await RowsAsync($"clientId={_client}", "acknowledge", ready: r => r.Sum(x => x.Met) == 1);

        var response = await sla.Staff().GetAsync(new Uri(
            $"/api/sla/reports?groupBy=period&period=day&timeZone=Pacific/Kiritimati&format=csv&clientId={_client}&to={Tomorrow}", UriKind.Relative));

        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).TrimEnd('\n').Split('\n');
        Assert.Equal("group,target,tickets,met,medianBusinessMinutes,p90BusinessMinutes,contractualMetPercent,internalMetPercent,clientName", lines[0]);
        // UTC+14: the day in Kiritimati, not in UTC.
        var day = TimeZoneInfo.ConvertTime(start, TimeZoneInfo.FindSystemTimeZoneById("Pacific/Kiritimati")).ToString("yyyy-MM-dd");
        Assert.Contains($"{day},acknowledge,1,1,0.03,0.03,100,100,", lines);
    }

    [Fact]
    public async Task A_merged_duplicate_is_left_out()
    {
        var start = Ahead();
        var survivor = await OpenAsync("P2", start);
        var duplicate = await OpenAsync("P2", start);
        await AcknowledgeAsync(survivor, start.AddSeconds(1.8));
        await AcknowledgeAsync(duplicate, start.AddSeconds(1.2));
        await RowsAsync($"clientId={_client}", "acknowledge", ready: r => r.Sum(x => x.Met) == 2);

        await sla.PublishAsync(new TicketMerged(duplicate, 2, survivor, 1, _client, "sent twice", start.AddSeconds(3), "tess", "web"));

        var rows = await RowsAsync($"clientId={_client}", "acknowledge", ready: r => r.Sum(x => x.Met) == 1);
        Assert.Equal(0.03, Assert.Single(rows).MedianBusinessMinutes); // the survivor's 1.8 s
    }

    /// <summary>
    /// On a New York office calendar (Mon-Fri 08:00-17:00, Thanksgiving 2027-11-25 closed): entered Wednesday 16:00,
    /// waiting on the client 16:30-16:45, In Progress Friday 08:30. Business time to begin work: 30 + 15 + 0 (the
    /// holiday) + 30 minutes. A year ahead, so no timer fires before the events are applied; they are sent newest first,
    /// and the saga applies them in the ticket's order.
    /// </summary>
    [Fact]
    public async Task Business_time_leaves_out_nights_a_holiday_and_the_pause_and_the_client_is_named()
    {
        var calendar = await NewYorkOfficeAsync();
        await sla.ChangeClientAsync(_client, 1, await BusinessHoursTierAsync(), calendar.ToString(), name: "Acme Dental, Inc.");
        var entered = NewYork("2027-11-24T16:00:00");
        var id = NewId.NextGuid();
        await sla.PublishConsumedAsync(new TicketOpened(id, 1, _client, "dana@acme-dental.example", "Dana", "web", "Printer jam", "P3",
            entered, TicketVersion: 1), "TicketOpened");
        foreach (var (from, to, at, version) in new[]
        {
            ("Scheduled", "InProgress", NewYork("2027-11-26T08:30:00"), 4),
            ("WaitingOnClient", "Scheduled", NewYork("2027-11-24T16:45:00"), 3),
            ("New", "WaitingOnClient", NewYork("2027-11-24T16:30:00"), 2),
        })
            await sla.PublishAsync(new TicketStatusChanged(id, _client, from, to, at, "tess", "web", TicketVersion: version));

        var range = $"from=2027-11-01&to=2027-12-01&groupBy=client&clientId={_client}";
        var row = Assert.Single(await RowsAsync(range, "work-begins", ready: r => r.Sum(x => x.Met) == 1, to: null));
        Assert.Equal((_client.ToString(), "Acme Dental, Inc.", 75.0), (row.Group, row.ClientName, row.MedianBusinessMinutes));

        var csv = await (await sla.Staff().GetAsync(new Uri($"/api/sla/reports?{range}&format=csv", UriKind.Relative))).Content.ReadAsStringAsync();
        Assert.Contains($"{_client},work-begins,1,1,75,75,", csv);
        Assert.EndsWith(",\"Acme Dental, Inc.\"", csv.Split('\n').Single(l => l.Contains("work-begins", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("groupBy=status", "groupBy")]
    [InlineData("period=year", "period")]
    [InlineData("from=yesterday", "from")]
    [InlineData("from=2026-11-02&to=2026-11-01", "from")]
    [InlineData("timeZone=Mars/Olympus_Mons", "timeZone")]
    [InlineData("priority=P9", "priority")]
    [InlineData("format=xml", "format")]
    public async Task Bad_parameters_are_400_naming_the_parameter(string parameters, string field)
    {
        var response = await sla.Staff().GetAsync(new Uri($"/api/sla/reports?{parameters}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
    }

    [Fact]
    public async Task Reports_are_for_staff_only()
    {
        var client = sla.App.CreateClient().As(TestAuth.Token(Roles.ClientAdmin, _client));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(new Uri("/api/sla/reports", UriKind.Relative))).StatusCode);
    }

    private static DateTimeOffset Ahead() => SlaFixture.Now().AddMinutes(1);

    private static readonly string[] Weekdays = ["monday", "tuesday", "wednesday", "thursday", "friday"];
    private static readonly string[] Priorities = ["P1", "P2", "P3", "P4"];

    private static DateTimeOffset NewYork(string local) => Calendars.At(Calendars.NewYork, local);

    private async Task<Guid> NewYorkOfficeAsync()
    {
        var hours = new[] { new { opens = "08:00", closes = "17:00" } };
        using var admin = sla.Admin();
        var response = await admin.PostAsJsonAsync("/api/sla/calendars", new
        {
            name = $"New York office ({Guid.NewGuid():N})",
            timeZone = "America/New_York",
            week = Weekdays.ToDictionary(d => d, _ => hours),
            holidays = new[] { new { date = "2027-11-25", name = "Thanksgiving" } },
        });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>A tier without after-hours cover, so every target counts on the client's business hours.</summary>
    private async Task<string> BusinessHoursTierAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..12];
        var targets = Priorities.SelectMany(p => new object[]
        {
            new { priority = p, type = "acknowledge", contractualMinutes = 60, internalMinutes = 30 },
            new { priority = p, type = "work-begins", contractualMinutes = 1440, internalMinutes = 480 },
        }).ToArray();
        using var admin = sla.Admin();
        var response = await admin.PostAsJsonAsync("/api/sla/tiers", new { name, afterHoursCovered = false, emergencyCovered = false, targets });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return name;
    }

    /// <summary>The default period ends now; these tickets were entered a minute ahead.</summary>
    private static string Tomorrow => Uri.EscapeDataString(DateTimeOffset.UtcNow.AddDays(1).ToString("O"));

    private async Task<Guid> OpenAsync(string priority, DateTimeOffset openedAt, Guid? teamId = null)
    {
        var id = NewId.NextGuid();
        await sla.PublishAsync(new TicketOpened(id, 1, _client, "dana@acme-dental.example", "Dana", "web", "Printer jam", priority, openedAt, teamId));
        return id;
    }

    private Task AcknowledgeAsync(Guid ticketId, DateTimeOffset at) =>
        sla.PublishAsync(new AcknowledgementSent(ticketId, "email", "dana@acme-dental.example", $"{ticketId:N}.ack@msp.example", at));

    private Task ClockAsync(Guid ticketId, string state) =>
        Eventually.TrueAsync(async () => (await sla.SagaAsync(ticketId))?.Clock == state, $"the clock of {ticketId} {state}");

    private Task BreachedAsync(Guid ticketId) =>
        sla.PublishedAsync(ticketId, "the contractual breach", p => p is { Type: "SlaBreached", Commitment: "contractual" });

    /// <summary>The report's rows for one target, once the projection has consumed what the test waits for.</summary>
    private Task<ReportRow[]> RowsAsync(string parameters, string target, Func<ReportRow[], bool> ready, string? to = "") =>
        Eventually.GetAsync(async () =>
        {
            var end = to is null ? "" : $"&to={Tomorrow}";
            var report = await sla.Staff().GetFromJsonAsync<Report>(new Uri($"/api/sla/reports?{parameters}{end}", UriKind.Relative), Json);
            var rows = report!.Rows.Where(r => r.Target == target).ToArray();
            return ready(rows) ? rows : null;
        }, $"the {target} outcomes of {parameters}");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
}
