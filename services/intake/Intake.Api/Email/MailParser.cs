using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Cryptography;

namespace Intake.Api.Email;

/// <summary>
/// Turns a raw RFC 5322 message into what the email channel needs to open or thread a request. Pure: no database,
/// HTTP or DI, and never throws for bad input (MimeKit is lenient; whatever it cannot read becomes a rejection).
/// </summary>
public static partial class MailParser
{
    private const string NoSubject = "(no subject)";

    private static readonly ParserOptions Options;

    static MailParser()
    {
        RegisterLegacyCharsets();
        // Our own copy: ParserOptions.Default is a mutable static that any other code in the process could change.
        Options = ParserOptions.Default.Clone();
    }

    /// <summary>
    /// Legacy charsets (windows-1252, KOI8-R, ISO-2022-JP, ...) are not in .NET's default set of encodings, and MimeKit
    /// remembers a charset it once failed to find, so this must run before anything in the process touches MimeKit:
    /// on loading this assembly (intake's entry point), and from a test assembly's own module initializer.
    /// </summary>
    [System.Runtime.CompilerServices.ModuleInitializer]
    public static void RegisterLegacyCharsets() => Encoding.RegisterProvider(CodePagesEncodingProvider.Instance);

    public static MailParseResult Parse(Stream raw, MailLimits limits)
    {
        ArgumentNullException.ThrowIfNull(raw);
        ArgumentNullException.ThrowIfNull(limits);

        MemoryStream? buffer;
        try
        {
            buffer = ReadBounded(raw, limits.MaxMessageBytes);
        }
        catch (IOException e)
        {
            return MailParseResult.Rejected(MailRejectionCodes.Malformed, $"The message could not be read: {e.Message}");
        }
        if (buffer is null)
            return MailParseResult.Rejected(MailRejectionCodes.TooLarge,
                $"The message is larger than the {limits.MaxMessageBytes / (1024 * 1024)} MB this desk accepts by email.");
        if (buffer.Length == 0)
            return MailParseResult.Rejected(MailRejectionCodes.Malformed, "The message is empty.");

        MimeMessage message;
        try
        {
            // persistent: parts refer to our buffer instead of being copied.
            message = MimeMessage.Load(Options, buffer, persistent: true);
        }
        catch (FormatException e)
        {
            return MailParseResult.Rejected(MailRejectionCodes.Malformed, $"The message is not a readable email: {e.Message}");
        }

        // MimeKit accepts anything; input without a single header (plain text, binary junk) is not an email at all.
        if (message.Headers.Count == 0)
            return MailParseResult.Rejected(MailRejectionCodes.Malformed, "The message has no headers: it is not an email.");

        try
        {
            return Read(message, limits);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Hostile input can reach corners of MimeKit we have not seen throw. The caller stores the raw message
            // before parsing, so a rejection loses nothing, and an exception here would only retry the same bytes.
            return MailParseResult.Rejected(MailRejectionCodes.Malformed, $"The message could not be decoded: {e.Message}");
        }
    }

    private static MailParseResult Read(MimeMessage message, MailLimits limits)
    {
        var from = Mailbox(message.From.Mailboxes.FirstOrDefault()) ?? Mailbox(message.Sender);
        if (from is null)
            return MailParseResult.Rejected(MailRejectionCodes.NoSender,
                "The message has no sender address (neither From nor Sender), so there is nobody to answer.");

        var subject = Regex.Replace(message.Subject ?? "", @"\s+", " ").Trim();
        if (subject.Length == 0) subject = NoSubject;

        var body = Walk(message, limits);
        var text = body.Text ?? (body.Html is null ? "" : HtmlText.ToText(body.Html));
        var newText = ReplyText.NewText(text, subject);
        var (kind, reason) = MailClassifier.Classify(message);

        return MailParseResult.Accepted(new ParsedMail
        {
            MessageId = MessageId(message.MessageId),
            From = from,
            ReplyTo = Mailbox(message.ReplyTo.Mailboxes.FirstOrDefault()),
            To = Mailboxes(message.To),
            Cc = Mailboxes(message.Cc),
            Subject = subject,
            Date = message.Headers.Contains(HeaderId.Date) && message.Date != DateTimeOffset.MinValue ? message.Date : null,
            TextBody = Cut(text, limits.MaxTextChars),
            HtmlBody = body.Html,
            NewText = Cut(newText, limits.MaxTextChars),
            TextTruncated = newText.Length > limits.MaxTextChars || text.Length > limits.MaxTextChars,
            Attachments = body.Attachments,
            DroppedAttachments = body.Dropped,
            Thread = new ThreadHints(
                TicketNumber(subject),
                MessageId(message.InReplyTo),
                message.References.Select(MessageId).OfType<string>().Distinct(StringComparer.Ordinal).ToList()),
            Kind = kind,
            KindReason = reason,
        });
    }

    private sealed record Body(string? Text, string? Html, List<MailAttachment> Attachments, List<DroppedAttachment> Dropped);

    // Body text is every inline text/plain part without a file name (Apple Mail splits the text around inline
    // images), the HTML body the first such text/html part; every other part is an attachment. MimeKit's BodyParts
    // does not descend into attached messages, which stay whole as message/rfc822 attachments.
    private static Body Walk(MimeMessage message, MailLimits limits)
    {
        var text = new List<string>();
        string? html = null;
        var attachments = new List<MailAttachment>();
        var dropped = new List<DroppedAttachment>();

        foreach (var entity in message.BodyParts)
        {
            if (entity is TextPart part && !part.IsAttachment && part.FileName is null)
            {
                if (part.IsPlain) { text.Add(Normalise(part.Text)); continue; }
                if (part.IsHtml && html is null) { html = part.Text; continue; }
            }
            // The signature of an S/MIME or PGP signed message is not something the sender attached.
            if (entity is ApplicationPkcs7Signature || entity.ContentType.IsMimeType("application", "pgp-signature"))
                continue;

            var (name, content, size) = Materialise(entity, limits.MaxAttachmentBytes, attachments.Count + dropped.Count + 1);
            var contentType = entity.ContentType.MimeType.ToLowerInvariant();
            if (content is null)
                dropped.Add(new DroppedAttachment(name, contentType, size, AttachmentDropReason.TooLarge));
            else if (attachments.Count >= limits.MaxAttachments)
                dropped.Add(new DroppedAttachment(name, contentType, size, AttachmentDropReason.TooMany));
            else
                attachments.Add(new MailAttachment(name, contentType, size, content, MessageId(entity.ContentId),
                    IsInline: !entity.IsAttachment));
        }

        return new Body(text.Count == 0 ? null : string.Join("\n", text).Trim('\n'), html, attachments, dropped);
    }

    // Decodes one part into memory, up to maxBytes: beyond that it only counts, so the caller can report the size.
    private static (string Name, byte[]? Content, long Size) Materialise(MimeEntity entity, long maxBytes, int position)
    {
        using var sink = new CappedStream(maxBytes);
        string? name;
        if (entity is MessagePart forwarded)
        {
            forwarded.Message?.WriteTo(sink);
            var forwardedSubject = forwarded.Message?.Subject;
            name = entity.ContentDisposition?.FileName
                   ?? (string.IsNullOrWhiteSpace(forwardedSubject) ? null : forwardedSubject + ".eml");
        }
        else
        {
            var part = (MimePart)entity;
            part.Content?.DecodeTo(sink);
            name = part.FileName;
        }
        return (FileNames.Sanitise(name, entity.ContentType.MimeType, position), sink.Overflowed ? null : sink.ToArray(), sink.Count);
    }

    private static string Normalise(string text) => text.Replace("\r\n", "\n").Replace('\r', '\n');

    private static string Cut(string text, int max)
    {
        if (text.Length <= max) return text;
        // Never split a surrogate pair: half an emoji is not valid text for the database.
        return text[..(max > 0 && char.IsHighSurrogate(text[max - 1]) ? max - 1 : max)];
    }

    private static EmailAddress? Mailbox(MailboxAddress? mailbox)
    {
        var address = mailbox?.Address?.Trim();
        var at = address?.IndexOf('@', StringComparison.Ordinal) ?? -1;
        // Lenient parsing turns "From: undisclosed" into a mailbox without a domain: nobody can be answered there.
        if (address is null || at <= 0 || at == address.Length - 1) return null;
        var name = mailbox!.Name?.Trim();
        return new EmailAddress(address, string.IsNullOrEmpty(name) ? null : name);
    }

    private static List<EmailAddress> Mailboxes(InternetAddressList list) =>
        list.Mailboxes.Select(Mailbox).OfType<EmailAddress>().ToList();

    // MimeKit already strips the angle brackets of well-formed ids; this also cleans the lenient ones.
    private static string? MessageId(string? id)
    {
        var trimmed = id?.Trim().Trim('<', '>').Trim();
        return string.IsNullOrEmpty(trimmed) ? null : trimmed;
    }

    // Only the bracketed form our outgoing subjects carry: a bare "SD#12" could be the client's own reference, and a
    // wrong ticket is worse than a new one (triage can merge). The first token wins.
    private static long? TicketNumber(string subject)
    {
        var match = TicketToken().Match(subject);
        return match.Success && long.TryParse(match.Groups[1].ValueSpan, out var number) ? number : null;
    }

    [GeneratedRegex(@"\[SD#(\d{1,18})\]", RegexOptions.IgnoreCase)]
    private static partial Regex TicketToken();

    private static MemoryStream? ReadBounded(Stream raw, long max)
    {
        if (raw.CanSeek && raw.Length - raw.Position > max) return null;
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = raw.Read(chunk, 0, (int)Math.Min(chunk.Length, max + 1 - buffer.Length))) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > max) return null;
        }
        buffer.Position = 0;
        return buffer;
    }
}
