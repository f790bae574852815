namespace Tickets.Contracts;

/// <summary>
/// A client approved after-hours work on a ticket (DOMAIN.md: who, when, how, rate quoted). billing bills the ticket's
/// after-hours time only once it has one (or the agreement pre-authorises it), at the quoted rate.
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
    string RecordedBy);
