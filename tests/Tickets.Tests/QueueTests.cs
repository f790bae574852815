using System.Net;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

[Collection(TicketsCollection.Name)]
public sealed class QueueTests(TicketsFixture tickets)
{
    private readonly HttpClient _tech = tickets.Technician();
    private readonly HttpClient _dispatcher = tickets.Dispatcher();

    private async Task<TicketView> SetPriorityAsync(TicketView ticket, string priority) =>
        await (await _tech.PostAsync($"/api/tickets/{ticket.Id}/priority", new { priority, reason = "Triage", version = ticket.Version })).ReadAsync<TicketView>();

    private async Task<TicketView> AssignAsync(TicketView ticket, Guid? teamId, string? assignee) =>
        await (await _dispatcher.PostAsync($"/api/tickets/{ticket.Id}/assignment", new { teamId, assignee, version = ticket.Version })).ReadAsync<TicketView>();

    [Fact]
    public async Task Work_queue_is_highest_priority_first_then_oldest_and_pages_by_keyset_without_gaps()
    {
        var client = Guid.NewGuid();
        var t0 = tickets.Clock.Now.AddDays(-1);
        var oldP3 = await tickets.OpenTicketAsync(client, receivedAt: t0);
        var newP1 = await SetPriorityAsync(await tickets.OpenTicketAsync(client, receivedAt: t0.AddHours(3)), "P1");
        var oldP1 = await SetPriorityAsync(await tickets.OpenTicketAsync(client, receivedAt: t0.AddHours(1)), "P1");
        var p2 = await SetPriorityAsync(await tickets.OpenTicketAsync(client, receivedAt: t0.AddHours(2)), "P2");
        var newP3 = await tickets.OpenTicketAsync(client, receivedAt: t0.AddHours(4));
        Guid[] expected = [oldP1.Id, newP1.Id, p2.Id, oldP3.Id, newP3.Id];

        var page1 = await (await _tech.GetAsync($"/api/tickets?clientId={client}&limit=2")).ReadAsync<QueuePage>();
        // A ticket arriving between pages, sorting before the cursor, does not shift later pages.
        await SetPriorityAsync(await tickets.OpenTicketAsync(client, receivedAt: t0.AddMinutes(30)), "P1");
        var page2 = await (await _tech.GetAsync($"/api/tickets?clientId={client}&limit=2&after={page1.Next}")).ReadAsync<QueuePage>();
        var page3 = await (await _tech.GetAsync($"/api/tickets?clientId={client}&limit=2&after={page2.Next}")).ReadAsync<QueuePage>();

        Assert.Equal(expected, page1.Items.Concat(page2.Items).Concat(page3.Items.Take(1)).Select(i => i.Id));
        Assert.Single(page3.Items);
        Assert.Null(page3.Next);
    }

    [Fact]
    public async Task Views_show_my_tickets_my_teams_queue_unassigned_and_by_status()
    {
        var client = Guid.NewGuid();
        var me = $"tech-{Guid.NewGuid():N}";
        var team = await (await _dispatcher.PostAsync("/api/teams", new { name = $"AV {Guid.NewGuid():N}", members = new[] { me } })).ReadAsync<TeamView>();
        var t0 = tickets.Clock.Now.AddHours(-1);
        var mine = await AssignAsync(await tickets.OpenTicketAsync(client, receivedAt: t0), team.Id, me);
        var teamOnly = await AssignAsync(await tickets.OpenTicketAsync(client, receivedAt: t0.AddMinutes(1)), team.Id, null);
        var unassigned = await tickets.OpenTicketAsync(client, receivedAt: t0.AddMinutes(2));
        var done = await tickets.OpenTicketAsync(client, receivedAt: t0.AddMinutes(3));
        done = await (await _tech.PostAsync($"/api/tickets/{done.Id}/status", new { to = "Resolved", version = done.Version })).ReadAsync<TicketView>();
        var mineResolved = await AssignAsync(done, team.Id, me);
        var meClient = tickets.Technician(me);

        async Task<Guid[]> ViewAsync(string query) =>
            [.. (await (await meClient.GetAsync($"/api/tickets?clientId={client}&{query}")).ReadAsync<QueuePage>()).Items.Select(i => i.Id)];

        Assert.Equal([mine.Id], await ViewAsync("view=mine"));
        Assert.Equal([mine.Id, teamOnly.Id], await ViewAsync("view=team"));
        // Someone outside the team sees its queue when they name it, and has no team queue of their own.
        var outsider = tickets.Technician("not-in-the-team");
        var named = await (await outsider.GetAsync($"/api/tickets?clientId={client}&view=team&teamId={team.Id}")).ReadAsync<QueuePage>();
        var own = await (await outsider.GetAsync($"/api/tickets?clientId={client}&view=team")).ReadAsync<QueuePage>();
        Assert.Equal([mine.Id, teamOnly.Id], named.Items.Select(i => i.Id));
        Assert.Empty(own.Items);
        // Unassigned: no technician yet, whether or not a team holds it.
        Assert.Equal([teamOnly.Id, unassigned.Id], await ViewAsync("view=unassigned"));
        Assert.Equal([teamOnly.Id], await ViewAsync($"view=unassigned&teamId={team.Id}"));
        Assert.Equal(3, (await ViewAsync("status=New")).Length);
        Assert.Equal([mineResolved.Id], await ViewAsync("status=Resolved"));
        Assert.Equal([mine.Id, mineResolved.Id], await ViewAsync("view=mine&status=any"));
        Assert.Equal(4, (await ViewAsync("status=any")).Length);
    }

    [Theory]
    [InlineData("view=everything", "view")]
    [InlineData("status=Done", "status")]
    [InlineData("status=3", "status")]
    [InlineData("priority=P9", "priority")]
    [InlineData("teamId=abc", "teamId")]
    [InlineData("limit=0", "limit")]
    [InlineData("limit=101", "limit")]
    [InlineData("after=not-a-cursor", "after")]
    [InlineData("sort=oldest", "sort")]
    public async Task Bad_queue_query_is_400_naming_the_parameter(string query, string field)
    {
        await (await _tech.GetAsync($"/api/tickets?{query}")).AssertInvalidAsync(field);
    }

    [Fact]
    public async Task Client_user_lists_only_their_own_clients_tickets()
    {
        var a = Guid.NewGuid();
        var b = Guid.NewGuid();
        var ours = await tickets.OpenTicketAsync(a);
        await tickets.OpenTicketAsync(b);
        var client = tickets.As(ServiceDesk.Platform.Roles.ClientUser, a, "dana");

        var page = await (await client.GetAsync($"/api/tickets?status=any&limit=100")).ReadAsync<QueuePage>();
        var asked = await (await client.GetAsync($"/api/tickets?clientId={b}")).ReadAsync<QueuePage>();

        Assert.All(page.Items, i => Assert.Equal(a, i.ClientId));
        Assert.Contains(page.Items, i => i.Id == ours.Id);
        Assert.Empty(asked.Items);
        await (await client.GetAsync("/api/tickets?view=unassigned")).AssertInvalidAsync("view");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/tickets")).StatusCode);
    }
}
