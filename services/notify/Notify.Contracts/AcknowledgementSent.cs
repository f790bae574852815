namespace Notify.Contracts;

/// <summary>The client was told, by a real communication, that their request was received and when work begins.</summary>
/// <param name="Medium">"email" (later also "sms", "call").</param>
/// <param name="MessageId">The Message-ID of the email, so replies can be threaded onto the ticket.</param>
public sealed record AcknowledgementSent(
    Guid TicketId,
    string Medium,
    string Recipient,
    string MessageId,
    DateTimeOffset SentAt);
