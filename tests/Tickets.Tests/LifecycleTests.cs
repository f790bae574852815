using Intake.Contracts;
using System.Net;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Notify.Contracts;
using ServiceDesk.Testing;
using Tickets.Api.Domain;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

[Collection(TicketsCollection.Name)]
public sealed class LifecycleTests(TicketsFixture tickets)
{
    private static readonly Guid Client = Guid.NewGuid();
    private readonly HttpClient _tech = tickets.Technician();

    private Task<HttpResponseMessage> MoveAsync(TicketView ticket, string to, uint? version = null, HttpClient? client = null) =>
        (client ?? _tech).PostAsync($"/api/tickets/{ticket.Id}/status", new { to, version = version ?? ticket.Version });

    [Fact]
    public async Task Ticket_walks_the_whole_lifecycle_and_every_change_is_published_and_audited()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        Assert.Equal(TicketStatus.New, ticket.Status);
        string[] path = ["Acknowledged", "InProgress", "WaitingOnClient", "InProgress", "Resolved", "Reopened", "Scheduled", "InProgress", "Resolved", "Closed"];

        foreach (var to in path)
        {
            var response = await MoveAsync(ticket, to);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            var moved = await response.ReadAsync<TicketView>();
            Assert.Equal(to, moved.Status.ToString());
            Assert.NotEqual(ticket.Version, moved.Version); // every change gives a new version
            ticket = moved;
        }

        var events = await tickets.EventuallyPublishedAsync("TicketStatusChanged", ticket.Id, path.Length);
        Assert.Equal(path, events.Select(e => e.GetProperty("to").GetString()));
        Assert.Equal(["New", .. path[..^1]], events.Select(e => e.GetProperty("from").GetString()));
        Assert.All(events, e =>
        {
            Assert.Equal(Client, e.GetProperty("clientId").GetGuid());
            Assert.Equal("tess", e.GetProperty("by").GetString());
            Assert.Equal("web", e.GetProperty("channel").GetString());
        });
        // Each resolution is announced on its own too, with its status change's version (notify mails only these).
        var resolutions = await tickets.EventuallyPublishedAsync("TicketResolved", ticket.Id, 2);
        Assert.Equal(events.Where(e => e.GetProperty("to").GetString() == "Resolved").Select(e => e.GetProperty("ticketVersion").GetInt32()),
            resolutions.Select(e => e.GetProperty("ticketVersion").GetInt32()));

        var audit = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/audit")).ReadAsync<AuditView[]>();
        Assert.Equal("opened", audit[0].Action);
        Assert.Equal("system:intake", audit[0].Actor);
        var changes = audit.Where(a => a.Action == "status-changed").ToArray();
        Assert.Equal(path, changes.Select(a => a.Details.GetProperty("to").GetString()));
        Assert.All(changes, a => Assert.Equal(("tess", "web"), (a.Actor, a.Channel)));
    }

    public static TheoryData<string[], string> InvalidMoves => new()
    {
        { [], "Closed" },                                   // New -> Closed: resolve first
        { [], "Reopened" },                                 // nothing to reopen
        { [], "New" },                                      // never back to New
        { ["InProgress"], "Acknowledged" },                 // acknowledgement is in the past
        { ["InProgress"], "InProgress" },                   // no move at all
        { ["Resolved"], "InProgress" },                     // reopen first
        { ["Resolved", "Closed"], "Reopened" },             // Closed is final
        { ["Resolved", "Closed"], "InProgress" },
    };

    [Theory]
    [MemberData(nameof(InvalidMoves))]
    public async Task Invalid_transition_is_409_naming_from_and_to_and_changes_nothing(string[] before, string to)
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        foreach (var step in before) ticket = await (await MoveAsync(ticket, step)).ReadAsync<TicketView>();
        var auditBefore = await tickets.WithDbAsync(db => db.Audit.CountAsync(a => a.TicketId == ticket.Id));

        var response = await MoveAsync(ticket, to);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.ProblemAsync();
        var from = ticket.Status.ToString();
        Assert.Equal((from, to), (problem.GetProperty("from").GetString(), problem.GetProperty("to").GetString()));
        Assert.Contains($"from {from} to {to}", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        var after = await tickets.GetTicketAsync(ticket.Id);
        Assert.Equal((ticket.Status, ticket.Version), (after.Status, after.Version));
        Assert.Equal(auditBefore, await tickets.WithDbAsync(db => db.Audit.CountAsync(a => a.TicketId == ticket.Id)));
    }

    [Fact]
    public async Task A_request_published_again_with_a_new_MessageId_opens_one_ticket_and_announces_it_again()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        // intake's event once more, as a new message: a first delivery, which opens without looking (docs/adr/0069).
        await tickets.PublishAsync(new ServiceRequestReceived(ticket.Id, "web", tickets.Clock.Now, Client, "dana@acme-dental.example",
            "Dana Reyes", "Another subject", "Another description.", "P2"));

        var opened = await tickets.EventuallyPublishedAsync("TicketOpened", ticket.Id, count: 2);
        Assert.All(opened, o => Assert.Equal((ticket.Number, ticket.Subject), (o.GetProperty("number").GetInt64(), o.GetProperty("subject").GetString())));
        Assert.Equal(1, await tickets.WithDbAsync(db => db.Tickets.CountAsync(t => t.Id == ticket.Id)));
    }

    [Fact]
    public async Task Acknowledgement_sent_by_notify_moves_a_new_ticket_to_acknowledged_once()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var bus = tickets.App.Services.GetRequiredService<IBus>();
        var sent = new AcknowledgementSent(ticket.Id, "email", "dana@acme-dental.example", "<m1@servicedesk>", tickets.Clock.Now);

        await bus.Publish(sent);
        await bus.Publish(sent); // redelivered: no second change, no second event

        var change = Assert.Single(await tickets.EventuallyPublishedAsync("TicketStatusChanged", ticket.Id));
        Assert.Equal(("New", "Acknowledged", "system:notify"),
            (change.GetProperty("from").GetString(), change.GetProperty("to").GetString(), change.GetProperty("by").GetString()));
        Assert.Equal(TicketStatus.Acknowledged, (await tickets.GetTicketAsync(ticket.Id)).Status);
        // Both deliveries were consumed (the second found nothing to do) once the ticket's own next change is seen after them.
        await MoveAsync(await tickets.GetTicketAsync(ticket.Id), "InProgress");
        Assert.Equal(2, (await tickets.EventuallyPublishedAsync("TicketStatusChanged", ticket.Id, 2)).Length);
    }

    [Fact]
    public async Task Two_technicians_changing_a_ticket_at_once_one_wins_and_the_other_gets_409_with_the_current_version()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var other = tickets.Technician("omar");

        for (var round = 0; round < 3; round++)
        {
            // Same version, sent together: the database decides which UPDATE matches it.
            var responses = await Task.WhenAll(
                MoveAsync(ticket, "InProgress"),
                other.PostAsync($"/api/tickets/{ticket.Id}/priority", new { priority = "P1", reason = "Whole office down", version = ticket.Version }));

            var winner = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.OK);
            var loser = Assert.Single(responses, r => r.StatusCode == HttpStatusCode.Conflict);
            var current = await tickets.GetTicketAsync(ticket.Id);
            var problem = await loser.ProblemAsync();
            Assert.Equal(current.Version, problem.GetProperty("currentVersion").GetUInt32());
            Assert.Equal(current.Version, (await winner.ReadAsync<TicketView>()).Version);
            Assert.Equal(current.Version, problem.GetProperty("current").GetProperty("version").GetUInt32());

            // Exactly one of the two changes happened, with its one audit entry.
            var changed = current.Status == TicketStatus.InProgress ? 1 : 0;
            Assert.Equal(1, changed + (current.Priority == "P1" ? 1 : 0));
            Assert.Equal(1, await tickets.WithDbAsync(db => db.Audit.CountAsync(a => a.TicketId == ticket.Id && a.Action != "opened")));
            // The loser published nothing: it waited for the winner's row lock and was refused before publishing.
            await Eventually.TrueAsync(async () => (await tickets.PublishedAsync("TicketStatusChanged", ticket.Id)).Length
                + (await tickets.PublishedAsync("TicketPriorityChanged", ticket.Id)).Length > 0, "the winner's event");
            Assert.Equal(1, (await tickets.PublishedAsync("TicketStatusChanged", ticket.Id)).Length
                + (await tickets.PublishedAsync("TicketPriorityChanged", ticket.Id)).Length);

            ticket = await tickets.OpenTicketAsync(Client);
        }
    }

    [Fact]
    public async Task A_change_from_an_old_version_is_409_with_the_current_version_and_changes_nothing()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var moved = await (await MoveAsync(ticket, "InProgress")).ReadAsync<TicketView>();

        var response = await MoveAsync(ticket, "WaitingOnClient", ticket.Version); // read before the move

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal(moved.Version, (await response.ProblemAsync()).GetProperty("currentVersion").GetUInt32());
        Assert.Equal(TicketStatus.InProgress, (await tickets.GetTicketAsync(ticket.Id)).Status);
    }

    [Fact]
    public async Task Sla_due_times_copied_between_a_read_and_a_change_do_not_make_the_change_stale()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var due = tickets.Clock.Now.AddHours(3);
        var bus = tickets.App.Services.GetRequiredService<IBus>();

        // sla recalculated the clock after the technician read the ticket: bookkeeping, not a person's change.
        await bus.Publish(new Sla.Contracts.SlaDueTimesChanged(ticket.Id, Client, "Running", ticket.Priority, due, due, due, due, null, null,
            tickets.Clock.Now, ClockVersion: 99));
        await Eventually.TrueAsync(async () => (await tickets.GetTicketAsync(ticket.Id)).Sla.WorkBeginsDueAt is { } at
            && (at - due).Duration() < TimeSpan.FromMilliseconds(1), "sla's due times copied onto the ticket");
        Assert.Equal(ticket.Version, (await tickets.GetTicketAsync(ticket.Id)).Version);

        var response = await MoveAsync(ticket, "InProgress"); // with the version read before the copy

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotEqual(ticket.Version, (await response.ReadAsync<TicketView>()).Version); // a person's change moves it
    }

    public static TheoryData<string, string> BadStatusBodies => new()
    {
        { """{"to":"InProgress"}""", "version" },
        { """{"version":1}""", "to" },
        { """{"to":"Done","version":1}""", "to" },
        { """{"to":42,"version":1}""", "to" },
        { """{"to":"InProgress","version":"v1"}""", "version" },
        { """{"to":"InProgress","version":1,"reason":"a\u0000b"}""", "reason" },
        { $$"""{"to":"InProgress","version":1,"reason":"{{new string('r', 501)}}"}""", "reason" },
        { """{"to":"InProgress","version":1,"force":true}""", "force" },
        { """{"to":""", "body" },
    };

    [Theory]
    [MemberData(nameof(BadStatusBodies))]
    public async Task Bad_status_change_is_400_naming_the_field(string body, string field)
    {
        var ticket = await tickets.OpenTicketAsync(Client);

        var response = await _tech.PostAsync(new Uri($"/api/tickets/{ticket.Id}/status", UriKind.Relative),
            new StringContent(body, System.Text.Encoding.UTF8, "application/json"));

        await response.AssertInvalidAsync(field);
        Assert.Equal(ticket.Version, (await tickets.GetTicketAsync(ticket.Id)).Version);
    }

    [Fact]
    public async Task Unknown_ticket_is_404_on_every_change()
    {
        var id = Guid.NewGuid();
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PostAsync($"/api/tickets/{id}/status", new { to = "InProgress", version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PostAsync($"/api/tickets/{id}/priority", new { priority = "P1", reason = "r", version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PostAsync($"/api/tickets/{id}/assignment", new { assignee = "tess", version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PostAsync($"/api/tickets/{id}/replies", new { body = "Hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PostAsync($"/api/tickets/{id}/notes", new { body = "Hello" })).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/tickets/{id}/audit")).StatusCode);
    }

    [Fact]
    public async Task Priority_change_needs_a_reason_and_is_published_with_it()
    {
        var ticket = await tickets.OpenTicketAsync(Client);

        var noReason = await _tech.PostAsync($"/api/tickets/{ticket.Id}/priority", new { priority = "P1", version = ticket.Version });
        await noReason.AssertInvalidAsync("reason");
        var blank = await _tech.PostAsync($"/api/tickets/{ticket.Id}/priority", new { priority = "P1", reason = "  ", version = ticket.Version });
        await blank.AssertInvalidAsync("reason");
        var badPriority = await _tech.PostAsync($"/api/tickets/{ticket.Id}/priority", new { priority = "P0", reason = "x", version = ticket.Version });
        await badPriority.AssertInvalidAsync("priority");

        var response = await _tech.PostAsync($"/api/tickets/{ticket.Id}/priority",
            new { priority = "P1", reason = "Payment terminals down in all branches", version = ticket.Version });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("P1", (await response.ReadAsync<TicketView>()).Priority);
        var changed = Assert.Single(await tickets.EventuallyPublishedAsync("TicketPriorityChanged", ticket.Id));
        Assert.Equal(("P3", "P1", "Payment terminals down in all branches"),
            (changed.GetProperty("from").GetString(), changed.GetProperty("to").GetString(), changed.GetProperty("reason").GetString()));
        var audit = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/audit")).ReadAsync<AuditView[]>();
        Assert.Equal("Payment terminals down in all branches",
            Assert.Single(audit, a => a.Action == "priority-changed").Details.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task Declared_emergency_opens_as_a_P1_candidate_that_triage_can_lower_with_a_reason()
    {
        var id = Guid.NewGuid();
        const string declared = "phone: voicemail on the emergency line +15550009111";
        await tickets.PublishAsync(new Intake.Contracts.ServiceRequestReceived(id, "phone", tickets.Clock.Now, Client,
            "dana@acme-dental.example", "Dana Reyes", "Server room flooding", "Water through the ceiling.", null)
        {
            Version = Intake.Contracts.ServiceRequestReceived.CurrentVersion,
            EmergencyDeclared = declared,
        });
        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == id)), "the emergency ticket to open");

        var ticket = await tickets.GetTicketAsync(id);
        Assert.Equal(("P1", declared), (ticket.Priority, ticket.EmergencyDeclared));
        var opened = Assert.Single(await tickets.EventuallyPublishedAsync("TicketOpened", id));
        Assert.Equal(("P1", declared), (opened.GetProperty("priority").GetString(), opened.GetProperty("emergencyDeclared").GetString()));
        var audit = await (await _tech.GetAsync($"/api/tickets/{id}/audit")).ReadAsync<AuditView[]>();
        Assert.Equal(declared, Assert.Single(audit, a => a.Action == "opened").Details.GetProperty("emergency").GetString());

        var lowered = await _tech.PostAsync($"/api/tickets/{id}/priority",
            new { priority = "P3", reason = "One leaking pipe, no equipment at risk", version = ticket.Version });

        Assert.Equal(HttpStatusCode.OK, lowered.StatusCode);
        Assert.Equal("P3", (await lowered.ReadAsync<TicketView>()).Priority);
    }

    [Fact]
    public async Task Client_users_cannot_change_status_or_priority_even_of_their_own_tickets()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var client = tickets.As(ServiceDesk.Platform.Roles.ClientUser, Client, "dana");

        // A client may only close or reopen a resolved ticket (docs/adr/0048): anything else is refused, changing nothing.
        Assert.Equal(HttpStatusCode.BadRequest, (await MoveAsync(ticket, "Resolved", client: client)).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/tickets/{ticket.Id}/priority",
            new { priority = "P1", reason = "Because I say so", version = ticket.Version })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/tickets/{ticket.Id}")).StatusCode);
        Assert.Equal(ticket.Version, (await tickets.GetTicketAsync(ticket.Id)).Version);
    }

    [Fact]
    public async Task Audit_shows_each_change_with_who_when_and_channel()
    {
        tickets.Clock.Now = new DateTimeOffset(2026, 11, 23, 14, 5, 0, TimeSpan.Zero);
        var ticket = await tickets.OpenTicketAsync(Client, channel: "email");
        await MoveAsync(ticket, "InProgress");

        var audit = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/audit")).ReadAsync<AuditView[]>();

        Assert.Equal(["opened", "status-changed"], audit.Select(a => a.Action));
        Assert.Equal(("system:intake", "email"), (audit[0].Actor, audit[0].Channel));
        Assert.Equal(("tess", "web", tickets.Clock.Now), (audit[1].Actor, audit[1].Channel, audit[1].At));
        Assert.Equal(JsonValueKind.Object, audit[1].Details.ValueKind);
    }
}
