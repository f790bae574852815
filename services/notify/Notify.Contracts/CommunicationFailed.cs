namespace Notify.Contracts;

/// <summary>
/// A message notify had handed to its provider (the mail server or Twilio accepted it, so it may already have met a
/// target) turned out not to reach its recipient: a bounce (RFC 3464 DSN) or a provider's hard failure callback.
/// sla records it on the ticket's clock and, when this message was the one that met a target, puts that target at risk
/// again; notify tells the staff on duty.
/// </summary>
/// <param name="MessageId">The message's id as notify announced it (the Message-ID in <see cref="AcknowledgementSent"/> / <see cref="ReplyMailed"/>).</param>
/// <param name="Kind">What the message was: "acknowledgement", "reply", "resolution", ...</param>
/// <param name="Channel">"email", "sms", "voice" or "webhook".</param>
/// <param name="State">"bounced" (a DSN) or "failed" (the provider's callback).</param>
/// <param name="Reason">The DSN's status and diagnostic, or the provider's error code.</param>
public sealed record CommunicationFailed(
    Guid TicketId,
    Guid ClientId,
    string MessageId,
    string Kind,
    string Channel,
    string Recipient,
    string State,
    string Reason,
    DateTimeOffset FailedAt);
