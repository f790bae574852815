namespace Notify.Api.Channels;

/// <summary>The channels notify speaks; a <see cref="Domain.Delivery"/> names one.</summary>
public static class Channel
{
    public const string Email = "email";
    public const string Sms = "sms";
    public const string Voice = "voice";
    public const string Webhook = "webhook";
}

/// <summary>One message to one recipient, composed and stored before the first attempt, so a retry sends the same thing.</summary>
/// <param name="MessageId">Ours, deterministic per event and recipient: the email's Message-ID, the webhook's delivery id.</param>
/// <param name="InReplyTo">Email only: the Message-ID this one answers (threading).</param>
/// <param name="AutoSubmitted">Email only: RFC 3834 "auto-replied"/"auto-generated" so robots do not answer it.</param>
public sealed record OutboundMessage(
    Guid DeliveryId, string Recipient, string? RecipientName, string MessageId, string? InReplyTo, string Subject, string Text,
    string? Html, string? AutoSubmitted);

/// <summary>What a provider answered for one attempt.</summary>
public abstract record SendOutcome
{
    /// <summary>The provider took the message for the recipient; <paramref name="ProviderId"/> is how its callbacks name it.</summary>
    public sealed record Accepted(string ProviderId) : SendOutcome;

    /// <summary>Not taken. Transient: worth another attempt later (a timeout, 5xx, 429, 4xx SMTP). Permanent: it never will be.</summary>
    public sealed record Failed(string Error, bool Transient) : SendOutcome;
}

/// <summary>
/// A way to reach people. Adding a channel is one class implementing this, registered in Extensions.cs, with its own
/// configuration section validated at start-up. Providers never throw for a refusal; they answer <see cref="SendOutcome.Failed"/>.
/// </summary>
public interface IChannelProvider
{
    /// <summary>The <see cref="Channel"/> value this provider serves.</summary>
    string Channel { get; }

    /// <summary>False when the channel's configuration is absent: deliveries on it fail permanently with a clear error.</summary>
    bool IsConfigured { get; }

    Task<SendOutcome> SendAsync(OutboundMessage message, CancellationToken cancellationToken);
}
