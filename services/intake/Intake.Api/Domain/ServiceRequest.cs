namespace Intake.Api.Domain;

/// <summary>A request as an official channel received it, stored before it is acknowledged to the sender.</summary>
public sealed class ServiceRequest
{
    public Guid Id { get; init; }
    public required string Channel { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public Guid ClientId { get; init; }
    public Guid? ContactId { get; init; }
    public required string ContactEmail { get; init; }
    public string? ContactName { get; init; }
    public string? ContactPhone { get; init; }
    public required string Subject { get; init; }
    public required string Description { get; init; }
    public string? DescriptionHtml { get; init; }
    public string? PriorityHint { get; init; }

    /// <summary>How an emergency was declared at the door, if it was (ServiceRequestReceived.EmergencyDeclared).</summary>
    public string? EmergencyDeclared { get; init; }

    /// <summary>The channel's id for the delivery (Message-ID, webhook delivery, call), unique per channel.</summary>
    public string? ExternalId { get; init; }

    /// <summary>Web: a hash of the caller and the body sent with an Idempotency-Key, to tell a retry from a misuse.</summary>
    public string? Fingerprint { get; init; }

    public Guid? RawPayloadId { get; init; }
    public string? EnteredBy { get; init; }

    // Thread hints, as published (see ThreadHints in the contract).
    public Guid? ThreadTicketId { get; init; }
    public long? ThreadTicketNumber { get; init; }
    public string? InReplyTo { get; init; }
    public string[] References { get; init; } = [];

    /// <summary>
    /// Accepted, opens a ticket (no thread hints), and its SLA clock has not started yet: the backlog the overload
    /// policy watches (Backlog). Cleared when sla announces the clock (ClockStartedConsumer).
    /// </summary>
    public bool AwaitingClock { get; set; }
}

/// <summary>A client company whose contacts may open requests; a copy of tickets' directory (ClientChanged).</summary>
public sealed class Client
{
    public Guid Id { get; init; }
    public required string Name { get; set; }
    public bool Active { get; set; } = true;

    /// <summary>tickets' revision of the client: an older ClientChanged arriving late changes nothing.</summary>
    public int Revision { get; set; }
}

/// <summary>A person at a client, found by any of their email addresses or phone numbers.</summary>
public sealed class Contact
{
    public Guid Id { get; init; }
    public Guid ClientId { get; init; }
    public required string Name { get; set; }

    /// <summary>Lower-case addresses.</summary>
    public string[] Emails { get; set; } = [];

    /// <summary>E.164 numbers.</summary>
    public string[] Phones { get; set; } = [];
}
