using System.Net;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Api.Endpoints;
using Tickets.Api.OnCall;

namespace Tickets.Tests;

/// <summary>
/// The emergency paging saga (docs/adr/0041) in tickets: sla's clock start for a covered night P1 pages the team's
/// primary; each wait that runs out (the durable scheduler's PageDue, published here as sla's scheduler would) pages the
/// next layer; an acknowledgement stops the chain for good; a spent chain tells the dispatcher queue.
/// </summary>
[Collection(TicketsCollection.Name)]
public sealed class PagingTests(TicketsFixture tickets)
{
    private static readonly string[] Layers = ["primary", "backup"];
    private readonly HttpClient _dispatcher = tickets.Dispatcher();

    [Fact]
    public async Task A_covered_emergency_pages_primary_then_backup_and_an_acknowledgement_stops_the_chain()
    {
        var (client, _) = await TeamAsync(["alice", "bob"], lead: "carol", rounds: 2);
        var ticket = await tickets.OpenTicketAsync(client);

        await tickets.PublishAsync(ClockStarted(ticket.Id, client, pagesOnCall: true));
        await tickets.PublishAsync(ClockStarted(ticket.Id, client, pagesOnCall: true)); // a copy with a new id
        var first = Assert.Single(await tickets.EventuallyPublishedAsync("OnCallPaged", ticket.Id));
        Assert.Equal(("alice", "primary", 1), (first.GetProperty("person").GetString(), first.GetProperty("layer").GetString(), first.GetProperty("round").GetInt32()));

        await DueAsync(ticket.Id, first);
        await DueAsync(ticket.Id, first); // the same timer fired twice: one step, not two
        var pages = await tickets.EventuallyPublishedAsync("OnCallPaged", ticket.Id, 2);
        var second = pages[1];
        Assert.Equal(("bob", "backup"), (second.GetProperty("person").GetString(), second.GetProperty("layer").GetString()));
        // The board's "escalates at": bob's page plus the team's wait (5 minutes by default), not his link's 24 hours.
        var waiting = await PagingAsync(ticket.Id);
        Assert.Equal(waiting.Pages[^1].At + TimeSpan.FromMinutes(5), waiting.EscalatesAt);
        Assert.NotEqual(waiting.Pages[^1].AckExpiresAt, waiting.EscalatesAt);

        // One tap on bob's link: a GET shows the page (link previews must not acknowledge), the button's POST takes it.
        using var anonymous = tickets.App.CreateClient();
        var link = $"/pages/{second.GetProperty("ackToken").GetString()}";
        var shown = await anonymous.GetAsync(link);
        Assert.True(shown.StatusCode == HttpStatusCode.OK, await shown.Content.ReadAsStringAsync());
        Assert.Contains($"SD#{ticket.Number}", await shown.Content.ReadAsStringAsync());
        Assert.Equal("Paging", (await PagingAsync(ticket.Id)).State);
        Assert.Contains("the emergency is yours", await (await anonymous.PostAsync(link, null)).Content.ReadAsStringAsync());
        Assert.Contains("took this emergency", await (await anonymous.PostAsync(link, null)).Content.ReadAsStringAsync()); // a second tap

        var acked = Assert.Single(await tickets.EventuallyPublishedAsync("PageAcknowledged", ticket.Id));
        Assert.Equal(("bob", "link"), (acked.GetProperty("by").GetString(), acked.GetProperty("how").GetString()));

        // bob's wait runs out after his acknowledgement: nobody else is paged.
        await DueAsync(ticket.Id, second);
        Assert.Equal(2, (await tickets.PublishedAsync("OnCallPaged", ticket.Id)).Length);
        var paging = await PagingAsync(ticket.Id);
        Assert.Equal(("Acknowledged", "bob", "link"), (paging.State, paging.AcknowledgedBy, paging.AcknowledgedHow));
        Assert.Null(paging.EscalatesAt); // nothing escalates any more
        Assert.Equal(["primary", "backup"], paging.Pages.Select(p => p.Layer));

        var audit = (await tickets.AuditAsync(ticket.Id)).Select(a => a.Action).ToArray();
        Assert.Equal(["paging-started", "paged", "page-unanswered", "paged", "page-acknowledged"],
            audit.Where(a => a.StartsWith("pag", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task An_unanswered_chain_repeats_its_rounds_then_tells_the_dispatcher_queue()
    {
        var (client, _) = await TeamAsync(["alice", "alice"], lead: null, rounds: 2);
        var ticket = await tickets.OpenTicketAsync(client);
        await tickets.PublishAsync(ClockStarted(ticket.Id, client, pagesOnCall: true));

        // alice is primary and backup: woken once per round, twice in all, then nobody is left.
        var first = Assert.Single(await tickets.EventuallyPublishedAsync("OnCallPaged", ticket.Id));
        await DueAsync(ticket.Id, first);
        var second = (await tickets.EventuallyPublishedAsync("OnCallPaged", ticket.Id, 2))[1];
        Assert.Equal(("alice", "primary", 2), (second.GetProperty("person").GetString(), second.GetProperty("layer").GetString(), second.GetProperty("round").GetInt32()));
        await DueAsync(ticket.Id, second);

        var exhausted = Assert.Single(await tickets.EventuallyPublishedAsync("PagingExhausted", ticket.Id));
        Assert.Contains("2 rounds", exhausted.GetProperty("reason").GetString());
        Assert.Equal("Exhausted", (await PagingAsync(ticket.Id)).State);

        // The dispatcher found someone: the API takes it for them; a second acknowledgement is a conflict.
        var taken = await tickets.Dispatcher("dora").PostAsync($"/api/tickets/{ticket.Id}/paging/acknowledge", new { });
        Assert.Equal(HttpStatusCode.OK, taken.StatusCode);
        Assert.Equal(("Acknowledged", "dora", "api"), await taken.ReadAsync<PagingView>() is var v ? (v.State, v.AcknowledgedBy, v.AcknowledgedHow) : default);
        Assert.Equal(HttpStatusCode.Conflict, (await tickets.Technician().PostAsync($"/api/tickets/{ticket.Id}/paging/acknowledge", new { })).StatusCode);
    }

    [Fact]
    public async Task Nobody_is_paged_for_a_clock_that_does_not_page_and_a_ticket_without_a_team_goes_to_the_dispatcher_at_once()
    {
        var (client, _) = await TeamAsync(["alice"], lead: null, rounds: 1);
        var ordinary = await tickets.OpenTicketAsync(client);
        await tickets.PublishAsync(ClockStarted(ordinary.Id, client, pagesOnCall: false));
        var teamless = await tickets.OpenTicketAsync(Guid.NewGuid()); // no routing rule: no team
        await tickets.PublishAsync(ClockStarted(teamless.Id, teamless.ClientId, pagesOnCall: true));

        var exhausted = Assert.Single(await tickets.EventuallyPublishedAsync("PagingExhausted", teamless.Id));
        Assert.Contains("no team", exhausted.GetProperty("reason").GetString());
        Assert.Empty(await tickets.PublishedAsync("OnCallPaged", teamless.Id));
        await Eventually.TrueAsync(async () => (await tickets.GetTicketAsync(ordinary.Id)).Sla.AcknowledgeDueAt is not null, "the ordinary clock's copy");
        Assert.Empty(await tickets.PublishedAsync("OnCallPaged", ordinary.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await tickets.Technician().GetAsync($"/api/tickets/{ordinary.Id}/paging")).StatusCode);
    }

    [Fact]
    public async Task A_raise_to_P1_that_sla_says_pages_wakes_on_call_once_and_a_ticket_lowered_meanwhile_wakes_nobody()
    {
        var (client, _) = await TeamAsync(["alice"], lead: null, rounds: 1);
        var raised = await tickets.OpenTicketAsync(client);
        var lowered = await tickets.OpenTicketAsync(client);
        await RaiseAsync(raised, "P1");
        await RaiseAsync(lowered, "P1");
        await RaiseAsync(lowered, "P2"); // triage changed its mind before sla's answer to the raise came back

        // sla's answer to each raise (docs/adr/0046): the clock recalculated, and at night the tier's P1 pages on-call.
        await tickets.PublishAsync(Recalculated(raised.Id, client, version: 2, pagesOnCall: true));
        await tickets.PublishAsync(Recalculated(raised.Id, client, version: 2, pagesOnCall: true)); // a copy
        await tickets.PublishAsync(Recalculated(raised.Id, client, version: 3, pagesOnCall: false)); // a later change pages nobody more
        await tickets.PublishAsync(Recalculated(lowered.Id, client, version: 2, pagesOnCall: true));

        var page = Assert.Single(await tickets.EventuallyPublishedAsync("OnCallPaged", raised.Id));
        Assert.Equal(("alice", "primary"), (page.GetProperty("person").GetString(), page.GetProperty("layer").GetString()));
        await Eventually.TrueAsync(() => tickets.WithDbAsync(async db =>
            await db.Tickets.CountAsync(t => (t.Id == raised.Id && t.Sla.ClockVersion == 3) || (t.Id == lowered.Id && t.Sla.ClockVersion == 2)) == 2),
            "both copies of the clock");
        Assert.Single(await tickets.PublishedAsync("OnCallPaged", raised.Id));
        Assert.Empty(await tickets.PublishedAsync("OnCallPaged", lowered.Id));
        Assert.Equal(HttpStatusCode.NotFound, (await tickets.Technician().GetAsync($"/api/tickets/{lowered.Id}/paging")).StatusCode);
    }

    [Fact]
    public async Task A_ticket_lowered_and_raised_again_after_its_chain_ended_pages_again_and_a_copy_of_either_raise_pages_nobody_twice()
    {
        var (client, _) = await TeamAsync(["alice"], lead: null, rounds: 1);
        var ticket = await tickets.OpenTicketAsync(client);
        await RaiseAsync(ticket, "P1");
        var first = Recalculated(ticket.Id, client, version: 2, pagesOnCall: true);
        await tickets.PublishAsync(first);
        Assert.Single(await tickets.EventuallyPublishedAsync("OnCallPaged", ticket.Id));
        Assert.Equal(HttpStatusCode.OK, (await tickets.Dispatcher("dora").PostAsync($"/api/tickets/{ticket.Id}/paging/acknowledge", new { })).StatusCode);

        // An hour later triage lowers it, then raises it again: a new emergency start, a new chain.
        var now = tickets.Clock.Now;
        tickets.Clock.Now = now.AddHours(1);
        try
        {
            await RaiseAsync(ticket, "P3");
            await RaiseAsync(ticket, "P1");
            await tickets.PublishAsync(first); // a late redelivery of the first raise: its chain is over, and stays so
            var again = Recalculated(ticket.Id, client, version: 4, pagesOnCall: true);
            await tickets.PublishAsync(again);
            await tickets.PublishAsync(again); // a copy

            var pages = await tickets.EventuallyPublishedAsync("OnCallPaged", ticket.Id, 2);
            await Eventually.TrueAsync(() => tickets.WithDbAsync(async db => await db.Tickets.CountAsync(t => t.Id == ticket.Id && t.Sla.ClockVersion == 4) == 1),
                "the raise's clock copy");
            Assert.Equal(2, (await tickets.PublishedAsync("OnCallPaged", ticket.Id)).Length);
            var current = await PagingAsync(ticket.Id);
            Assert.Equal(("Paging", 1), (current.State, current.Pages.Length));
            Assert.Equal(pages[1].GetProperty("pageId").GetGuid(), current.Pages[0].Id);
            Assert.Equal(2, await tickets.WithDbAsync(db => db.Pagings.CountAsync(p => p.TicketId == ticket.Id)));
        }
        finally
        {
            tickets.Clock.Now = now;
        }
    }

    [Fact]
    public async Task An_sms_reply_acknowledges_the_newest_open_page_texted_to_that_number_once_for_the_person_paged()
    {
        var (client, _) = await TeamAsync(["alice"], lead: null, rounds: 1);
        var (older, newer) = (await tickets.OpenTicketAsync(client), await tickets.OpenTicketAsync(client));
        await tickets.PublishAsync(ClockStarted(older.Id, client, pagesOnCall: true));
        await tickets.PublishAsync(ClockStarted(newer.Id, client, pagesOnCall: true));
        var olderPage = Assert.Single(await tickets.EventuallyPublishedAsync("OnCallPaged", older.Id));
        var newerPage = Assert.Single(await tickets.EventuallyPublishedAsync("OnCallPaged", newer.Id));
        // The newer emergency was taken in the console meanwhile: the reply is for the one still waiting.
        Assert.Equal(HttpStatusCode.OK, (await tickets.Dispatcher("dora").PostAsync($"/api/tickets/{newer.Id}/paging/acknowledge", new { })).StatusCode);

        var now = tickets.Clock.Now;
        var reply = new Notify.Contracts.PageReplyReceived("+15550100001", "SM" + Guid.NewGuid().ToString("N"), now,
        [
            new(newer.Id, newerPage.GetProperty("pageId").GetGuid(), now.AddMinutes(-1)),
            new(older.Id, olderPage.GetProperty("pageId").GetGuid(), now.AddMinutes(-2)),
        ]);
        await tickets.PublishAsync(reply);
        await tickets.PublishAsync(reply); // Twilio retried the reply

        var acked = Assert.Single(await tickets.EventuallyPublishedAsync("PageAcknowledged", older.Id));
        Assert.Equal(("alice", "sms"), (acked.GetProperty("by").GetString(), acked.GetProperty("how").GetString()));
        var paging = await PagingAsync(older.Id);
        Assert.Equal(("Acknowledged", "alice", "sms"), (paging.State, paging.AcknowledgedBy, paging.AcknowledgedHow));
        Assert.Equal(("Acknowledged", "dora"), await PagingAsync(newer.Id) is var n ? (n.State, n.AcknowledgedBy) : default);
        await DueAsync(older.Id, olderPage); // the wait runs out after the reply: nobody else is paged
        Assert.Single(await tickets.PublishedAsync("OnCallPaged", older.Id));
        Assert.Single(await tickets.PublishedAsync("PageAcknowledged", older.Id));
    }

    [Fact]
    public async Task A_forged_or_expired_link_is_refused_and_changes_nothing()
    {
        var (client, _) = await TeamAsync(["alice"], lead: null, rounds: 1);
        var ticket = await tickets.OpenTicketAsync(client);
        await tickets.PublishAsync(ClockStarted(ticket.Id, client, pagesOnCall: true));
        var page = Assert.Single(await tickets.EventuallyPublishedAsync("OnCallPaged", ticket.Id));
        using var anonymous = tickets.App.CreateClient();

        var forged = await anonymous.PostAsync($"/pages/{new string('x', 43)}", null);
        Assert.Equal(HttpStatusCode.NotFound, forged.StatusCode);
        Assert.True((await forged.ProblemAsync()).GetProperty("errors").TryGetProperty("token", out _));

        var now = tickets.Clock.Now;
        tickets.Clock.Now = page.GetProperty("ackExpiresAt").GetDateTimeOffset().AddSeconds(1);
        try
        {
            var expired = await anonymous.PostAsync($"/pages/{page.GetProperty("ackToken").GetString()}", null);
            Assert.Equal(HttpStatusCode.Gone, expired.StatusCode);
            Assert.True((await expired.ProblemAsync()).GetProperty("errors").TryGetProperty("token", out _));
        }
        finally
        {
            tickets.Clock.Now = now;
        }
        Assert.Equal("Paging", (await PagingAsync(ticket.Id)).State);
        Assert.Empty(await tickets.PublishedAsync("PageAcknowledged", ticket.Id));
    }

    /// <summary>
    /// A team with its paging settings, members[0] on a primary rotation and members[1] (if any) on a backup one, and a
    /// routing rule sending a new client's tickets to it.
    /// </summary>
    private async Task<(Guid Client, Guid Team)> TeamAsync(string[] members, string? lead, int rounds)
    {
        var created = await _dispatcher.PostAsync("/api/teams", new { name = $"On call {Guid.NewGuid():N}", members, lead, pageRounds = rounds });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var team = await created.ReadAsync<TeamView>();
        foreach (var (layer, person) in Layers.Zip(members))
            Assert.Equal(HttpStatusCode.Created, (await _dispatcher.PostAsync($"/api/teams/{team.Id}/rotations", new
            {
                layer, people = new[] { person }, turnDays = 7, handoff = "08:00", timeZone = "America/New_York",
                firstTurn = DateOnly.FromDateTime(tickets.Clock.Now.UtcDateTime.AddDays(-8)),
            })).StatusCode);
        var client = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.Created, (await _dispatcher.PostAsync("/api/routing-rules", new { order = 1, clientId = client, teamId = team.Id })).StatusCode);
        return (client, team.Id);
    }

    private SlaClockStarted ClockStarted(Guid ticketId, Guid clientId, bool pagesOnCall)
    {
        var now = tickets.Clock.Now;
        return new SlaClockStarted(ticketId, clientId, "P1", now, now.AddMinutes(15), now.AddMinutes(10), now.AddHours(1), now.AddMinutes(45),
            "America/New_York", 1) { PagesOnCall = pagesOnCall };
    }

    private async Task RaiseAsync(TicketView ticket, string priority)
    {
        var changed = await tickets.Technician().PostAsync($"/api/tickets/{ticket.Id}/priority",
            new { priority, reason = "Triage", version = (await tickets.GetTicketAsync(ticket.Id)).Version });
        Assert.True(changed.StatusCode == HttpStatusCode.OK, await changed.Content.ReadAsStringAsync());
    }

    private SlaDueTimesChanged Recalculated(Guid ticketId, Guid clientId, int version, bool pagesOnCall)
    {
        var now = tickets.Clock.Now;
        return new SlaDueTimesChanged(ticketId, clientId, "Running", "P1", now.AddMinutes(15), now.AddMinutes(10), now.AddHours(1), now.AddMinutes(45),
            null, null, now, version) { PagesOnCall = pagesOnCall };
    }

    /// <summary>The page's wait ran out: what sla's durable scheduler publishes; waits until tickets consumed it.</summary>
    private async Task DueAsync(Guid ticketId, JsonElement page)
    {
        var id = NewId.NextGuid();
        await tickets.App.Services.GetRequiredService<IBus>().Publish(new PageDue(ticketId, page.GetProperty("pageId").GetGuid()),
            context => context.MessageId = id);
        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.Set<InboxState>().AnyAsync(i => i.MessageId == id && i.Consumed != null)),
            "the page's timer to be consumed");
    }

    private async Task<PagingView> PagingAsync(Guid ticketId) =>
        await (await tickets.Technician().GetAsync($"/api/tickets/{ticketId}/paging")).ReadAsync<PagingView>();
}
