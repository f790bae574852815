using System.Net;
using System.Text;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>A client A token never reads or changes client B's data, on any route: reads (and a client's close or reopen) answer 404 as if B's ticket did not exist, other changes are staff-only (403).</summary>
[Collection(TicketsCollection.Name)]
public sealed class TenantIsolationTests(TicketsFixture tickets)
{
    private static readonly Guid ClientA = Guid.NewGuid();
    private static readonly Guid ClientB = Guid.NewGuid();

    public static TheoryData<string, string, string, HttpStatusCode> Routes => new()
    {
        { "GET", "/api/tickets/{id}", "", HttpStatusCode.NotFound },
        { "GET", "/api/tickets/{id}/conversation", "", HttpStatusCode.NotFound },
        // A client may close its own resolved ticket (the portal); another client's is as unknown as a made-up id.
        { "POST", "/api/tickets/{id}/status", """{"to":"Closed","version":{version}}""", HttpStatusCode.NotFound },
        { "POST", "/api/tickets/{id}/priority", """{"priority":"P1","reason":"mine now","version":{version}}""", HttpStatusCode.Forbidden },
        { "POST", "/api/tickets/{id}/assignment", """{"assignee":"mallory","version":{version}}""", HttpStatusCode.Forbidden },
        { "POST", "/api/tickets/{id}/merge", """{"into":"5f1c0d7e-0000-4000-8000-000000000001","version":{version}}""", HttpStatusCode.Forbidden },
        { "GET", "/api/tickets/{id}/assignments", "", HttpStatusCode.Forbidden },
        { "GET", "/api/tickets/{id}/audit", "", HttpStatusCode.Forbidden },
        { "POST", "/api/tickets/{id}/replies", """{"body":"hello"}""", HttpStatusCode.Forbidden },
        { "POST", "/api/tickets/{id}/notes", """{"body":"hello"}""", HttpStatusCode.Forbidden },
        { "GET", "/api/tickets/{id}/time-entries", "", HttpStatusCode.Forbidden },
        { "POST", "/api/tickets/{id}/time-entries", """{"startedAt":"2026-01-01T10:00:00Z","minutes":5,"workType":"BusinessHours"}""", HttpStatusCode.Forbidden },
        { "PUT", "/api/tickets/{id}/time-entries/{entry}", """{"startedAt":"2026-01-01T10:00:00Z","minutes":500,"workType":"BusinessHours","revision":1}""", HttpStatusCode.Forbidden },
        { "GET", "/api/teams", "", HttpStatusCode.Forbidden },
        { "POST", "/api/teams", """{"name":"Clients' own team"}""", HttpStatusCode.Forbidden },
        { "GET", "/api/routing-rules", "", HttpStatusCode.Forbidden },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Client_A_token_never_reads_or_changes_client_B_data(string method, string path, string body, HttpStatusCode expected)
    {
        var ticket = await tickets.OpenTicketAsync(ClientB);
        var tech = tickets.Technician();
        await tech.PostAsync($"/api/tickets/{ticket.Id}/notes", new { body = "B's internal note" });
        var entry = await (await tech.PostAsync($"/api/tickets/{ticket.Id}/time-entries",
            new { startedAt = tickets.Clock.Now.AddHours(-1), minutes = 15, workType = "BusinessHours" })).ReadAsync<TimeEntryView>();
        ticket = await tickets.GetTicketAsync(ticket.Id);

        foreach (var role in Roles.Client)
        {
            var clientA = tickets.As(role, ClientA, "mallory");
            using var request = new HttpRequestMessage(new HttpMethod(method), path.Replace("{id}", ticket.Id.ToString(), StringComparison.Ordinal)
                .Replace("{entry}", entry.Id.ToString(), StringComparison.Ordinal));
            if (body.Length > 0)
                request.Content = new StringContent(body.Replace("{version}", ticket.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    StringComparison.Ordinal), Encoding.UTF8, "application/json");

            using var response = await clientA.SendAsync(request);

            Assert.Equal(expected, response.StatusCode);
            var text = await response.Content.ReadAsStringAsync();
            Assert.DoesNotContain(ticket.Subject, text, StringComparison.Ordinal);
            Assert.DoesNotContain("B's internal note", text, StringComparison.Ordinal);
        }

        var after = await tickets.GetTicketAsync(ticket.Id);
        Assert.Equal((ticket.Version, ticket.Status, ticket.Priority, ticket.Assignee), (after.Version, after.Status, after.Priority, after.Assignee));
        Assert.Equal(1, await tickets.WithDbAsync(db => db.Messages.CountAsync(m => m.TicketId == ticket.Id)));
        Assert.Equal(15, await tickets.WithDbAsync(db => db.TimeEntries.Where(e => e.TicketId == ticket.Id).SumAsync(e => e.Minutes)));
    }

    [Fact]
    public async Task A_token_without_a_known_role_sees_no_ticket()
    {
        var ticket = await tickets.OpenTicketAsync(ClientB);
        var stranger = tickets.App.CreateClient().As(TestAuth.Token("auditor", subject: "eve"));
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync($"/api/tickets/{ticket.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await stranger.GetAsync("/api/tickets")).StatusCode);
    }
}
