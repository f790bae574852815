using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MimeKit;
using Notify.Api.Email;

namespace Notify.Api.Channels;

/// <summary>
/// Email over SMTP. The mail server's acceptance of the message for the recipient (250 after DATA) is the point a
/// communication counts (DOMAIN.md); a later bounce arrives as a DSN (docs/adr/0036). The provider id is the Message-ID.
/// </summary>
public sealed class EmailProvider(Mailer mailer) : IChannelProvider
{
    public string Channel => Channels.Channel.Email;
    public bool IsConfigured => true; // Smtp is required at start-up

    public async Task<SendOutcome> SendAsync(OutboundMessage message, CancellationToken cancellationToken)
    {
        if (!MailboxAddress.TryParse(message.Recipient, out var to) || to.Address.Contains('\n') || to.Address.Contains('\r'))
            return new SendOutcome.Failed($"'{message.Recipient}' is not a mail address.", Transient: false);
        var mail = new MimeMessage { MessageId = message.MessageId, Subject = message.Subject };
        mail.From.Add(mailer.From);
        mail.To.Add(new MailboxAddress(message.RecipientName, to.Address));
        if (message.InReplyTo is { } parent)
        {
            // The client's mail program shows this in the thread it answers, and answers carry both ids.
            mail.InReplyTo = parent;
            mail.References.Add(parent);
        }
        if (message.AutoSubmitted is { } auto) mail.Headers.Add(HeaderId.AutoSubmitted, auto); // RFC 3834
        var body = new BodyBuilder { TextBody = message.Text, HtmlBody = message.Html };
        mail.Body = body.ToMessageBody();

        try
        {
            await mailer.SendAsync(mail, cancellationToken);
            return new SendOutcome.Accepted(message.MessageId);
        }
        catch (SmtpCommandException e)
        {
            // 5xx: the server refuses for good (no such mailbox, policy); 4xx: try later (greylisting, full queue).
            return new SendOutcome.Failed($"SMTP {(int)e.StatusCode} {e.Message.Trim()}", Transient: (int)e.StatusCode < 500);
        }
        catch (Exception e) when (e is SmtpProtocolException or ServiceNotConnectedException or IOException or SocketException or TimeoutException)
        {
            return new SendOutcome.Failed($"SMTP server unreachable: {e.Message}", Transient: true);
        }
    }
}
