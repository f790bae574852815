using System.Net;
using Microsoft.EntityFrameworkCore;
using Tickets.Api.Domain;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

[Collection(TicketsCollection.Name)]
public sealed class TimeEntryTests(TicketsFixture tickets)
{
    private static readonly Guid Client = Guid.NewGuid();
    private readonly HttpClient _tech = tickets.Technician();

    [Fact]
    public async Task Time_entry_is_credited_to_the_responder_and_published_for_billing()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var start = tickets.Clock.Now.AddHours(-2);

        var response = await _tech.PostAsync($"/api/tickets/{ticket.Id}/time-entries",
            new { startedAt = start, endedAt = start.AddMinutes(45).AddSeconds(10), workType = "BusinessHours", note = "Replaced fuser" });
        var byDuration = await tickets.Dispatcher().PostAsync($"/api/tickets/{ticket.Id}/time-entries",
            new { responder = "omar", startedAt = start, minutes = 30, workType = "AfterHours" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = await response.ReadAsync<TimeEntryView>();
        Assert.Equal(("tess", 46, 1), (entry.Responder, entry.Minutes, entry.Revision)); // 45m10s is 46 minutes of someone's time
        Assert.Equal(HttpStatusCode.Created, byDuration.StatusCode);
        var recordedForOmar = await byDuration.ReadAsync<TimeEntryView>();
        Assert.Equal(("omar", "dora", 30), (recordedForOmar.Responder, recordedForOmar.RecordedBy, recordedForOmar.Minutes));

        var published = await tickets.EventuallyPublishedAsync("TimeEntryRecorded", ticket.Id, 2);
        var first = Assert.Single(published, p => p.GetProperty("timeEntryId").GetGuid() == entry.Id);
        Assert.Equal(("tess", 46, "BusinessHours", 1), (first.GetProperty("responder").GetString(), first.GetProperty("minutes").GetInt32(),
            first.GetProperty("workType").GetString(), first.GetProperty("revision").GetInt32()));
        Assert.Equal(Client, first.GetProperty("clientId").GetGuid());
    }

    /// <summary>A time written with the technician's own offset is the instant it names (it was a 500: the database takes UTC only).</summary>
    [Fact]
    public async Task A_time_entry_written_in_a_local_offset_is_the_instant_it_names()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var start = tickets.Clock.Now.AddHours(-3);
        var berlin = TimeSpan.FromHours(1);

        var response = await _tech.PostAsync($"/api/tickets/{ticket.Id}/time-entries",
            new { startedAt = start.ToOffset(berlin).ToString("O"), endedAt = start.AddMinutes(20).ToOffset(berlin).ToString("O"), workType = "BusinessHours" });

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var entry = await response.ReadAsync<TimeEntryView>();
        Assert.Equal(start, entry.StartedAt, TimeSpan.FromMilliseconds(1)); // PostgreSQL keeps microseconds
        Assert.Equal(20, entry.Minutes);
    }

    [Fact]
    public async Task Editing_a_time_entry_is_audited_with_before_and_after_and_republished_as_a_new_revision()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var start = tickets.Clock.Now.AddHours(-3);
        var entry = await (await _tech.PostAsync($"/api/tickets/{ticket.Id}/time-entries",
            new { startedAt = start, minutes = 20, workType = "BusinessHours" })).ReadAsync<TimeEntryView>();

        var edited = await tickets.Dispatcher().PutAsync($"/api/tickets/{ticket.Id}/time-entries/{entry.Id}",
            new { startedAt = start, minutes = 35, workType = "Emergency", note = "Was an outage", revision = 1 });
        var stale = await _tech.PutAsync($"/api/tickets/{ticket.Id}/time-entries/{entry.Id}",
            new { startedAt = start, minutes = 5, workType = "BusinessHours", revision = 1 });

        Assert.Equal(HttpStatusCode.OK, edited.StatusCode);
        var now = await edited.ReadAsync<TimeEntryView>();
        Assert.Equal((35, 2, WorkType.Emergency), (now.Minutes, now.Revision, now.WorkType));
        Assert.Equal(HttpStatusCode.Conflict, stale.StatusCode);
        Assert.Equal(2, (await stale.ProblemAsync()).GetProperty("currentRevision").GetInt32());

        var revisions = await tickets.EventuallyPublishedAsync("TimeEntryRecorded", ticket.Id, 2);
        Assert.Equal([(1, 20), (2, 35)], revisions.Select(r => (r.GetProperty("revision").GetInt32(), r.GetProperty("minutes").GetInt32())));

        var audit = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/audit")).ReadAsync<AuditView[]>();
        var edit = Assert.Single(audit, a => a.Action == "time-edited");
        Assert.Equal("dora", edit.Actor);
        Assert.Equal(20, edit.Details.GetProperty("before").GetProperty("minutes").GetInt32());
        Assert.Equal(35, edit.Details.GetProperty("after").GetProperty("minutes").GetInt32());
        var listed = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/time-entries")).ReadAsync<TimeEntryView[]>();
        Assert.Equal(35, Assert.Single(listed).Minutes);
    }

    public static TheoryData<string, string> BadEntries => new()
    {
        { """{"minutes":10,"workType":"BusinessHours"}""", "startedAt" },
        { """{"startedAt":"{start}","workType":"BusinessHours"}""", "endedAt" },
        { """{"startedAt":"{start}","minutes":10,"endedAt":"{start}","workType":"BusinessHours"}""", "endedAt" },
        { """{"startedAt":"{start}","minutes":0,"workType":"BusinessHours"}""", "minutes" },
        { """{"startedAt":"{start}","minutes":1441,"workType":"BusinessHours"}""", "minutes" },
        { """{"startedAt":"{start}","endedAt":"{start}","workType":"BusinessHours"}""", "endedAt" },
        { """{"startedAt":"{future}","minutes":10,"workType":"BusinessHours"}""", "startedAt" },
        { """{"startedAt":"{start}","minutes":10}""", "workType" },
        { """{"startedAt":"{start}","minutes":10,"workType":"Overtime"}""", "workType" },
        { """{"startedAt":"{start}","minutes":10,"workType":"BusinessHours","note":"{long}"}""", "note" },
        { """{"startedAt":"{start}","minutes":10,"workType":"BusinessHours","revision":3}""", "revision" },
        { """{"startedAt":"yesterday","minutes":10,"workType":"BusinessHours"}""", "startedAt" },
    };

    [Theory]
    [MemberData(nameof(BadEntries))]
    public async Task Bad_time_entry_is_400_naming_the_field_and_nothing_is_stored_or_published(string template, string field)
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var body = template.Replace("{start}", tickets.Clock.Now.AddHours(-1).ToString("O"), StringComparison.Ordinal)
            .Replace("{future}", tickets.Clock.Now.AddHours(1).ToString("O"), StringComparison.Ordinal)
            .Replace("{long}", new string('n', 2001), StringComparison.Ordinal);

        var response = await _tech.PostAsync(new Uri($"/api/tickets/{ticket.Id}/time-entries", UriKind.Relative),
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertInvalidAsync(field);
        Assert.Equal(0, await tickets.WithDbAsync(db => db.TimeEntries.CountAsync(e => e.TicketId == ticket.Id)));
        Assert.Empty(await tickets.PublishedAsync("TimeEntryRecorded", ticket.Id));
    }

    [Fact]
    public async Task Unknown_time_entry_or_one_of_another_ticket_is_404()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var other = await tickets.OpenTicketAsync(Client);
        var entry = await (await _tech.PostAsync($"/api/tickets/{other.Id}/time-entries",
            new { startedAt = tickets.Clock.Now.AddHours(-1), minutes = 5, workType = "BusinessHours" })).ReadAsync<TimeEntryView>();
        var edit = new { startedAt = tickets.Clock.Now.AddHours(-1), minutes = 6, workType = "BusinessHours", revision = 1 };

        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PutAsync($"/api/tickets/{ticket.Id}/time-entries/{entry.Id}", edit)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PutAsync($"/api/tickets/{ticket.Id}/time-entries/{Guid.NewGuid()}", edit)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PostAsync($"/api/tickets/{Guid.NewGuid()}/time-entries",
            new { startedAt = tickets.Clock.Now.AddHours(-1), minutes = 6, workType = "BusinessHours" })).StatusCode);
    }
}
