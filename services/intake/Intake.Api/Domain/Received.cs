namespace Intake.Api.Domain;

/// <summary>What became of a raw payload. Every stored payload ends in one of these, with its reason.</summary>
public enum PayloadOutcome
{
    /// <summary>Stored, not yet processed (a crash in between leaves it here; it is processed again at start-up).</summary>
    Received,
    Accepted,
    Duplicate,
    /// <summary>Auto-reply, bounce or list mail: kept, never a ticket, never acknowledged.</summary>
    Ignored,
    /// <summary>Sender unknown or ambiguous: waits for staff in the triage queue.</summary>
    Triaged,
    /// <summary>Could not be read (malformed, no sender): kept for a human, never lost.</summary>
    Quarantined,
}

/// <summary>A channel's payload exactly as it arrived (an RFC 5322 message, a webhook body), stored before it is parsed.</summary>
public sealed class RawPayload
{
    public Guid Id { get; init; }
    public required string Channel { get; init; }
    public required string ContentType { get; init; }

    /// <summary>Where it came from: "http", "imap:INBOX/123", a webhook's provider id.</summary>
    public required string Source { get; init; }

    public DateTimeOffset ReceivedAt { get; init; }
    public required byte[] Content { get; init; }
    public PayloadOutcome Outcome { get; set; }
    public string? Reason { get; set; }

    /// <summary>The request it became (Accepted, Duplicate), or the triage item (Triaged).</summary>
    public Guid? ResultId { get; set; }

    /// <summary>Records what the payload became; saved in the same commit as that result.</summary>
    public void Settle(PayloadOutcome outcome, string? reason, Guid? resultId = null)
    {
        Outcome = outcome;
        Reason = reason is { Length: > 1000 } ? reason[..1000] : reason;
        ResultId = resultId;
    }
}

/// <summary>A request from a sender the directory does not know (or knows at more than one client), waiting for staff.</summary>
public sealed class TriageItem
{
    public Guid Id { get; init; }
    public required string Channel { get; init; }
    public string? ExternalId { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public string? SenderEmail { get; init; }
    public string? SenderPhone { get; init; }
    public string? SenderName { get; init; }
    public required string Subject { get; init; }
    public required string Description { get; init; }
    public Guid? RawPayloadId { get; init; }
    public required string Reason { get; init; }

    // The rest of what the channel delivered, so that the request staff make of it is the one a known sender's
    // would have been (its attachments wait in the attachments table under this item's id).
    public string? DescriptionHtml { get; init; }
    public string? PriorityHint { get; init; }
    public string? EmergencyDeclared { get; init; }
    public Guid? ThreadTicketId { get; init; }
    public long? ThreadTicketNumber { get; init; }
    public string? InReplyTo { get; init; }
    public string[] References { get; init; } = [];

    /// <summary>Set when staff assign it to a client (the request it became) or discard it.</summary>
    public Guid? RequestId { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
    public string? ResolvedBy { get; set; }
    public string? Resolution { get; set; }
}

/// <summary>A file that came with a request, within the channel's size limits.</summary>
public sealed class StoredAttachment
{
    public Guid Id { get; init; }

    /// <summary>The request it came with; while that waits in triage, the triage item's id (and no client).</summary>
    public Guid RequestId { get; init; }

    public Guid ClientId { get; init; }
    public required string FileName { get; init; }
    public required string ContentType { get; init; }
    public string? ContentId { get; init; }
    public long Size { get; init; }
    public required byte[] Content { get; init; }
}
