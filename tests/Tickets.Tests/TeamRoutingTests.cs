using System.Net;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

[Collection(TicketsCollection.Name)]
public sealed class TeamRoutingTests(TicketsFixture tickets)
{
    private static readonly string[] OnlyTess = ["tess"];
    private static readonly string[] BlankMember = ["tess", " "];
    private readonly HttpClient _dispatcher = tickets.Dispatcher();
    private readonly HttpClient _tech = tickets.Technician();

    private async Task<TeamView> CreateTeamAsync(string name, params string[] members)
    {
        var response = await _dispatcher.PostAsync("/api/teams", new { name = $"{name} {Guid.NewGuid():N}", members });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return await response.ReadAsync<TeamView>();
    }

    [Fact]
    public async Task Routing_rules_send_new_tickets_to_the_first_matching_team_by_client_and_channel()
    {
        var client = Guid.NewGuid();
        var network = await CreateTeamAsync("Network");
        var helpDesk = await CreateTeamAsync("Help desk");
        Assert.Equal(HttpStatusCode.Created, (await _dispatcher.PostAsync("/api/routing-rules",
            new { order = 10, clientId = client, channel = "acme-rmm", teamId = network.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await _dispatcher.PostAsync("/api/routing-rules",
            new { order = 20, clientId = client, teamId = helpDesk.Id })).StatusCode);

        var fromMonitoring = await tickets.OpenTicketAsync(client, channel: "acme-rmm");
        var fromWeb = await tickets.OpenTicketAsync(client, channel: "web");
        var otherClient = await tickets.OpenTicketAsync(Guid.NewGuid(), channel: "acme-rmm");

        Assert.Equal(network.Id, fromMonitoring.TeamId);
        Assert.Equal(helpDesk.Id, fromWeb.TeamId);
        Assert.Null(otherClient.TeamId);
        var opened = Assert.Single(await tickets.EventuallyPublishedAsync("TicketOpened", fromMonitoring.Id));
        Assert.Equal(network.Id, opened.GetProperty("teamId").GetGuid());
        var history = await (await _tech.GetAsync($"/api/tickets/{fromMonitoring.Id}/assignments")).ReadAsync<AssignmentView[]>();
        Assert.Equal((network.Id, "system:routing"), (Assert.Single(history).TeamId, history[0].By));
    }

    [Fact]
    public async Task A_changed_rule_routes_the_next_tickets_and_a_deleted_one_routes_none()
    {
        var client = Guid.NewGuid();
        var network = await CreateTeamAsync("Network");
        var field = await CreateTeamAsync("Field");
        var rule = await (await _dispatcher.PostAsync("/api/routing-rules", new { order = 5, clientId = client, teamId = network.Id }))
            .ReadAsync<RoutingRuleView>();
        var first = await tickets.OpenTicketAsync(client);

        var changed = await _dispatcher.PutAsync($"/api/routing-rules/{rule.Id}", new { order = 5, clientId = client, teamId = field.Id });
        var second = await tickets.OpenTicketAsync(client);
        Assert.Equal(HttpStatusCode.NoContent, (await _dispatcher.DeleteAsync(new Uri($"/api/routing-rules/{rule.Id}", UriKind.Relative))).StatusCode);
        var third = await tickets.OpenTicketAsync(client);

        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        Assert.Equal((network.Id, field.Id, (Guid?)null), (first.TeamId, second.TeamId, third.TeamId));
        Assert.Equal(network.Id, (await tickets.GetTicketAsync(first.Id)).TeamId); // tickets already routed stay put
        Assert.Equal(HttpStatusCode.NotFound, (await _dispatcher.PutAsync($"/api/routing-rules/{rule.Id}", new { order = 5, teamId = field.Id })).StatusCode);
        await (await _dispatcher.PutAsync($"/api/routing-rules/{Guid.NewGuid()}", new { teamId = field.Id })).AssertInvalidAsync("order");
    }

    [Fact]
    public async Task A_rule_by_category_is_refused_since_no_ticket_has_one()
    {
        var network = await CreateTeamAsync("Network");
        var response = await _dispatcher.PostAsync("/api/routing-rules", new { order = 1, category = "printers", teamId = network.Id });
        await response.AssertInvalidAsync("category");
    }

    [Fact]
    public async Task Reassignment_keeps_the_history_and_is_published()
    {
        var field = await CreateTeamAsync("Field");
        var av = await CreateTeamAsync("AV");
        var ticket = await tickets.OpenTicketAsync(Guid.NewGuid());

        var first = await _dispatcher.PostAsync($"/api/tickets/{ticket.Id}/assignment",
            new { teamId = field.Id, assignee = "tess", version = ticket.Version });
        ticket = await first.ReadAsync<TicketView>();
        var second = await _dispatcher.PostAsync($"/api/tickets/{ticket.Id}/assignment",
            new { teamId = av.Id, assignee = "omar", reason = "Projector, not network", version = ticket.Version });

        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        var now = await second.ReadAsync<TicketView>();
        Assert.Equal((av.Id, "omar"), (now.TeamId, now.Assignee));
        var history = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/assignments")).ReadAsync<AssignmentView[]>();
        Assert.Equal([(field.Id, "tess", "dora"), (av.Id, "omar", "dora")], history.Select(h => (h.TeamId!.Value, h.Assignee!, h.By)));
        var events = await tickets.EventuallyPublishedAsync("TicketAssigned", ticket.Id, 2);
        Assert.Equal("tess", events[1].GetProperty("previousAssignee").GetString());
        Assert.Equal(field.Id, events[1].GetProperty("previousTeamId").GetGuid());
        Assert.Equal("Projector, not network", events[1].GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Assignment_to_an_unknown_team_is_400_and_changes_nothing()
    {
        var ticket = await tickets.OpenTicketAsync(Guid.NewGuid());
        var response = await _dispatcher.PostAsync($"/api/tickets/{ticket.Id}/assignment",
            new { teamId = Guid.NewGuid(), version = ticket.Version });
        await response.AssertInvalidAsync("teamId");
        Assert.Equal(ticket.Version, (await tickets.GetTicketAsync(ticket.Id)).Version);
    }

    [Fact]
    public async Task Teams_are_read_by_staff_and_changed_only_by_dispatchers()
    {
        var team = await CreateTeamAsync("Help desk", "tess", "omar");

        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.PostAsync("/api/teams", new { name = "Rogue team" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.PutAsync($"/api/teams/{team.Id}", new { name = "Renamed" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await _tech.PostAsync("/api/routing-rules", new { order = 1, teamId = team.Id })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await _tech.GetAsync($"/api/teams/{team.Id}")).StatusCode);

        var renamed = await _dispatcher.PutAsync($"/api/teams/{team.Id}", new { name = team.Name + " (L1)", members = OnlyTess });
        Assert.Equal(HttpStatusCode.OK, renamed.StatusCode);
        Assert.Equal(["tess"], (await renamed.ReadAsync<TeamView>()).Members);
        Assert.Equal(HttpStatusCode.Conflict, (await _dispatcher.PostAsync("/api/teams", new { name = team.Name + " (L1)" })).StatusCode);
        await (await _dispatcher.PostAsync("/api/teams", new { name = "" })).AssertInvalidAsync("name");
        await (await _dispatcher.PostAsync("/api/teams", new { name = new string('t', 101) })).AssertInvalidAsync("name");
        await (await _dispatcher.PostAsync("/api/teams", new { name = "Ok", members = BlankMember })).AssertInvalidAsync("members[1]");
        await (await _dispatcher.PostAsync("/api/routing-rules", new { order = 1, teamId = Guid.NewGuid() })).AssertInvalidAsync("teamId");

        Assert.Equal(HttpStatusCode.NoContent, (await _dispatcher.DeleteAsync(new Uri($"/api/teams/{team.Id}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/teams/{team.Id}")).StatusCode);
    }

    [Fact]
    public async Task A_team_with_tickets_or_rules_cannot_be_deleted()
    {
        var team = await CreateTeamAsync("Network");
        var ruled = await CreateTeamAsync("Ruled");
        var ticket = await tickets.OpenTicketAsync(Guid.NewGuid());
        await _dispatcher.PostAsync($"/api/tickets/{ticket.Id}/assignment", new { teamId = team.Id, version = ticket.Version });
        await _dispatcher.PostAsync("/api/routing-rules", new { order = 99, clientId = Guid.NewGuid(), teamId = ruled.Id });

        Assert.Equal(HttpStatusCode.Conflict, (await _dispatcher.DeleteAsync(new Uri($"/api/teams/{team.Id}", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await _dispatcher.DeleteAsync(new Uri($"/api/teams/{ruled.Id}", UriKind.Relative))).StatusCode);
    }
}
