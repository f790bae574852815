namespace Intake.Api.Email;

/// <summary>
/// Where every inbound email goes first, before any parsing: raw bytes stored durably, so that a parser bug
/// loses nothing and the message can be processed again.
/// </summary>
public interface IRawMailSink
{
    /// <summary>
    /// Stores one message and returns only once it is durably stored. Callers then delete their copy (the IMAP poller
    /// moves it out of the inbox; the MTA pipe answers 2xx), so a crash in between delivers the same message twice:
    /// implementations must deduplicate (by Message-ID).
    /// </summary>
    /// <param name="raw">The complete RFC 5322 message, exactly as received.</param>
    /// <param name="source">
    /// Where it came from, for the audit trail: an IMAP URL (RFC 5092) such as
    /// <c>imap://support@mail.example.com:993/INBOX;UIDVALIDITY=1700000000/;UID=42</c>.
    /// </param>
    Task StoreAsync(Stream raw, string source, CancellationToken cancellationToken);
}
