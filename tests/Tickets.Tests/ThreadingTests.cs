using System.Net;
using Intake.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Notify.Contracts;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Tickets.Api.Domain;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>A request whose thread hints name a ticket becomes the client's message on it, not a second ticket (ADR 17).</summary>
[Collection(TicketsCollection.Name)]
public sealed class ThreadingTests(TicketsFixture tickets)
{
    private static readonly Guid Client = Guid.NewGuid();
    private static readonly Guid OtherClient = Guid.NewGuid();
    private readonly HttpClient _tech = tickets.Technician();

    [Fact]
    public async Task Reply_with_our_subject_token_is_added_to_the_ticket_once_and_explains_the_match()
    {
        var ticket = await tickets.OpenTicketAsync(Client, "email");
        var reply = Reply(Client, new ThreadHints(null, ticket.Number, null, []), "Still jammed after the restart.");

        await tickets.PublishAsync(reply);
        await tickets.PublishAsync(reply); // redelivered

        var message = await ClientMessageAsync(ticket.Id, reply.RequestId);
        Assert.Equal("Still jammed after the restart.", message.Body);
        Assert.Equal("Dana Reyes <dana@acme-dental.example>", message.Author);
        Assert.Equal(("email", $"subject token [SD#{ticket.Number}] (SD#{ticket.Number})"), (message.Channel, message.MatchedBy));
        Assert.Equal(reply.ReceivedAt, message.At, TimeSpan.FromMilliseconds(1)); // PostgreSQL keeps microseconds
        await AssertNoTicketAsync(reply.RequestId);
        var audit = await tickets.AuditAsync(ticket.Id);
        var replied = Assert.Single(audit, a => a.Action == "client-replied");
        Assert.Contains($"[SD#{ticket.Number}]", replied.Details.GetProperty("matchedBy").GetString());
        Assert.Equal(1, await tickets.WithDbAsync(db => db.Messages.CountAsync(m => m.TicketId == ticket.Id)));
    }

    [Fact]
    public async Task Reply_to_our_acknowledgement_finds_the_ticket_by_In_Reply_To()
    {
        var ticket = await tickets.OpenTicketAsync(Client, "email");
        var acknowledgement = $"{ticket.Id:N}.ack@servicedesk.example";
        await tickets.PublishAsync(new AcknowledgementSent(ticket.Id, "email", "dana@acme-dental.example", acknowledgement, tickets.Clock.Now));
        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.ThreadReferences.AnyAsync(r => r.MessageId == acknowledgement)),
            "the acknowledgement's Message-ID to join the thread");

        var reply = Reply(Client, new ThreadHints(null, null, acknowledgement, [acknowledgement]), "Thanks, see you at 3.");
        await tickets.PublishAsync(reply);

        var message = await ClientMessageAsync(ticket.Id, reply.RequestId);
        Assert.Equal($"In-Reply-To <{acknowledgement}> (SD#{ticket.Number})", message.MatchedBy);
        await AssertNoTicketAsync(reply.RequestId);
    }

    [Fact]
    public async Task Reply_all_to_the_clients_own_first_mail_finds_the_ticket_by_References_and_joins_the_thread()
    {
        var first = $"{Guid.NewGuid():N}@acme-dental.example";
        var opening = TicketsFixture.Request(Client, null, "Printer jams", "The printer jams.") with { Channel = "email", ExternalId = first };
        await tickets.PublishAsync(opening);
        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == opening.RequestId)), "the ticket to open");

        // A colleague answers the first mail (no subject token); then someone answers the colleague.
        var colleague = $"{Guid.NewGuid():N}@acme-dental.example";
        var second = Reply(Client, new ThreadHints(null, null, first, [first]), "Same here on the 2nd floor.") with { ExternalId = colleague };
        await tickets.PublishAsync(second);
        await ClientMessageAsync(opening.RequestId, second.RequestId);
        var third = Reply(Client, new ThreadHints(null, null, null, ["unknown@elsewhere.example", first, colleague]), "And now the 3rd.");
        await tickets.PublishAsync(third);

        var message = await ClientMessageAsync(opening.RequestId, third.RequestId);
        Assert.StartsWith($"References <{colleague}>", message.MatchedBy); // the newest reference we know
    }

    [Fact]
    public async Task A_subject_token_of_another_clients_ticket_opens_a_new_ticket_and_says_why()
    {
        var theirs = await tickets.OpenTicketAsync(OtherClient, "email");
        var reply = Reply(Client, new ThreadHints(null, theirs.Number, null, []), "Quoting someone else's number.");

        await tickets.PublishAsync(reply);

        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == reply.RequestId)), "a new ticket");
        Assert.Equal(0, await tickets.WithDbAsync(db => db.Messages.CountAsync(m => m.TicketId == theirs.Id)));
        var opened = Assert.Single(await tickets.AuditAsync(reply.RequestId), a => a.Action == "opened");
        Assert.Contains("another client's ticket; ignored", opened.Details.GetProperty("thread").GetString());
        Assert.Single(await tickets.EventuallyPublishedAsync("TicketOpened", reply.RequestId));
    }

    [Fact]
    public async Task A_reply_to_a_closed_ticket_opens_a_new_ticket_that_names_the_old_one()
    {
        var ticket = await tickets.OpenTicketAsync(Client, "email");
        ticket = await tickets.MoveAsync(ticket, "Resolved");
        await tickets.MoveAsync(ticket, "Closed");
        var reply = Reply(Client, new ThreadHints(null, ticket.Number, null, []), "It is jammed again.");

        await tickets.PublishAsync(reply);

        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == reply.RequestId)), "a new ticket");
        var opened = Assert.Single(await tickets.AuditAsync(reply.RequestId), a => a.Action == "opened");
        Assert.Contains($"SD#{ticket.Number}, which is closed", opened.Details.GetProperty("thread").GetString());
        Assert.Equal(TicketStatus.Closed, (await tickets.GetTicketAsync(ticket.Id)).Status);
    }

    [Theory]
    [InlineData("Resolved", "Reopened")]
    [InlineData("WaitingOnClient", "InProgress")]
    public async Task A_client_reply_puts_a_resolved_or_waiting_ticket_back_to_work(string before, string after)
    {
        var ticket = await tickets.OpenTicketAsync(Client, "email");
        if (before == "WaitingOnClient") ticket = await tickets.MoveAsync(ticket, "InProgress");
        ticket = await tickets.MoveAsync(ticket, before);
        var reply = Reply(Client, new ThreadHints(null, ticket.Number, null, []), "Not fixed, sorry.");

        await tickets.PublishAsync(reply);

        var changes = await tickets.EventuallyPublishedAsync("TicketStatusChanged", ticket.Id, before == "WaitingOnClient" ? 3 : 2);
        var change = changes[^1];
        Assert.Equal((before, after, "system:intake", "email"), (change.GetProperty("from").GetString(), change.GetProperty("to").GetString(),
            change.GetProperty("by").GetString(), change.GetProperty("channel").GetString()));
        Assert.Equal("The client replied.", change.GetProperty("reason").GetString());
        Assert.Equal(Enum.Parse<TicketStatus>(after), (await tickets.GetTicketAsync(ticket.Id)).Status);
    }

    [Fact]
    public async Task A_follow_up_naming_the_first_request_of_its_conversation_joins_that_ticket_and_the_client_sees_it()
    {
        var voicemail = await tickets.OpenTicketAsync(Client, "phone");
        var transcription = TicketsFixture.Request(Client, new ThreadHints(voicemail.Id, null, null, []), "Voicemail transcription",
            "Hi, the server room is beeping.") with { Channel = "phone" };

        await tickets.PublishAsync(transcription);

        var message = await ClientMessageAsync(voicemail.Id, transcription.RequestId);
        Assert.Equal("phone", message.Channel);
        var seen = await (await tickets.As(Roles.ClientUser, Client, "dana").GetAsync($"/api/tickets/{voicemail.Id}/conversation"))
            .ReadAsync<MessageView[]>();
        Assert.Equal(["Hi, the server room is beeping."], seen.Select(m => m.Body));
    }

    private static ServiceRequestReceived Reply(Guid clientId, ThreadHints thread, string body) =>
        TicketsFixture.Request(clientId, thread, "Re: Printer jam", body) with { ExternalId = $"{Guid.NewGuid():N}@acme-dental.example" };

    private async Task<MessageView> ClientMessageAsync(Guid ticketId, Guid messageId) =>
        await Eventually.GetAsync(async () =>
                (await (await _tech.GetAsync($"/api/tickets/{ticketId}/conversation")).ReadAsync<MessageView[]>())
                .SingleOrDefault(m => m.Id == messageId && m.Kind == MessageKind.ClientMessage),
            $"message {messageId} on ticket {ticketId}");

    /// <summary>The reply was consumed (its message exists) and made no ticket and announced none.</summary>
    private async Task AssertNoTicketAsync(Guid requestId)
    {
        Assert.False(await tickets.WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == requestId)));
        Assert.Empty(await tickets.PublishedAsync("TicketOpened", requestId));
    }
}
