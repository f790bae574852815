namespace Notify.Api.Domain;

/// <summary>What a delivery is about; the event key's prefix.</summary>
public static class MessageKind
{
    public const string Acknowledgement = "acknowledgement";
    public const string Reply = "reply";
    public const string Resolution = "resolution";
    public const string SlaWarning = "sla-warning";
    public const string SlaBreach = "sla-breach";
    public const string DeliveryFailed = "delivery-failed";
    public const string CallDownExhausted = "call-down-exhausted";
    public const string CallDownReached = "call-down-reached";
    public const string ApprovalRequest = "approval-request";
    public const string ApprovalConfirmation = "approval-confirmation";
    public const string Page = "page";
    /// <summary>The text confirming a page taken by SMS reply.</summary>
    public const string PageTaken = "page-taken";
    public const string PagingExhausted = "paging-exhausted";
}

/// <summary>
/// A delivery's state. Queued (waiting for an attempt) → Sent (the provider accepted it: it counts) → Delivered
/// (the provider confirmed it reached the device) or Answered (a call was picked up); Failed (refused for good, or
/// the provider reported failure after accepting it) and Bounced (a DSN came back) end it.
/// </summary>
public static class DeliveryState
{
    public const string Queued = "queued";
    public const string Sent = "sent";
    public const string Delivered = "delivered";
    public const string Answered = "answered";
    public const string Failed = "failed";
    public const string Bounced = "bounced";

    public static bool IsFinal(string state) => state is Delivered or Answered or Failed or Bounced;
}

/// <summary>
/// The delivery ledger: one row per message per recipient and channel (unique <see cref="EventKey"/> + recipient +
/// channel, so however often an event is redelivered it is one message). The message is composed once and stored here,
/// so every retry sends exactly the same thing.
/// </summary>
public sealed class Delivery
{
    public Guid Id { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    /// <summary>The event this message answers, e.g. "acknowledgement:{ticket}", "sla-breach:{ticket}:acknowledge:contractual".</summary>
    public required string EventKey { get; init; }
    public required string Kind { get; init; }
    public required string Channel { get; init; }
    public required string Recipient { get; init; }
    public string? RecipientName { get; init; }
    /// <summary>Ours: the email's Message-ID (bare), deterministic per event and recipient.</summary>
    public required string MessageId { get; init; }
    public string? InReplyTo { get; init; }
    public string? AutoSubmitted { get; init; }
    public required string Subject { get; init; }
    public required string Text { get; init; }
    public string? Html { get; init; }

    public string State { get; set; } = DeliveryState.Queued;
    public string? Provider { get; set; }
    /// <summary>How the provider names it: the Message-ID for email, the Message/Call sid for Twilio.</summary>
    public string? ProviderId { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public DateTimeOffset? FailedAt { get; set; }
    /// <summary>When the next attempt is scheduled, while a transient failure waits for it.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }
}

/// <summary>A provider's status callback or a DSN, kept raw and by its own key so a replayed one changes nothing.</summary>
public sealed class DeliveryReport
{
    /// <summary>"twilio:{sid}:{status}" or "dsn:{message id}:{recipient}".</summary>
    public required string Key { get; init; }
    public Guid? DeliveryId { get; set; }
    public required string Raw { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
}
