using MimeKit;

namespace Intake.Api.Email;

/// <summary>
/// Tells machine-generated mail from mail a person wrote, so the desk never answers an auto-reply or a bounce
/// (mail loops) and never opens tickets for list traffic. First matching rule wins; the reason names the header.
/// Deliberately not used: X-Auto-Response-Suppress (Outlook and Exchange put it on ordinary mail and meeting
/// requests; it asks *us* not to auto-reply, it does not say the message is automatic) and
/// X-MS-Exchange-Generated-Message-Source (set on many kinds of Exchange-generated mail, not only replies).
/// </summary>
internal static class MailClassifier
{
    // Subject prefixes that Exchange/Outlook (and Lotus) put on out-of-office replies, with the colon: a person's
    // "Out of office next week" must stay a normal request. A secondary signal for servers that omit Auto-Submitted.
    private static readonly string[] AutoReplySubjectPrefixes =
    [
        "Automatic reply:", "Auto Reply:", "AutoReply:", "Out of Office:", "Out of Office AutoReply:",
        "Automatische Antwort:", "Réponse automatique :", "Respuesta automática:", "Risposta automatica:",
    ];

    public static (MailKind Kind, string? Reason) Classify(MimeMessage message)
    {
        var headers = message.Headers;

        // RFC 3464 delivery status notification.
        if (message.Body is MultipartReport report)
        {
            if (string.Equals(report.ReportType, "delivery-status", StringComparison.OrdinalIgnoreCase))
                return (MailKind.Bounce, "Content-Type: multipart/report; report-type=delivery-status");
            // RFC 8098 read receipts are generated too; answering them would loop just the same.
            if (string.Equals(report.ReportType, "disposition-notification", StringComparison.OrdinalIgnoreCase))
                return (MailKind.AutoReply, "Content-Type: multipart/report; report-type=disposition-notification");
        }

        var returnPath = headers[HeaderId.ReturnPath]?.Trim();
        var nullSender = returnPath is "<>" or "< >";
        var sender = (message.From.Mailboxes.FirstOrDefault() ?? message.Sender)?.Address;
        var localPart = sender is null ? null : sender[..Math.Max(0, sender.IndexOf('@', StringComparison.Ordinal))];
        // Non-RFC 3464 bounces (qmail, old Exchange): the MTA's own address with the null envelope sender.
        if (nullSender && (string.Equals(localPart, "mailer-daemon", StringComparison.OrdinalIgnoreCase)
                           || string.Equals(localPart, "postmaster", StringComparison.OrdinalIgnoreCase)))
            return (MailKind.Bounce, $"From: {sender} with Return-Path: <>");

        // RFC 3834: anything but "no" (the value may carry parameters after ';').
        var autoSubmitted = headers[HeaderId.AutoSubmitted];
        if (autoSubmitted is not null)
        {
            var value = autoSubmitted.Split(';')[0].Trim();
            if (value.Length > 0 && !value.Equals("no", StringComparison.OrdinalIgnoreCase))
                return (MailKind.AutoReply, $"Auto-Submitted: {value}");
        }
        if (headers.Contains("X-Autoreply")) return (MailKind.AutoReply, "X-Autoreply");
        if (headers.Contains("X-Autorespond")) return (MailKind.AutoReply, "X-Autorespond");

        var precedence = headers["Precedence"]?.Trim().ToLowerInvariant();
        if (precedence == "auto_reply") return (MailKind.AutoReply, "Precedence: auto_reply");

        // RFC 5321 4.5.5 / RFC 3834 5.1: a message sent with the null reverse-path must not be answered.
        if (nullSender) return (MailKind.AutoReply, "Return-Path: <>");

        var subject = message.Subject?.TrimStart() ?? "";
        foreach (var prefix in AutoReplySubjectPrefixes)
            if (subject.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
                return (MailKind.AutoReply, $"Subject: {prefix}");

        if (headers.Contains(HeaderId.ListId)) return (MailKind.MailingList, "List-Id");
        if (precedence is "list" or "bulk" or "junk") return (MailKind.MailingList, $"Precedence: {precedence}");
        if (headers.Contains(HeaderId.ListUnsubscribe)) return (MailKind.MailingList, "List-Unsubscribe");

        return (MailKind.Normal, null);
    }
}
