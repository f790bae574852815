namespace Billing.Contracts;

/// <summary>
/// A version of a client's service agreement was stored (versions are never edited: a change is a new version from its
/// effective date). tickets keeps every version and quotes the one in force when on-call asks a client for approval of
/// after-hours work, and lets pre-authorised work through its gate. A copy of the same version changes nothing.
/// </summary>
/// <param name="AgreementVersion">1, 2, ... per client; with <paramref name="ClientId"/> the message's unique key.</param>
/// <param name="EffectiveTo">Last day it applies (inclusive); null: until the next version takes over.</param>
/// <param name="Currency">ISO 4217 code of every amount.</param>
/// <param name="Rates">Hourly rates per work type as billed (an after-hours rate left out is already multiplied out).</param>
/// <param name="EmergencyMinimum">An emergency entry costs at least this much.</param>
/// <param name="ApprovalRequired">After-hours work needs the client's approval (unless pre-authorised).</param>
/// <param name="PreAuthorised">The client approved all after-hours work in advance.</param>
/// <param name="PreAuthorisedHours">"P1 up to N h pre-approved": hours of after-hours work per P1 ticket that need no approval; null: none.</param>
public sealed record AgreementTermsChanged(
    Guid ClientId,
    int AgreementVersion,
    DateOnly EffectiveFrom,
    DateOnly? EffectiveTo,
    string Currency,
    IReadOnlyList<AgreementRate> Rates,
    decimal EmergencyMinimum,
    bool ApprovalRequired,
    bool PreAuthorised,
    decimal? PreAuthorisedHours,
    DateTimeOffset At);

/// <param name="WorkType">"BusinessHours", "AfterHours" or "Emergency" (tickets' work types).</param>
public sealed record AgreementRate(string WorkType, decimal BusinessHours, decimal AfterHours);
