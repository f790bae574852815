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
    /// <summary>The team and the person working the ticket (TicketOpened, TicketAssigned): whom staff alerts go to.</summary>
    public Guid? TeamId { get; set; }
    public string? Assignee { get; set; }
    /// <summary>The ticket version of the assignment applied, so an older one arriving late changes nothing.</summary>
    public int AssignedVersion { get; set; }
    /// <summary>The client's calendar's time zone (SlaClockStarted), for local times in later messages.</summary>
    public string? TimeZone { get; set; }
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
