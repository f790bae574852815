namespace Tickets.Contracts;

/// <summary>
/// On-call reached someone on the client's call-down list: the walk is over. Published once per ticket, with every call
/// made; notify sends the ticket's contact the summary (who was called, who was reached), as it does for a walk that
/// reached nobody (<see cref="CallDownExhausted"/>), and the person reached the request for approval with the terms quoted.
/// </summary>
/// <param name="ReachedName">The contact reached.</param>
/// <param name="Calls">Every call of the walk, oldest first, the one that reached them last.</param>
/// <param name="RecordedBy">The staff member who recorded the call that reached them.</param>
public sealed record CallDownReached(
    Guid TicketId,
    Guid ClientId,
    long TicketNumber,
    string ContactEmail,
    string? ContactName,
    string ReachedName,
    IReadOnlyList<CallDownCall> Calls,
    DateTimeOffset At,
    string RecordedBy)
{
    /// <summary>The reached contact's email address, if they have one: notify asks them in writing for approval there.</summary>
    public string? ReachedEmail { get; init; }

    /// <summary>The after-hours hourly rate to quote them, from the client's agreement for this priority; null when none is known.</summary>
    public decimal? QuotedRate { get; init; }

    /// <summary>The minimum charge quoted with the rate, same currency.</summary>
    public decimal? QuotedMinimum { get; init; }

    public string? Currency { get; init; }
}

/// <summary>One call of a call-down walk, as the client is told of it.</summary>
/// <param name="Outcome">reached, voicemail (left with the service number), no-answer, busy, wrong-person or failed.</param>
public sealed record CallDownCall(string ContactName, string Number, string Outcome, DateTimeOffset At);
