namespace Tickets.Api.Domain;

/// <summary>
/// One change to a ticket: who, when, through which channel, what. Written in the same SaveChanges as the change it
/// describes, so the trail has no gaps and no entries for changes that were rolled back.
/// </summary>
public sealed class AuditEntry
{
    public long Id { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public DateTimeOffset At { get; init; }
    public required string Actor { get; init; }
    public required string Channel { get; init; }

    /// <summary>Kebab-case verb: opened, status-changed, priority-changed, assigned, reply-posted, note-added, time-recorded, time-edited,
    /// client-replied,
    /// merged (on the duplicate), merge-received (on the survivor), call-down-attempt, call-down-exhausted, after-hours-approved.</summary>
    public required string Action { get; init; }

    /// <summary>The change's facts as a JSON object (from/to, reason, ids); stored as jsonb.</summary>
    public required string Details { get; init; }
}

public enum MessageKind
{
    /// <summary>Goes to the client through notify and counts as a communication for the SLA.</summary>
    PublicReply,

    /// <summary>Staff only: never published, never shown to a client token.</summary>
    InternalNote,

    /// <summary>The client wrote again through a channel (an email reply, a voicemail's transcription): shown to both sides, sent nowhere.</summary>
    ClientMessage,
}

public sealed class TicketMessage
{
    public Guid Id { get; init; }

    /// <summary>The thread's order: assigned by the database, so two messages in the same instant keep their order.</summary>
    public long Position { get; init; }

    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public MessageKind Kind { get; init; }
    public required string Author { get; init; }
    public required string Body { get; init; }
    public DateTimeOffset At { get; init; }

    /// <summary>For a <see cref="MessageKind.ClientMessage"/>: the channel it came through ("email", "phone"...).</summary>
    public string? Channel { get; init; }

    /// <summary>For a <see cref="MessageKind.ClientMessage"/>: why it landed on this ticket ("subject token [SD#1042]").</summary>
    public string? MatchedBy { get; init; }
}

/// <summary>
/// A file a member of staff sent with a reply or note (a client's files stay in intake, with their request). A note's
/// files are staff-only like the note.
/// </summary>
public sealed class MessageAttachment
{
    public Guid Id { get; init; }
    public Guid MessageId { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public required string FileName { get; init; }
    public required string ContentType { get; init; }
    public long Size { get; init; }
    public required byte[] Content { get; init; }
}

/// <summary>
/// A Message-ID that belongs to a ticket's conversation: the client's own mails and the acknowledgements we sent. A
/// reply whose In-Reply-To or References names one is added to that ticket.
/// </summary>
public sealed class ThreadReference
{
    /// <summary>The Message-ID without angle brackets, as MIME parsers give it.</summary>
    public required string MessageId { get; init; }

    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public DateTimeOffset At { get; init; }
}

/// <summary>
/// The ticket a phone number was last texted about by notify (TextMessageSent): a text back from that number without
/// "SD#1234" answers it (docs/adr/0047). One row per number, the newest text wins.
/// </summary>
public sealed class TextThread
{
    /// <summary>E.164.</summary>
    public required string Phone { get; init; }
    public Guid TicketId { get; set; }
    public Guid ClientId { get; set; }
    public DateTimeOffset At { get; set; }
}

public enum WorkType
{
    BusinessHours,
    AfterHours,
    Emergency,
}

/// <summary>Minutes of work credited to a responder; billing prices them (it receives every revision).</summary>
public sealed class TimeEntry
{
    public Guid Id { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public required string Responder { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? EndedAt { get; set; }
    public int Minutes { get; set; }
    public WorkType WorkType { get; set; }
    public string? Note { get; set; }

    /// <summary>1 when recorded, +1 per edit: the concurrency token and billing's "latest wins" order.</summary>
    public int Revision { get; set; }

    public DateTimeOffset RecordedAt { get; init; }
    public required string RecordedBy { get; init; }
}

/// <summary>A team of the MSP (help desk, network, AV, field...): it owns a queue. Not a client's data: no tenant.</summary>
public sealed class Team
{
    public Guid Id { get; init; }
    public required string Name { get; set; }
    public string? Description { get; set; }

    /// <summary>Technicians' subjects (their tokens' "sub"): "my team's queue" is the queue of the teams listing me.</summary>
    public List<string> Members { get; set; } = [];

    /// <summary>The team lead's subject: paged after the backup when a page goes unanswered.</summary>
    public string? Lead { get; set; }

    /// <summary>How long a page waits for an acknowledgement before the next person in the chain is paged.</summary>
    public TimeSpan PageWait { get; set; } = DefaultPageWait;

    /// <summary>How many times the chain primary, backup, lead is walked before the dispatchers are alerted.</summary>
    public int PageRounds { get; set; } = DefaultPageRounds;

    public static readonly TimeSpan DefaultPageWait = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan MinPageWait = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan MaxPageWait = TimeSpan.FromHours(1);
    public const int DefaultPageRounds = 2;
    public const int MaxPageRounds = 10;
}

/// <summary>
/// Sends a new ticket to a team. The rule with the lowest <see cref="Order"/> whose non-null fields all match wins;
/// a null field matches anything.
/// </summary>
public sealed class RoutingRule
{
    public Guid Id { get; init; }
    public int Order { get; set; }
    public Guid? ClientId { get; set; }
    public string? Channel { get; set; }
    public Guid TeamId { get; set; }
}

/// <summary>One assignment in a ticket's history; the newest is the ticket's current team and assignee.</summary>
public sealed class TicketAssignment
{
    public long Id { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public Guid? TeamId { get; init; }
    public string? Assignee { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset At { get; init; }
    public required string By { get; init; }
}
