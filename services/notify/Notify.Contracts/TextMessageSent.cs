namespace Notify.Contracts;

/// <summary>
/// notify texted a ticket's contact (an acknowledgement, a reply or a resolution by SMS) and Twilio accepted it. A text
/// has no Message-ID to answer, so tickets remembers the latest ticket each number was texted about: the contact's
/// answer by text (without "SD#1234") threads onto it (docs/adr/0047).
/// </summary>
/// <param name="Recipient">The number texted (E.164).</param>
/// <param name="ProviderId">Twilio's Message sid.</param>
/// <param name="Kind">"acknowledgement", "reply" or "resolution".</param>
public sealed record TextMessageSent(
    Guid TicketId,
    Guid ClientId,
    string Recipient,
    string ProviderId,
    string Kind,
    DateTimeOffset SentAt);
