using MimeKit;

namespace Notify.Api.Email;

/// <summary>One recipient a DSN reports as failed: the original message's Message-ID, the recipient, and why.</summary>
public sealed record DsnFailure(string MessageId, string Recipient, string Reason);

/// <summary>
/// Reads RFC 3464 delivery status notifications: a multipart/report (report-type=delivery-status) with a
/// message/delivery-status part (per-recipient fields: Final-Recipient, Original-Recipient, Action, Status,
/// Diagnostic-Code) and the original message or its headers (message/rfc822, text/rfc822-headers) naming the
/// Message-ID. Only "Action: failed" counts; "delayed" and "delivered" reports are news, not bounces.
/// </summary>
public static class Dsn
{
    public static IReadOnlyList<DsnFailure> Failures(byte[] raw)
    {
        MimeMessage message;
        try
        {
            message = MimeMessage.Load(new MemoryStream(raw));
        }
        catch (FormatException)
        {
            return [];
        }
        if (message.Body is not MultipartReport report
            || !string.Equals(report.ReportType, "delivery-status", StringComparison.OrdinalIgnoreCase)) return [];

        var status = report.OfType<MessageDeliveryStatus>().FirstOrDefault();
        var messageId = OriginalMessageId(report);
        if (status is null || messageId is null) return [];

        var failures = new List<DsnFailure>();
        foreach (var group in status.StatusGroups.Skip(1)) // the first group is about the message, the rest one per recipient
        {
            if (!string.Equals(group["Action"]?.Trim(), "failed", StringComparison.OrdinalIgnoreCase)) continue;
            var recipient = Address(group["Original-Recipient"]) ?? Address(group["Final-Recipient"]);
            if (recipient is null) continue;
            var reason = $"{group["Status"]?.Trim()} {group["Diagnostic-Code"]?.Trim()}".Trim();
            failures.Add(new DsnFailure(messageId, recipient, reason.Length == 0 ? "bounced" : reason));
        }
        return failures;
    }

    /// <summary>"rfc822; dana@example.com" → "dana@example.com"; null for other address types.</summary>
    private static string? Address(string? field)
    {
        if (string.IsNullOrWhiteSpace(field)) return null;
        var semicolon = field.IndexOf(';', StringComparison.Ordinal);
        if (semicolon < 0 || !field[..semicolon].Trim().Equals("rfc822", StringComparison.OrdinalIgnoreCase)) return null;
        var address = field[(semicolon + 1)..].Trim();
        return address.Contains('@') ? address : null;
    }

    private static string? OriginalMessageId(MultipartReport report)
    {
        foreach (var part in report.Skip(1))
        {
            if (part is MessagePart { Message: { } original }) return original.MessageId;
            if (part is MimePart mime && mime.ContentType.IsMimeType("text", "rfc822-headers") && mime.Content is { } content)
            {
                using var stream = content.Open();
                var headers = HeaderList.Load(stream);
                if (headers[HeaderId.MessageId] is { } id) return MimeKit.Utils.MimeUtils.EnumerateReferences(id).FirstOrDefault();
            }
        }
        return null;
    }
}
