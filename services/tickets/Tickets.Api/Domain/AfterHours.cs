namespace Tickets.Api.Domain;

/// <summary>What came of one call to a contact on the call-down list; only <see cref="Reached"/> ends the walk.</summary>
public static class CallDownOutcomes
{
    public const string Reached = "reached";

    /// <summary>"voicemail" is a voicemail left with the service number.</summary>
    public static readonly string[] All = [Reached, "voicemail", "no-answer", "busy", "wrong-person", "failed"];
}

/// <summary>One call on-call made while walking a ticket's client's call-down list (table call_down_attempts). Never changed.</summary>
public sealed class CallDownAttempt
{
    public Guid Id { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public Guid ContactId { get; init; }
    public required string ContactName { get; init; }
    /// <summary>The number dialled, one of the contact's phones (E.164).</summary>
    public required string Number { get; init; }
    public required string Outcome { get; init; }
    public string? Note { get; init; }
    public DateTimeOffset At { get; init; }
    public required string RecordedBy { get; init; }

    /// <summary>This attempt left every listed contact tried without reaching one: CallDownExhausted went out with it (once per ticket).</summary>
    public bool ExhaustedList { get; set; }
}

/// <summary>Where a walk stands (docs/adr/0039): "walking" while someone on the list is untried, "reached", or "exhausted".</summary>
public static class CallDownStates
{
    public const string Walking = "walking";
    public const string Reached = "reached";
    public const string Exhausted = "exhausted";

    /// <summary>
    /// Reached as soon as one attempt reached someone; exhausted when every contact on the list has at least one attempt
    /// and none reached anybody (an empty list is exhausted from the start: there is nobody to call); walking otherwise.
    /// </summary>
    public static string Of(IReadOnlyList<Contact> list, IReadOnlyList<CallDownAttempt> attempts) =>
        attempts.Any(a => a.Outcome == CallDownOutcomes.Reached) ? Reached
        : list.All(c => attempts.Any(a => a.ContactId == c.Id)) ? Exhausted
        : Walking;

    /// <summary>The first contact on the list nobody has called yet; null once each has been tried (or someone was reached).</summary>
    public static Contact? Next(IReadOnlyList<Contact> list, IReadOnlyList<CallDownAttempt> attempts) =>
        attempts.Any(a => a.Outcome == CallDownOutcomes.Reached) ? null : list.FirstOrDefault(c => attempts.All(a => a.ContactId != c.Id));
}

/// <summary>
/// A client's approval of after-hours work on a ticket, as on-call heard it (table approvals). Immutable: no route edits
/// or deletes one; a different approval is a new record. The rate and minimum are quoted from the agreement in force.
/// </summary>
public sealed class Approval
{
    public static readonly string[] Methods = ["phone", "sms", "email", "portal", "in-person"];

    public Guid Id { get; init; }
    public Guid TicketId { get; init; }
    public Guid ClientId { get; init; }
    public Guid ApproverContactId { get; init; }
    public required string ApproverName { get; init; }
    /// <summary>The approver was on the client's authorised (call-down) list when they approved.</summary>
    public bool ApproverAuthorised { get; init; }
    public required string Method { get; init; }
    /// <summary>Approved hours of after-hours work at most; null: no cap.</summary>
    public decimal? CapHours { get; init; }
    public bool OnSiteRequired { get; init; }
    public bool? RepresentativePresent { get; init; }
    public bool SendConfirmation { get; init; }
    /// <summary>The hourly rate quoted, from <see cref="AgreementVersion"/>; null when tickets knew no agreement in force.</summary>
    public decimal? QuotedRate { get; init; }
    public decimal? QuotedMinimum { get; init; }
    public string? Currency { get; init; }
    public int? AgreementVersion { get; init; }
    public DateTimeOffset At { get; init; }
    public required string RecordedBy { get; init; }

    /// <summary>The request's Idempotency-Key, when it sent one: a retry with it finds this record instead of making another.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Whether a retried request asks for exactly what this record holds (a key reused for other terms does not).</summary>
    public bool Repeats(Guid approverContactId, string method, decimal? capHours, bool onSiteRequired, bool? representativePresent, bool sendConfirmation) =>
        (ApproverContactId, Method, CapHours, OnSiteRequired, RepresentativePresent, SendConfirmation)
        == (approverContactId, method, capHours, onSiteRequired, representativePresent, sendConfirmation);
}

/// <summary>
/// tickets' copy of one version of a client's agreement (billing's AgreementTermsChanged; table agreement_terms): what an
/// approval quotes and what the after-hours gate lets through. Versions never change, so each is stored once.
/// </summary>
public sealed class AgreementTerms
{
    public Guid ClientId { get; init; }
    public int Version { get; init; }
    public DateOnly EffectiveFrom { get; init; }
    public DateOnly? EffectiveTo { get; init; }
    public required string Currency { get; init; }
    /// <summary>The "AfterHours" work type's hourly rate outside business hours.</summary>
    public decimal AfterHoursRate { get; init; }
    /// <summary>The "Emergency" work type's hourly rate outside business hours.</summary>
    public decimal EmergencyAfterHoursRate { get; init; }
    public decimal EmergencyMinimum { get; init; }
    public bool ApprovalRequired { get; init; }
    public bool PreAuthorised { get; init; }
    /// <summary>"P1 up to N h pre-approved"; null: no such allowance.</summary>
    public decimal? PreAuthorisedHours { get; init; }

    public bool Covers(DateOnly day) => day >= EffectiveFrom && (EffectiveTo is null || day <= EffectiveTo);

    /// <summary>
    /// What on-call quotes: a P1's after-hours work is emergency work (its rate and the emergency minimum), anything
    /// else after hours is after-hours work without a minimum.
    /// </summary>
    public (decimal Rate, decimal Minimum) QuoteFor(string priority) =>
        priority == "P1" ? (EmergencyAfterHoursRate, EmergencyMinimum) : (AfterHoursRate, 0m);

    /// <summary>After-hours work needs no approval at all under this version.</summary>
    public bool NeedsNoApproval => !ApprovalRequired || PreAuthorised;
}
