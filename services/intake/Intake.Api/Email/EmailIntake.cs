using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Intake.Api.Channels;
using Intake.Api.Data;
using Intake.Api.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Intake.Api.Email;

/// <summary>The email channel's settings ("Email" section).</summary>
public sealed class EmailOptions : IValidatableObject
{
    public const string Section = "Email";

    /// <summary>The bearer token the MTA pipe (and anything else posting raw mail) sends; unset = HTTP intake off.</summary>
    [MinLength(32, ErrorMessage = "Email:InboundToken must be at least 32 characters.")]
    public string? InboundToken { get; set; }

    [Range(1024, 100L * 1024 * 1024, ErrorMessage = "Email:MaxMessageBytes must be between 1 KB and 100 MB.")]
    public long MaxMessageBytes { get; set; } = MailLimits.Default.MaxMessageBytes;

    [Range(0, 100L * 1024 * 1024, ErrorMessage = "Email:MaxAttachmentBytes must be between 0 and 100 MB.")]
    public long MaxAttachmentBytes { get; set; } = MailLimits.Default.MaxAttachmentBytes;

    [Range(0, 100, ErrorMessage = "Email:MaxAttachments must be between 0 and 100.")]
    public int MaxAttachments { get; set; } = MailLimits.Default.MaxAttachments;

    /// <summary>
    /// Addresses of this desk that are the emergency alias (e.g. emergency@desk.example): a new request sent to one
    /// declares an emergency, which opens as a P1 candidate (docs/adr/0037). Empty: no alias.
    /// </summary>
    public string[] EmergencyAddresses { get; set; } = [];

    /// <summary>
    /// Subject prefixes that declare an emergency (e.g. "[EMERGENCY]"), compared ignoring case and leading blanks: the
    /// subject rule beside the alias, for clients who cannot change the address they write to. Empty: no rule.
    /// </summary>
    public string[] EmergencySubjectPrefixes { get; set; } = [];

    /// <summary>The longest prefix: a tag, not a sentence.</summary>
    public const int MaxPrefixLength = 40;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        for (var i = 0; i < EmergencySubjectPrefixes.Length; i++)
        {
            var prefix = EmergencySubjectPrefixes[i];
            // A blank prefix would make every mail an emergency; a control character can never be in a one-line subject.
            if (string.IsNullOrWhiteSpace(prefix) || prefix.Trim().Length > MaxPrefixLength || prefix.Any(char.IsControl))
                yield return new ValidationResult(
                    $"{Section}:EmergencySubjectPrefixes:{i} must be 1-{MaxPrefixLength} characters without control characters, e.g. \"[EMERGENCY]\".");
        }
    }

    /// <summary>The configured prefix <paramref name="subject"/> starts with, or null.</summary>
    public string? EmergencyPrefixOf(string? subject)
    {
        var start = subject?.TrimStart() ?? "";
        return EmergencySubjectPrefixes.Select(p => p.Trim()).FirstOrDefault(p => start.StartsWith(p, StringComparison.OrdinalIgnoreCase));
    }

    public MailLimits Limits => MailLimits.Default with
    {
        MaxMessageBytes = MaxMessageBytes, MaxAttachmentBytes = MaxAttachmentBytes, MaxAttachments = MaxAttachments,
    };
}

/// <summary>
/// Email in, from the MTA pipe (HTTP) or the IMAP poller: the raw message is stored first, in its own commit, and only
/// then parsed; what it became (a request, a duplicate, triage, ignored auto-mail, quarantine) is recorded on it in
/// the same commit as the request. A crash in between leaves it "Received", and <see cref="ReprocessAsync"/> finishes it.
/// </summary>
public sealed class EmailIntake(IntakeDbContext db, ChannelIntake intake, TimeProvider clock, IOptions<EmailOptions> options,
    ILogger<EmailIntake> logger) : IRawMailSink, IRawPayloadProcessor
{
    public const string Channel = "email";
    public const string ContentType = "message/rfc822";

    Task IRawMailSink.StoreAsync(Stream raw, string source, CancellationToken cancellationToken) => ReceiveAsync(raw, source, cancellationToken);

    public async Task<RawPayload> ReceiveAsync(Stream raw, string source, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxMessageBytes;
        var capped = new CappedStream(limit); // keeps the first `limit` bytes and counts the rest
        await raw.CopyToAsync(capped, cancellationToken);
        var tooLarge = capped.Overflowed;
        var payload = new RawPayload
        {
            Id = Guid.CreateVersion7(),
            Channel = Channel,
            ContentType = ContentType,
            Source = source.Length > 300 ? source[..300] : source,
            ReceivedAt = clock.GetUtcNow(),
            // An oversized message is kept up to the limit (its headers say who sent it); the mailbox keeps the original.
            Content = capped.ToArray(),
            Outcome = tooLarge ? PayloadOutcome.Quarantined : PayloadOutcome.Received,
            Reason = tooLarge ? $"Larger than {limit} bytes; the first {limit} bytes are kept." : null,
        };
        db.RawPayloads.Add(payload);
        await db.SaveChangesAsync(cancellationToken);
        if (tooLarge) logger.LogWarning("Quarantined email {PayloadId} from {Source}: {Reason}", payload.Id, source, payload.Reason);
        return tooLarge ? payload : await ProcessAsync(payload, cancellationToken);
    }

    /// <summary>Finishes payloads a crash left unprocessed (at start-up, and then now and again).</summary>
    public async Task<int> ReprocessAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow() - olderThan;
        var ids = await db.RawPayloads.AsNoTracking()
            .Where(p => p.Channel == Channel && p.Outcome == PayloadOutcome.Received && p.ReceivedAt < before)
            .OrderBy(p => p.ReceivedAt).Select(p => p.Id).Take(100).ToListAsync(cancellationToken);
        foreach (var id in ids)
        {
            db.ChangeTracker.Clear();
            await ProcessAsync(await db.RawPayloads.SingleAsync(p => p.Id == id, cancellationToken), cancellationToken);
        }
        return ids.Count;
    }

    private async Task<RawPayload> ProcessAsync(RawPayload payload, CancellationToken cancellationToken)
    {
        var parsed = MailParser.Parse(new MemoryStream(payload.Content, writable: false), options.Value.Limits);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!parsed.IsAccepted)
        {
            payload.Settle(PayloadOutcome.Quarantined, $"{parsed.Rejection.Code}: {parsed.Rejection.Message}");
        }
        else if (parsed.Mail.Kind != MailKind.Normal)
        {
            // No ticket and no acknowledgement for auto-replies, bounces and list mail: that is how mail loops start.
            payload.Settle(PayloadOutcome.Ignored, $"{parsed.Mail.Kind}: {parsed.Mail.KindReason}");
        }
        else
        {
            var outcome = await intake.AcceptAsync(ToInbound(parsed.Mail, payload, options.Value), cancellationToken);
            payload.Settle(outcome.Result switch
            {
                IntakeResult.Accepted => PayloadOutcome.Accepted,
                IntakeResult.Duplicate => PayloadOutcome.Duplicate,
                _ => PayloadOutcome.Triaged,
            }, outcome.Reason, outcome.Id);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Email {PayloadId} from {Source}: {Outcome} {ResultId} {Reason}", payload.Id, payload.Source, payload.Outcome,
            payload.ResultId, payload.Reason);
        return payload;
    }

    private static InboundRequest ToInbound(ParsedMail mail, RawPayload payload, EmailOptions options)
    {
        var alias = mail.To.Select(a => a.Address).FirstOrDefault(a => options.EmergencyAddresses.Contains(a, StringComparer.OrdinalIgnoreCase));
        var prefix = options.EmergencyPrefixOf(mail.Subject);
        var threaded = mail.Thread.TicketNumber is not null || mail.Thread.InReplyTo is not null || mail.Thread.References.Count > 0;
        var text = threaded ? mail.NewText : mail.TextBody;
        if (mail.DroppedAttachments.Count > 0)
            text += "\n\n" + string.Join("\n", mail.DroppedAttachments.Select(d =>
                $"[Attachment \"{d.FileName}\" ({d.Size} bytes) was not kept: {(d.Reason == AttachmentDropReason.TooLarge ? "too large" : "too many attachments")}.]"));
        return new InboundRequest
        {
            Channel = Channel,
            // Without a Message-ID, the same bytes twice are still one request.
            ExternalId = mail.MessageId ?? "sha256:" + Convert.ToHexStringLower(SHA256.HashData(payload.Content)),
            ReceivedAt = payload.ReceivedAt,
            Sender = new Sender(mail.From.Address, null, mail.From.DisplayName),
            Subject = mail.Subject,
            Text = string.IsNullOrWhiteSpace(text) ? "(no text)" : text,
            Html = mail.HtmlBody,
            RawPayloadId = payload.Id,
            EmergencyDeclared = alias is not null ? $"email: sent to the emergency address {alias}"
                : prefix is not null ? $"email subject: starts with {prefix}"
                : null,
            Thread = threaded ? new Intake.Contracts.ThreadHints(null, mail.Thread.TicketNumber, mail.Thread.InReplyTo, mail.Thread.References) : null,
            Attachments = [.. mail.Attachments.Select(a => new InboundAttachment(a.FileName, a.ContentType, a.ContentId, a.Content))],
        };
    }
}
