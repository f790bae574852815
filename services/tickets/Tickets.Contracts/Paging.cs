namespace Tickets.Contracts;

/// <summary>
/// Tickets woke someone for a covered emergency (docs/adr/0041): notify sends the page to <paramref name="Person"/>
/// by SMS, a voice call and email, with the one-tap acknowledgement link. One per step of the chain.
/// </summary>
/// <param name="PageId">Unique per page: a copy of the same page sends nothing twice.</param>
/// <param name="Person">A member of staff (their token's subject, as notify's Staff:People names them).</param>
/// <param name="Layer">"primary", "backup" or "lead": who in the chain this is.</param>
/// <param name="Round">1 for the first pass through the chain, 2 for the repeat...</param>
/// <param name="AckToken">The secret of the acknowledgement link (/api/pages/{token}); valid until <paramref name="AckExpiresAt"/>.</param>
public sealed record OnCallPaged(
    Guid PageId,
    Guid TicketId,
    Guid ClientId,
    Guid? TeamId,
    string Person,
    string Layer,
    int Round,
    DateTimeOffset At,
    string AckToken,
    DateTimeOffset AckExpiresAt);

/// <summary>Someone took the emergency: the chain stopped, nobody else is paged. Notify routes the ticket's night alerts to them.</summary>
/// <param name="How">"link" (the one-tap link), "api" (a signed-in staff member).</param>
public sealed record PageAcknowledged(Guid TicketId, Guid ClientId, Guid? PageId, string By, string How, DateTimeOffset At);

/// <summary>
/// Nobody answered the whole chain <paramref name="Rounds"/> times (or nobody is on call at all): the dispatcher queue
/// must act. Notify tells the desk.
/// </summary>
public sealed record PagingExhausted(Guid TicketId, Guid ClientId, Guid? TeamId, int Rounds, string Reason, DateTimeOffset At);
