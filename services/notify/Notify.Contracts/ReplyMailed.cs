namespace Notify.Contracts;

/// <summary>
/// A public reply staff posted on a ticket (<c>Tickets.Contracts.PublicReplyPosted</c>) was mailed to the ticket's
/// contact. Unlike <see cref="AcknowledgementSent"/> it says nothing about when work begins and moves no status: it only
/// lets tickets thread the client's answer to this mail onto the ticket by its Message-ID.
/// </summary>
/// <param name="ReplyId">The reply that was mailed (PublicReplyPosted.ReplyId).</param>
/// <param name="MessageId">The mail's Message-ID, bare ("id@host").</param>
public sealed record ReplyMailed(
    Guid ReplyId,
    Guid TicketId,
    string MessageId,
    string Recipient,
    DateTimeOffset SentAt);
