namespace Intake.Contracts;

/// <summary>
/// A request reached an official channel and was stored by intake: the channel contract. Every channel publishes
/// this one event; tickets turns it into a ticket whose id is <see cref="RequestId"/>, or, when
/// <see cref="Thread"/> points at an existing ticket, into a reply on it.
/// Version 2 (see README "The channel contract"): fields after <see cref="ExternalId"/> were added with defaults,
/// so a version-1 publisher's message still reads, and a version-1 consumer ignores them.
/// </summary>
/// <param name="RequestId">Intake's id for the stored request; also the id of the ticket it opens (or of the reply).</param>
/// <param name="Channel">"web", "email", "phone", "staff" or an integrator's channel name.</param>
/// <param name="ReceivedAt">When the channel received the request: the SLA clock starts here.</param>
/// <param name="ClientId">The client the sender belongs to (unknown senders wait in intake's triage, not here).</param>
/// <param name="ContactEmail">The sender's email: the requester, and where acknowledgements go.</param>
/// <param name="PriorityHint">What the requester asked for ("P1".."P4"); triage decides the priority.</param>
/// <param name="ExternalId">The channel's own id for what it delivered (Message-ID, webhook delivery id, call id), for de-duplication.</param>
public sealed record ServiceRequestReceived(
    Guid RequestId,
    string Channel,
    DateTimeOffset ReceivedAt,
    Guid ClientId,
    string ContactEmail,
    string? ContactName,
    string Subject,
    string Description,
    string? PriorityHint,
    string? ExternalId = null)
{
    public const int CurrentVersion = 2;

    /// <summary>The contract version the publisher wrote; 1 when absent (a version-1 publisher).</summary>
    public int Version { get; init; } = 1;

    /// <summary>The directory's contact the sender was matched to, when known.</summary>
    public Guid? ContactId { get; init; }

    /// <summary>The caller's number (E.164) for phone and SMS channels.</summary>
    public string? ContactPhone { get; init; }

    /// <summary>The HTML body as received, when the channel had one (<see cref="Description"/> is always text).</summary>
    public string? DescriptionHtml { get; init; }

    /// <summary>Files kept with the request; their content stays in intake (GET /api/requests/{id}/attachments/{id}).</summary>
    public IReadOnlyList<AttachmentReference> Attachments { get; init; } = [];

    /// <summary>Intake's id of the raw payload as received (the MIME message, the webhook body), kept for audit.</summary>
    public Guid? RawPayloadId { get; init; }

    /// <summary>What the channel knows about the conversation this belongs to; null for a new request.</summary>
    public ThreadHints? Thread { get; init; }

    /// <summary>Staff entry: the technician who recorded the request on the contact's behalf.</summary>
    public string? EnteredBy { get; init; }

    /// <summary>
    /// How the requester declared an emergency at the door (the portal's emergency choice after confirming the
    /// after-hours terms, the emergency phone line, an emergency email address); null when they did not. A declared
    /// emergency opens as a P1 candidate; the client's tier decides whether anyone is woken (docs/adr/0037).
    /// </summary>
    public string? EmergencyDeclared { get; init; }
}

/// <summary>
/// How a message may belong to an existing ticket, strongest first: intake's own knowledge (the same phone call),
/// our subject token ("[SD#1234]"), then the Message-IDs we sent that the message answers.
/// </summary>
public sealed record ThreadHints(Guid? TicketId, long? TicketNumber, string? InReplyTo, IReadOnlyList<string> References);

public sealed record AttachmentReference(Guid AttachmentId, string FileName, string ContentType, long Size);
