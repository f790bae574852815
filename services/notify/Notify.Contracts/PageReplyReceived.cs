namespace Notify.Contracts;

/// <summary>
/// Someone answered an on-call page by text message from the number a page went to, with an acknowledgement such as
/// "ACK" or "1" (docs/adr/0046). tickets acknowledges the newest of <paramref name="Pages"/> whose chain is still open,
/// for the person that page went to, as a tap on its link would.
/// </summary>
/// <param name="Phone">The number the reply came from (E.164), the one the pages were sent to.</param>
/// <param name="MessageId">The channel's id of the reply (Twilio's MessageSid): a provider retry is the same reply.</param>
/// <param name="Pages">The pages sent by SMS to <paramref name="Phone"/> within their acknowledgement window, newest first.</param>
public sealed record PageReplyReceived(string Phone, string MessageId, DateTimeOffset At, IReadOnlyList<PageSentBySms> Pages);

/// <summary>One page notify texted: its ticket, the page (tickets' OnCallPaged.PageId) and when it was sent.</summary>
public sealed record PageSentBySms(Guid TicketId, Guid PageId, DateTimeOffset SentAt);
