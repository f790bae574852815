namespace Notify.Api.Domain;

/// <summary>What notify knows of a ticket to write to its contact (from TicketOpened).</summary>
public sealed class TicketContact
{
    public Guid TicketId { get; init; }
    public long Number { get; init; }
    public Guid ClientId { get; init; }
    public required string Email { get; init; }
    public string? Name { get; init; }
    public required string Subject { get; init; }
}

/// <summary>An acknowledgement that was sent: one per ticket, kept so it is never sent twice.</summary>
public sealed class SentAcknowledgement
{
    public Guid TicketId { get; init; }
    public required string Recipient { get; init; }
    public required string MessageId { get; init; }
    public DateTimeOffset SentAt { get; init; }
}

/// <summary>A public reply that was mailed: one per reply, kept so a redelivered or republished reply is never mailed twice.</summary>
public sealed class SentReply
{
    public Guid ReplyId { get; init; }
    public Guid TicketId { get; init; }
    public required string Recipient { get; init; }
    public required string MessageId { get; init; }
    public DateTimeOffset SentAt { get; init; }
}
