using System.Net;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

[Collection(TicketsCollection.Name)]
public sealed class ConversationTests(TicketsFixture tickets)
{
    private static readonly Guid Client = Guid.NewGuid();
    private readonly HttpClient _tech = tickets.Technician();

    [Fact]
    public async Task Public_reply_is_published_for_notify_and_an_internal_note_is_not()
    {
        var ticket = await tickets.OpenTicketAsync(Client);

        var note = await _tech.PostAsync($"/api/tickets/{ticket.Id}/notes", new { body = "Client's admin password is on the sticky note again." });
        var reply = await _tech.PostAsync($"/api/tickets/{ticket.Id}/replies", new { body = "We are on it and will call you by 3 pm." });

        Assert.Equal(HttpStatusCode.Created, note.StatusCode);
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        var posted = Assert.Single(await tickets.EventuallyPublishedAsync("PublicReplyPosted", ticket.Id));
        Assert.Equal("We are on it and will call you by 3 pm.", posted.GetProperty("body").GetString());
        Assert.Equal("dana@acme-dental.example", posted.GetProperty("contactEmail").GetString());
        Assert.Equal(ticket.Number, posted.GetProperty("number").GetInt64());
        Assert.Equal("tess", posted.GetProperty("author").GetString());
        // The note was posted first and published nothing: no message of any kind mentions it.
        var noteId = (await note.ReadAsync<MessageView>()).Id;
        foreach (var type in TicketsFixture.EventTypes)
            Assert.DoesNotContain(await tickets.PublishedAsync(type, ticket.Id), e => e.ToString().Contains(noteId.ToString(), StringComparison.Ordinal)
                || e.ToString().Contains("sticky note", StringComparison.Ordinal));

        var audit = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/audit")).ReadAsync<AuditView[]>();
        Assert.Equal(["opened", "note-added", "reply-posted"], audit.Select(a => a.Action));
        Assert.DoesNotContain("sticky", audit[1].Details.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_reads_public_replies_but_never_internal_notes_and_staff_read_both()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        await _tech.PostAsync($"/api/tickets/{ticket.Id}/notes", new { body = "Internal: vendor case 4411." });
        await _tech.PostAsync($"/api/tickets/{ticket.Id}/replies", new { body = "The vendor is sending a part." });
        var client = tickets.As(Roles.ClientUser, Client, "dana");

        var seen = await (await client.GetAsync($"/api/tickets/{ticket.Id}/conversation")).ReadAsync<MessageView[]>();
        var staff = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/conversation")).ReadAsync<MessageView[]>();

        Assert.Equal(["The vendor is sending a part."], seen.Select(m => m.Body));
        Assert.Equal([MessageKind.InternalNote, MessageKind.PublicReply], staff.Select(m => m.Kind));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/tickets/{ticket.Id}/notes", new { body = "Let me in" })).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await client.PostAsync($"/api/tickets/{ticket.Id}/replies", new { body = "Hi" })).StatusCode);
    }

    public static TheoryData<string, string> BadMessages => new()
    {
        { "", "body" },
        { "   \n ", "body" },
        { new string('x', TicketLimits.MessageBody + 1), "body" },
        { "NUL \u0000 inside", "body" },
    };

    [Theory]
    [MemberData(nameof(BadMessages))]
    public async Task Oversized_blank_or_binary_message_is_400_and_nothing_is_stored_or_published(string body, string field)
    {
        var ticket = await tickets.OpenTicketAsync(Client);

        foreach (var kind in new[] { "replies", "notes" })
            await (await _tech.PostAsync($"/api/tickets/{ticket.Id}/{kind}", new { body })).AssertInvalidAsync(field);
        var missing = await _tech.PostAsync(new Uri($"/api/tickets/{ticket.Id}/replies", UriKind.Relative),
            new StringContent("{}", System.Text.Encoding.UTF8, "application/json"));
        await missing.AssertInvalidAsync("body");

        Assert.Equal(0, await tickets.WithDbAsync(db => db.Messages.CountAsync(m => m.TicketId == ticket.Id)));
        Assert.Equal(1, await tickets.WithDbAsync(db => db.Audit.CountAsync(a => a.TicketId == ticket.Id))); // "opened" only
        Assert.Empty(await tickets.PublishedAsync("PublicReplyPosted", ticket.Id));
    }

    [Fact]
    public async Task Replies_and_notes_carry_files_staff_download_and_a_client_gets_only_the_replys()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var log = Convert.ToBase64String("printer log"u8.ToArray());
        var reply = await _tech.PostAsync($"/api/tickets/{ticket.Id}/replies", new
        {
            body = "The new driver is attached.", attachments = new[] { new { fileName = "driver-notes.txt", contentType = "text/plain", content = log } },
        });
        Assert.Equal(HttpStatusCode.Created, reply.StatusCode);
        var note = await _tech.PostAsync($"/api/tickets/{ticket.Id}/notes", new
        {
            body = "Vendor's answer.", attachments = new[] { new { fileName = "vendor.eml", contentType = (string?)null, content = log } },
        });
        Assert.Equal(HttpStatusCode.Created, note.StatusCode);

        var thread = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/conversation")).ReadAsync<MessageView[]>();
        var replyFile = Assert.Single(thread.Single(m => m.Kind == MessageKind.PublicReply).Attachments!);
        var noteFile = Assert.Single(thread.Single(m => m.Kind == MessageKind.InternalNote).Attachments!);
        Assert.Equal(("driver-notes.txt", "text/plain", 11L), (replyFile.FileName, replyFile.ContentType, replyFile.Size));
        Assert.Equal("application/octet-stream", noteFile.ContentType);

        var download = await _tech.GetAsync($"/api/tickets/{ticket.Id}/attachments/{noteFile.Id}");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("printer log", await download.Content.ReadAsStringAsync());
        Assert.Equal("vendor.eml", download.Content.Headers.ContentDisposition?.FileNameStar ?? download.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal("sandbox", download.Headers.GetValues("Content-Security-Policy").Single());

        // The client sees the reply's file and not the note's; another client neither; another ticket's path neither.
        var client = tickets.As(Roles.ClientUser, Client, "dana");
        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync($"/api/tickets/{ticket.Id}/attachments/{replyFile.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"/api/tickets/{ticket.Id}/attachments/{noteFile.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound,
            (await tickets.As(Roles.ClientUser, Guid.NewGuid(), "eve").GetAsync($"/api/tickets/{ticket.Id}/attachments/{replyFile.Id}")).StatusCode);
        var other = await tickets.OpenTicketAsync(Client);
        Assert.Equal(HttpStatusCode.NotFound, (await _tech.GetAsync($"/api/tickets/{other.Id}/attachments/{replyFile.Id}")).StatusCode);
    }

    [Fact]
    public async Task Too_many_too_large_or_nameless_files_are_400_naming_them_and_nothing_is_stored()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var small = Convert.ToBase64String(new byte[10]);
        object File(string? name, string content) => new { fileName = name, content };
        foreach (var kind in new[] { "replies", "notes" })
        {
            await (await _tech.PostAsync($"/api/tickets/{ticket.Id}/{kind}", new { body = "Four files", attachments = new[] { File("a", small), File("b", small), File("c", small), File("d", small) } }))
                .AssertInvalidAsync("attachments");
            await (await _tech.PostAsync($"/api/tickets/{ticket.Id}/{kind}", new { body = "Too large", attachments = new[] { File("big.bin", Convert.ToBase64String(new byte[1024 * 1024 + 1])) } }))
                .AssertInvalidAsync("attachments[0].content");
            await (await _tech.PostAsync($"/api/tickets/{ticket.Id}/{kind}", new { body = "A path", attachments = new[] { File("ok.txt", small), File("../etc/passwd", small) } }))
                .AssertInvalidAsync("attachments[1].fileName");
        }
        var thread = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/conversation")).ReadAsync<MessageView[]>();
        Assert.Empty(thread);
        Assert.Empty(await tickets.PublishedAsync("PublicReplyPosted", ticket.Id));
    }

    [Fact]
    public async Task A_message_at_the_size_limit_is_accepted()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        var response = await _tech.PostAsync($"/api/tickets/{ticket.Id}/notes", new { body = new string('x', TicketLimits.MessageBody) });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task A_closed_ticket_takes_no_more_replies()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        ticket = await (await _tech.PostAsync($"/api/tickets/{ticket.Id}/status", new { to = "Resolved", version = ticket.Version })).ReadAsync<TicketView>();
        await _tech.PostAsync($"/api/tickets/{ticket.Id}/status", new { to = "Closed", version = ticket.Version });

        var response = await _tech.PostAsync($"/api/tickets/{ticket.Id}/replies", new { body = "One more thing" });

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Empty(await tickets.PublishedAsync("PublicReplyPosted", ticket.Id));
    }
}
