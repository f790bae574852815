using MimeKit;
using ServiceDesk.Testing;

namespace Notify.Tests;

/// <summary>A public reply staff post on a ticket reaches the client by mail, once, in the ticket's thread.</summary>
[Collection(NotifyCollection.Name)]
public sealed class ReplyMailTests(NotifyFixture notify)
{
    [Fact]
    public async Task Reply_is_mailed_to_the_contact_in_the_acknowledgements_thread_and_announced()
    {
        var ticket = await notify.OpenTicketAsync(2001);
        var acknowledgement = await notify.AcknowledgeAsync(ticket);
        var reply = NotifyFixture.Reply(ticket, "We replaced the fuser; please try printing again.");

        await notify.PublishAsync(reply);

        var messageId = $"{reply.ReplyId:N}.reply@{NotifyFixture.Domain}";
        var mail = await Eventually.GetAsync(() => Task.FromResult(notify.Mails(messageId).SingleOrDefault()), "the reply mail", explain: notify.Explain);
        Assert.Equal("[SD#2001] Printer jam 2001", mail.Subject);
        Assert.Equal(ticket.ContactEmail, Assert.Single(mail.To.Mailboxes).Address);
        Assert.Equal($"support@{NotifyFixture.Domain}", Assert.Single(mail.From.Mailboxes).Address);
        Assert.Equal(acknowledgement, mail.InReplyTo);
        Assert.Equal([acknowledgement], mail.References);
        Assert.Equal("We replaced the fuser; please try printing again.", mail.TextBody?.Trim());
        Assert.Null(mail.Headers[HeaderId.AutoSubmitted]); // a person wrote it

        var mailed = Assert.Single(await notify.PublishedAsync("ReplyMailed", m => m.GetProperty("replyId").GetGuid() == reply.ReplyId));
        Assert.Equal((ticket.TicketId, messageId, ticket.ContactEmail),
            (mailed.GetProperty("ticketId").GetGuid(), mailed.GetProperty("messageId").GetString(), mailed.GetProperty("recipient").GetString()));
    }

    [Fact]
    public async Task Reply_before_any_acknowledgement_is_mailed_without_In_Reply_To()
    {
        var ticket = await notify.OpenTicketAsync(2002);
        var reply = NotifyFixture.Reply(ticket, "Calling you in five minutes.");

        await notify.PublishAsync(reply);

        var mail = await Eventually.GetAsync(() => Task.FromResult(notify.Mails($"{reply.ReplyId:N}.reply@{NotifyFixture.Domain}").SingleOrDefault()),
            "the reply mail", explain: notify.Explain);
        Assert.Equal("[SD#2002] Printer jam 2002", mail.Subject);
        Assert.Null(mail.InReplyTo);
        Assert.Empty(mail.References);
    }

    [Fact]
    public async Task Redelivered_or_republished_reply_sends_no_second_mail()
    {
        var ticket = await notify.OpenTicketAsync(2003);
        await notify.AcknowledgeAsync(ticket);
        var reply = NotifyFixture.Reply(ticket, "The part arrives Tuesday.");
        var messageId = $"{reply.ReplyId:N}.reply@{NotifyFixture.Domain}";

        var first = await notify.ConsumedAsync(await notify.PublishAsync(reply));
        await notify.PublishAsync(reply, first.MessageId);                  // the broker delivers it again
        await notify.RedeliveredAsync(first);
        await notify.ConsumedAsync(await notify.PublishAsync(reply));       // tickets publishes it again with a new MessageId
        // Each copy that ran the consumer announced the mail again, from what notify recorded: the same Message-ID.
        var announced = await notify.PublishedAsync("ReplyMailed", m => m.GetProperty("replyId").GetGuid() == reply.ReplyId, count: 2);

        Assert.All(announced, m => Assert.Equal(messageId, m.GetProperty("messageId").GetString()));
        Assert.Single(notify.Mails(messageId));
        Assert.Equal(2, notify.Smtp.Messages().Count(m => m.Subject?.StartsWith("[SD#2003]", StringComparison.Ordinal) == true)); // acknowledgement + reply
    }
}
