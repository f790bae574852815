using System.Net;
using Intake.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Tickets.Api.Domain;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>A duplicate is merged into a survivor of the same client: closed, its thread and later replies on the survivor (ADR 21).</summary>
[Collection(TicketsCollection.Name)]
public sealed class MergeTests(TicketsFixture tickets)
{
    private static readonly Guid Client = Guid.NewGuid();
    private static readonly Guid OtherClient = Guid.NewGuid();
    private readonly HttpClient _tech = tickets.Technician();

    [Fact]
    public async Task Merging_closes_the_duplicate_announces_it_and_shows_its_thread_on_the_survivor()
    {
        var survivor = await tickets.OpenTicketAsync(Client);
        var duplicate = await tickets.OpenTicketAsync(Client);
        await _tech.PostAsync($"/api/tickets/{survivor.Id}/replies", new { body = "Looking at it." });
        await _tech.PostAsync($"/api/tickets/{duplicate.Id}/replies", new { body = "Same printer?" });
        await _tech.PostAsync($"/api/tickets/{duplicate.Id}/notes", new { body = "Dana sent this twice." });
        duplicate = await tickets.GetTicketAsync(duplicate.Id);

        var response = await _tech.PostAsync($"/api/tickets/{duplicate.Id}/merge",
            new { intoNumber = survivor.Number, version = duplicate.Version, reason = "Sent twice" }); // by number, as people name it

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var merged = await response.ReadAsync<TicketView>();
        Assert.Equal((TicketStatus.Closed, survivor.Id), (merged.Status, merged.MergedIntoId));
        Assert.Equal(TicketStatus.New, (await tickets.GetTicketAsync(survivor.Id)).Status);

        var closed = Assert.Single(await tickets.EventuallyPublishedAsync("TicketStatusChanged", duplicate.Id));
        Assert.Equal(("New", "Closed", $"Merged into SD#{survivor.Number}: Sent twice"),
            (closed.GetProperty("from").GetString(), closed.GetProperty("to").GetString(), closed.GetProperty("reason").GetString()));
        var announced = Assert.Single(await tickets.EventuallyPublishedAsync("TicketMerged", duplicate.Id));
        Assert.Equal((survivor.Id, survivor.Number, "tess"),
            (announced.GetProperty("survivorId").GetGuid(), announced.GetProperty("survivorNumber").GetInt64(), announced.GetProperty("by").GetString()));

        var thread = await ConversationAsync(_tech, survivor.Id);
        Assert.Equal(["Looking at it.", "Same printer?", "Dana sent this twice."], thread.Select(m => m.Body));
        Assert.Equal([null, duplicate.Id, duplicate.Id], thread.Select(m => m.MergedFrom));
        var clientSees = await ConversationAsync(tickets.As(Roles.ClientUser, Client, "dana"), survivor.Id);
        Assert.Equal(["Looking at it.", "Same printer?"], clientSees.Select(m => m.Body)); // notes never leave the building

        Assert.Contains(await tickets.AuditAsync(duplicate.Id), a => a.Action == "merged"
            && a.Details.GetProperty("into").GetGuid() == survivor.Id && a.Details.GetProperty("reason").GetString() == "Sent twice");
        Assert.Contains(await tickets.AuditAsync(survivor.Id), a => a.Action == "merge-received" && a.Details.GetProperty("merged").GetGuid() == duplicate.Id);
    }

    [Fact]
    public async Task Replies_naming_the_duplicate_are_added_to_the_survivor()
    {
        var survivor = await tickets.OpenTicketAsync(Client, "email");
        var duplicate = await tickets.OpenTicketAsync(Client, "phone");
        await MergeAsync(duplicate, survivor);

        var byNumber = Request(Client, new ThreadHints(null, duplicate.Number, null, []), "Any news?");
        var byConversation = Request(Client, new ThreadHints(duplicate.Id, null, null, []), "Voicemail transcription.") with { Channel = "phone" };
        await tickets.PublishAsync(byNumber);
        await tickets.PublishAsync(byConversation);

        var thread = await Eventually.GetAsync(async () => await ConversationAsync(_tech, survivor.Id) is { Length: 2 } found ? found : null,
            "both replies on the survivor");
        Assert.Equal(
            [
                $"subject token [SD#{duplicate.Number}] (SD#{duplicate.Number}, merged into SD#{survivor.Number})",
                $"the same conversation on its channel (SD#{duplicate.Number}, merged into SD#{survivor.Number})",
            ],
            thread.OrderBy(m => m.Body == "Any news?" ? 0 : 1).Select(m => m.MatchedBy));
        Assert.Null(thread[0].MergedFrom);
        Assert.Equal(0, await tickets.WithDbAsync(db => db.Messages.CountAsync(m => m.TicketId == duplicate.Id)));
        Assert.False(await tickets.WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == byNumber.RequestId || t.Id == byConversation.RequestId)));
    }

    [Fact]
    public async Task Merging_a_survivor_moves_its_earlier_duplicates_on_so_their_replies_follow()
    {
        var first = await tickets.OpenTicketAsync(Client);
        var second = await tickets.OpenTicketAsync(Client);
        var last = await tickets.OpenTicketAsync(Client);
        await _tech.PostAsync($"/api/tickets/{first.Id}/replies", new { body = "On the first." });
        await MergeAsync(first, second);
        await MergeAsync(second, last);

        Assert.Equal(last.Id, (await tickets.GetTicketAsync(first.Id)).MergedIntoId);
        Assert.Equal(["On the first."], (await ConversationAsync(_tech, last.Id)).Select(m => m.Body));
        var reply = Request(Client, new ThreadHints(null, first.Number, null, []), "Hello again.");
        await tickets.PublishAsync(reply);
        var message = await Eventually.GetAsync(async () => (await ConversationAsync(_tech, last.Id)).SingleOrDefault(m => m.Id == reply.RequestId),
            "the reply on the last survivor");
        Assert.Equal($"subject token [SD#{first.Number}] (SD#{first.Number}, merged into SD#{last.Number})", message.MatchedBy);
    }

    [Fact]
    public async Task Bad_merges_are_refused_with_a_reason_and_change_nothing()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var survivor = await tickets.OpenTicketAsync(Client);
        var theirs = await tickets.OpenTicketAsync(OtherClient);
        var closed = await tickets.OpenTicketAsync(Client);
        closed = await tickets.MoveAsync(closed, "Resolved");
        closed = await tickets.MoveAsync(closed, "Closed");
        var path = $"/api/tickets/{ticket.Id}/merge";

        await (await _tech.PostAsync(path, new { version = ticket.Version })).AssertInvalidAsync("into");
        await (await _tech.PostAsync(path, new { into = ticket.Id, version = ticket.Version })).AssertInvalidAsync("into");
        await (await _tech.PostAsync(path, new { into = Guid.NewGuid(), version = ticket.Version })).AssertInvalidAsync("into");
        await (await _tech.PostAsync(path, new { intoNumber = ticket.Number, version = ticket.Version })).AssertInvalidAsync("intoNumber");
        await (await _tech.PostAsync(path, new { intoNumber = 0, version = ticket.Version })).AssertInvalidAsync("intoNumber");
        await (await _tech.PostAsync(path, new { intoNumber = long.MaxValue, version = ticket.Version })).AssertInvalidAsync("intoNumber");
        await (await _tech.PostAsync(path, new { into = survivor.Id, intoNumber = survivor.Number, version = ticket.Version })).AssertInvalidAsync("into");
        await (await _tech.PostAsync(path, new { into = survivor.Id })).AssertInvalidAsync("version");
        await (await _tech.PostAsync(path, new { into = survivor.Id, version = ticket.Version, reason = new string('x', 501) })).AssertInvalidAsync("reason");
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.PostAsync($"/api/tickets/{Guid.NewGuid()}/merge", new { into = survivor.Id, version = 1 })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden,
            (await tickets.As(Roles.ClientAdmin, Client, "dana").PostAsync(path, new { into = survivor.Id, version = ticket.Version })).StatusCode);

        var stale = await _tech.PostAsync(path, new { into = survivor.Id, version = ticket.Version + 1 });
        Assert.Equal(ticket.Version, (await stale.ProblemAsync()).GetProperty("currentVersion").GetUInt32());
        await AssertConflictAsync(await _tech.PostAsync(path, new { into = theirs.Id, version = ticket.Version }), "The tickets belong to different clients.");
        await AssertConflictAsync(await _tech.PostAsync(path, new { intoNumber = theirs.Number, version = ticket.Version }), "The tickets belong to different clients.");
        await AssertConflictAsync(await _tech.PostAsync(path, new { into = closed.Id, version = ticket.Version }), $"SD#{closed.Number} is closed.");
        await AssertConflictAsync(await _tech.PostAsync($"/api/tickets/{closed.Id}/merge", new { into = survivor.Id, version = closed.Version }),
            $"SD#{closed.Number} is closed.");

        var after = await tickets.GetTicketAsync(ticket.Id);
        Assert.Equal((ticket.Version, TicketStatus.New, (Guid?)null), (after.Version, after.Status, after.MergedIntoId));
        Assert.DoesNotContain(await tickets.AuditAsync(ticket.Id), a => a.Action == "merged");
        Assert.Empty(await tickets.PublishedAsync("TicketStatusChanged", ticket.Id));
        Assert.Empty(await tickets.PublishedAsync("TicketMerged", ticket.Id));
    }

    [Fact]
    public async Task A_merged_ticket_takes_no_second_merge_and_no_reply()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var survivor = await tickets.OpenTicketAsync(Client);
        var other = await tickets.OpenTicketAsync(Client);
        var merged = await MergeAsync(ticket, survivor);

        var again = await _tech.PostAsync($"/api/tickets/{ticket.Id}/merge", new { into = other.Id, version = merged.Version });
        Assert.Equal("It is already merged into another ticket.", (await AssertConflictAsync(again, $"SD#{ticket.Number} is closed.")).GetProperty("detail").GetString());
        var into = await _tech.PostAsync($"/api/tickets/{other.Id}/merge", new { into = ticket.Id, version = other.Version });
        Assert.Contains("merge into that one", (await AssertConflictAsync(into, $"SD#{ticket.Number} is closed.")).GetProperty("detail").GetString());
        var reply = await _tech.PostAsync($"/api/tickets/{ticket.Id}/replies", new { body = "Hello?" });
        Assert.Contains(survivor.Id.ToString(), (await AssertConflictAsync(reply, "A closed ticket takes no more replies.")).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Two_tickets_merged_into_each_other_at_once_one_merge_wins()
    {
        var a = await tickets.OpenTicketAsync(Client);
        var b = await tickets.OpenTicketAsync(Client);

        var responses = await Task.WhenAll(
            tickets.Technician("tess").PostAsync($"/api/tickets/{a.Id}/merge", new { into = b.Id, version = a.Version }),
            tickets.Technician("tom").PostAsync($"/api/tickets/{b.Id}/merge", new { into = a.Id, version = b.Version }));

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Conflict], responses.Select(r => r.StatusCode).Order());
        var states = new[] { await tickets.GetTicketAsync(a.Id), await tickets.GetTicketAsync(b.Id) };
        Assert.Single(states, t => t.Status == TicketStatus.Closed);
        Assert.Single(states, t => t.MergedIntoId is not null);
    }

    private async Task<TicketView> MergeAsync(TicketView ticket, TicketView survivor)
    {
        ticket = await tickets.GetTicketAsync(ticket.Id);
        var response = await _tech.PostAsync($"/api/tickets/{ticket.Id}/merge", new { into = survivor.Id, version = ticket.Version });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.ReadAsync<TicketView>();
    }

    private static async Task<System.Text.Json.JsonElement> AssertConflictAsync(HttpResponseMessage response, string title)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Equal(title, problem.GetProperty("title").GetString());
        return problem;
    }

    private static ServiceRequestReceived Request(Guid clientId, ThreadHints thread, string body) =>
        TicketsFixture.Request(clientId, thread, "Re: Printer jam", body);

    private static async Task<MessageView[]> ConversationAsync(HttpClient caller, Guid ticketId) =>
        await (await caller.GetAsync($"/api/tickets/{ticketId}/conversation")).ReadAsync<MessageView[]>();
}
