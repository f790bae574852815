namespace Tickets.Api.Domain;

/// <summary>A customer company: the tenant. Tickets owns the directory; other services keep replicas from ClientChanged.</summary>
public sealed class Client
{
    public Guid Id { get; init; }
    public required string Name { get; set; }

    /// <summary>The membership tier's name (sla owns what it means).</summary>
    public required string Tier { get; set; }

    /// <summary>sla's business calendar for the client; null is sla's default calendar.</summary>
    public string? CalendarId { get; set; }

    public bool Active { get; set; } = true;

    /// <summary>1 when created, +1 per change to the client or its contacts: concurrency token and replicas' order.</summary>
    public int Revision { get; set; }

    public List<Contact> Contacts { get; init; } = [];
}

/// <summary>A person at a client, matched by email address or phone number; some are on the ordered call-down list.</summary>
public sealed class Contact
{
    public Guid Id { get; init; }
    public Guid ClientId { get; init; }
    public required string Name { get; set; }
    public List<string> Emails { get; set; } = [];

    /// <summary>E.164 ("+15551234567"), so a caller id matches however the number was typed.</summary>
    public List<string> Phones { get; set; } = [];

    /// <summary>1 is called first; null when not on the list.</summary>
    public int? CallDownPosition { get; set; }
}
