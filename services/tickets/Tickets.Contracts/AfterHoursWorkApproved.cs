namespace Tickets.Contracts;

/// <summary>
/// A client approved after-hours work on a ticket (DOMAIN.md: who, when, how, rate quoted). billing bills the ticket's
/// after-hours time only once it has one (or the agreement pre-authorises it), at the quoted rate. tickets records
/// approvals (POST /api/tickets/{id}/approvals) and never changes one: a different approval is a new one.
/// </summary>
/// <param name="ApprovalId">Unique per approval: a copy of the same approval changes nothing.</param>
/// <param name="ApproverContactId">The client's contact who approved (null when not in the directory).</param>
/// <param name="Method">How it was given: "phone", "sms", "email", "portal", "in-person".</param>
/// <param name="QuotedRate">The hourly after-hours rate quoted to the approver; null: the agreement's rate.</param>
/// <param name="Currency">ISO 4217 code of <paramref name="QuotedRate"/>.</param>
/// <param name="RecordedBy">The staff member who recorded it (a token's subject).</param>
public sealed record AfterHoursWorkApproved(
    Guid ApprovalId,
    Guid TicketId,
    Guid ClientId,
    Guid? ApproverContactId,
    string ApproverName,
    string Method,
    decimal? QuotedRate,
    string? Currency,
    DateTimeOffset At,
    string RecordedBy)
{
    /// <summary>The agreement version the rate and minimum were quoted from; null when tickets knew no agreement.</summary>
    public int? AgreementVersion { get; init; }

    /// <summary>The minimum charge quoted with the rate (the agreement's emergency minimum for a P1), same currency.</summary>
    public decimal? QuotedMinimum { get; init; }

    /// <summary>Approved hours at most; null: no cap.</summary>
    public decimal? CapHours { get; init; }

    /// <summary>Whether the approver is on the client's authorised (call-down) list.</summary>
    public bool ApproverAuthorised { get; init; }

    /// <summary>The work needs a technician on site, who needs a client representative there to let them in.</summary>
    public bool OnSiteRequired { get; init; }

    /// <summary>For on-site work: whether a representative will be there; null when not on site or not said.</summary>
    public bool? RepresentativePresent { get; init; }

    /// <summary>notify sends the approver a written confirmation to <see cref="ApproverEmail"/>.</summary>
    public bool SendConfirmation { get; init; }

    public string? ApproverEmail { get; init; }

    /// <summary>The ticket's number (SD#Number) and priority when approved, for the confirmation's words.</summary>
    public long TicketNumber { get; init; }

    public string? Priority { get; init; }
}
