using Intake.Api.Data;

namespace Intake.Api.Email;

/// <summary>Bounds on what the email channel accepts from one message.</summary>
public sealed record MailLimits
{
    public static MailLimits Default { get; } = new();

    /// <summary>A bigger raw message is rejected as "too-large"; the parser reads at most this many bytes plus one.</summary>
    public long MaxMessageBytes { get; init; } = 25 * 1024 * 1024;

    /// <summary>A bigger attachment (decoded) is dropped and listed, the message is still accepted.</summary>
    public long MaxAttachmentBytes { get; init; } = 10 * 1024 * 1024;

    /// <summary>Attachments after this many (in message order) are dropped and listed.</summary>
    public int MaxAttachments { get; init; } = 20;

    /// <summary>TextBody and NewText are cut to this many characters: what a request description can hold.</summary>
    public int MaxTextChars { get; init; } = RequestLimits.Description;
}
