namespace Tickets.Contracts;

/// <summary>
/// A client of the MSP as it now stands, with its contacts: published on every change to the client or any of its
/// contacts (state transfer, not a diff). Replicas (intake's client directory, docs/adr/0013) keep the highest
/// <see cref="Revision"/> per <see cref="ClientId"/> and ignore older or repeated revisions.
/// </summary>
/// <param name="Tier">The membership tier's name; sla owns what a tier means.</param>
/// <param name="CalendarId">The business calendar sla should use for the client, or null for sla's default.</param>
/// <param name="Active">False once the client is off-boarded: intake refuses new requests for it.</param>
/// <param name="By">Who made the change (a token's subject).</param>
public sealed record ClientChanged(
    Guid ClientId,
    int Revision,
    string Name,
    string Tier,
    string? CalendarId,
    bool Active,
    IReadOnlyList<ContactSnapshot> Contacts,
    DateTimeOffset At,
    string By);

/// <param name="Phones">E.164 numbers ("+15551234567").</param>
/// <param name="CallDownPosition">1 is called first in an after-hours emergency; null when not on the call-down list.</param>
public sealed record ContactSnapshot(
    Guid ContactId,
    string Name,
    IReadOnlyList<string> Emails,
    IReadOnlyList<string> Phones,
    int? CallDownPosition);
