namespace Intake.Contracts;

/// <summary>
/// A request reached an official channel and was stored by intake. Every channel publishes this one event;
/// tickets turns it into a ticket whose id is <see cref="RequestId"/>.
/// </summary>
/// <param name="RequestId">Intake's id for the stored request; also the id of the ticket it opens.</param>
/// <param name="Channel">"web", "email", "phone", "staff" or an integrator's channel name.</param>
/// <param name="ReceivedAt">When intake accepted the request: the SLA clock starts here.</param>
/// <param name="PriorityHint">What the requester asked for ("P1".."P4"); triage decides the priority.</param>
/// <param name="ExternalId">The channel's own id for what it delivered (a webhook delivery id), for de-duplication.</param>
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
    string? ExternalId = null);
