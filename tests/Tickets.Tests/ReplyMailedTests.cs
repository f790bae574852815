using Intake.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Notify.Contracts;
using ServiceDesk.Testing;
using Tickets.Api.Domain;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>The client answering notify's mail of a public reply lands on the ticket, and the ticket's status stays put.</summary>
[Collection(TicketsCollection.Name)]
public sealed class ReplyMailedTests(TicketsFixture tickets)
{
    private static readonly Guid Client = Guid.NewGuid();
    private readonly HttpClient _tech = tickets.Technician();

    [Fact]
    public async Task Answer_to_a_mailed_reply_threads_onto_the_ticket_by_In_Reply_To()
    {
        var ticket = await tickets.OpenTicketAsync(Client, "email");
        var mailId = $"{Guid.NewGuid():N}.reply@servicedesk.example";
        var mailed = new ReplyMailed(Guid.NewGuid(), ticket.Id, mailId, "dana@acme-dental.example", tickets.Clock.Now);
        await tickets.PublishAsync(mailed);
        await tickets.PublishAsync(mailed); // redelivered

        var reference = await Eventually.GetAsync(() => tickets.WithDbAsync(db => db.ThreadReferences.SingleOrDefaultAsync(r => r.MessageId == mailId)),
            "the reply mail's Message-ID to join the thread");
        Assert.Equal(ticket.Id, reference.TicketId);

        // The client's mail program answers it without our subject token: only the Message-ID can find the ticket.
        var (answer, message) = await AnswerAsync(ticket.Id, mailId, "That fixed it, thanks.");
        Assert.Equal($"In-Reply-To <{mailId}> (SD#{ticket.Number})", message.MatchedBy);
        Assert.False(await tickets.WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == answer.RequestId)));
        Assert.Equal(TicketStatus.New, (await tickets.GetTicketAsync(ticket.Id)).Status); // a reply mail is no acknowledgement
    }

    [Fact]
    public async Task Answer_to_a_reply_mail_threads_even_before_tickets_heard_it_was_mailed()
    {
        var ticket = await tickets.OpenTicketAsync(Client, "email");
        var posted = await _tech.PostAsync($"/api/tickets/{ticket.Id}/replies", new { body = "Please restart the printer." });
        var replyId = (await posted.ReadAsync<MessageView>()).Id;

        // No ReplyMailed yet: the client's mail program answered faster than tickets' queue drained.
        var mailId = ReplyMessageIds.For(replyId, "servicedesk.example");
        var (answer, message) = await AnswerAsync(ticket.Id, mailId, "Restarted, it prints.");
        Assert.Equal($"In-Reply-To <{mailId}> (SD#{ticket.Number})", message.MatchedBy);
        Assert.False(await tickets.WithDbAsync(db => db.Tickets.AnyAsync(t => t.Id == answer.RequestId)));
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef.reply@servicedesk.example", true)]
    [InlineData("0123456789abcdef0123456789abcdef@servicedesk.example", false)]
    [InlineData("x0123456789abcdef0123456789abcdef.reply@servicedesk.example", false)]
    [InlineData("not-a-guid-not-a-guid-not-a-guid.reply@servicedesk.example", false)]
    public void Only_our_reply_mails_name_a_reply(string messageId, bool named) =>
        Assert.Equal(named, ReplyMessageIds.TryParse(messageId, out _));

    /// <summary>Dana's mail answering <paramref name="mailId"/> (In-Reply-To and References, no subject token), once on the ticket.</summary>
    private async Task<(ServiceRequestReceived Answer, MessageView Message)> AnswerAsync(Guid ticketId, string mailId, string body)
    {
        var answer = new ServiceRequestReceived(Guid.NewGuid(), "email", DateTimeOffset.UtcNow, Client, "dana@acme-dental.example",
            "Dana Reyes", "Re: your answer", body, null, $"{Guid.NewGuid():N}@acme-dental.example")
        {
            Version = ServiceRequestReceived.CurrentVersion,
            Thread = new ThreadHints(null, null, mailId, [mailId]),
        };
        await tickets.PublishAsync(answer);
        var message = await Eventually.GetAsync(async () =>
                (await (await _tech.GetAsync($"/api/tickets/{ticketId}/conversation")).ReadAsync<MessageView[]>())
                .SingleOrDefault(m => m.Id == answer.RequestId && m.Kind == MessageKind.ClientMessage),
            "the answer on the ticket");
        return (answer, message);
    }
}
