namespace Intake.Api.Domain;

/// <summary>A request as an official channel received it, stored before it is acknowledged to the sender.</summary>
public sealed class ServiceRequest
{
    public Guid Id { get; init; }
    public required string Channel { get; init; }
    public DateTimeOffset ReceivedAt { get; init; }
    public Guid ClientId { get; init; }
    public required string ContactEmail { get; init; }
    public string? ContactName { get; init; }
    public required string Subject { get; init; }
    public required string Description { get; init; }
    public string? PriorityHint { get; init; }

    /// <summary>The channel's id for the delivery (webhooks), unique per channel.</summary>
    public string? ExternalId { get; init; }
}

/// <summary>A client company whose contacts may open requests.</summary>
public sealed class Client
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
}
