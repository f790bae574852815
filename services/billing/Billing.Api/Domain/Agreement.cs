namespace Billing.Api.Domain;

/// <summary>
/// One version of a client's service agreement (table agreements). A version is never changed: a new rate is a new
/// version from its effective date, so work is rated by the version in force on the (client-local) day it was done, and
/// invoiced work keeps the amounts printed on its invoice whatever versions come later.
/// </summary>
public sealed class AgreementVersion
{
    public Guid Id { get; init; }
    public Guid ClientId { get; init; }
    /// <summary>1, 2, ... per client, in the order they were stored.</summary>
    public int Version { get; init; }
    public DateOnly EffectiveFrom { get; init; }
    /// <summary>Last day it applies (inclusive); null: until the next version takes over.</summary>
    public DateOnly? EffectiveTo { get; init; }
    /// <summary>When the change was announced to the client, for the record.</summary>
    public DateOnly? NoticeDate { get; init; }
    public string? Tier { get; init; }
    /// <summary>ISO 4217, upper case.</summary>
    public required string Currency { get; init; }
    public decimal MonthlyFee { get; init; }
    /// <summary>Hourly rates per work type; a work type without a rate is billed at 0 (included in the fee).</summary>
    public List<WorkTypeRate> Rates { get; init; } = [];
    /// <summary>After-hours rate when a work type names none: its business rate times this (e.g. 1.5).</summary>
    public decimal AfterHoursMultiplier { get; init; } = 1m;
    /// <summary>An emergency entry costs at least this much.</summary>
    public decimal EmergencyMinimumCharge { get; init; }
    /// <summary>Billed minutes are rounded up to this many (1 = to the minute).</summary>
    public int RoundingIncrementMinutes { get; init; } = 1;
    public RoundingScope RoundingScope { get; init; } = RoundingScope.PerEntry;
    public List<string> NonBillableWorkTypes { get; init; } = [];
    public bool AfterHoursApprovalRequired { get; init; } = true;
    /// <summary>The client approved all after-hours work in advance (no per-ticket approval needed).</summary>
    public bool AfterHoursPreAuthorised { get; init; }
    /// <summary>"P1 up to N h pre-approved": after-hours hours per P1 ticket that need no approval (tickets' gate); null: none.</summary>
    public decimal? AfterHoursPreAuthorisedHours { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }

    /// <summary>
    /// When its terms were published to tickets (AgreementTermsChanged). Null only for versions stored before billing
    /// published them: the start-up announcement publishes those once (docs/adr/0056).
    /// </summary>
    public DateTimeOffset? TermsPublishedAt { get; set; }

    public bool Covers(DateOnly day) => day >= EffectiveFrom && (EffectiveTo is null || day <= EffectiveTo);

    public WorkTypeRate? RateFor(WorkType workType) => Rates.FirstOrDefault(r => r.WorkType == workType);

    /// <summary>
    /// Every work type's hourly rates as billed: an after-hours rate left out is the business rate times the multiplier,
    /// a work type without a rate is 0 (included in the fee). What clients read and what approvals quote.
    /// </summary>
    public IEnumerable<(WorkType WorkType, decimal BusinessHours, decimal AfterHours)> BilledRates() =>
        Enum.GetValues<WorkType>().Select(w => RateFor(w) is { } rate
            ? (w, rate.BusinessHours, rate.AfterHours ?? rate.BusinessHours * AfterHoursMultiplier)
            : (w, 0m, 0m));
}

/// <param name="AfterHours">null: <see cref="WorkTypeRate.BusinessHours"/> times the agreement's multiplier.</param>
public sealed record WorkTypeRate(WorkType WorkType, decimal BusinessHours, decimal? AfterHours);

public enum RoundingScope
{
    /// <summary>Each entry's business and after-hours minutes are rounded up on their own.</summary>
    PerEntry,
    /// <summary>The minutes of one ticket on one local day (per work type and business/after hours) are rounded up together.</summary>
    PerTicketDay,
}

/// <summary>
/// Prepaid hours (table block_hours): business-hours minutes of the client's billable work are drawn from its blocks,
/// the one expiring first first, before anything is charged. A block is valid from its first day to its expiry
/// (inclusive). What is left of it after its expiry is settled once by its <see cref="Rollover"/> rule
/// (<see cref="BlockSettlement"/>): it lapses, or up to a cap of it becomes a new block for the next months.
/// </summary>
public sealed class BlockOfHours
{
    public Guid Id { get; init; }
    public Guid ClientId { get; init; }
    public int Minutes { get; init; }
    public DateOnly ValidFrom { get; init; }
    public DateOnly ExpiresOn { get; init; }
    public string? Reference { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public BlockRollover Rollover { get; init; }
    /// <summary>With <see cref="BlockRollover.RollOver"/>: at most this many unused minutes roll over (null: all of them).</summary>
    public int? RolloverCapMinutes { get; init; }
    /// <summary>With <see cref="BlockRollover.RollOver"/>: how many months the rolled-over block is valid for (from the day after expiry).</summary>
    public int RolloverMonths { get; init; } = 1;
    /// <summary>On a block made by a rollover: the block whose unused minutes it holds.</summary>
    public Guid? RolledFromBlockId { get; init; }
}

/// <summary>What happens to a block's unused minutes once it has expired.</summary>
public enum BlockRollover
{
    /// <summary>Nothing is recorded: they stay on the block, unusable after its expiry, for someone to settle by hand
    /// (a refund, a goodwill extension as a new block). Blocks stored before rules existed have this rule.</summary>
    None,
    /// <summary>They lapse: the settlement records how many, and the block shows none left.</summary>
    Expire,
    /// <summary>Up to the cap, they become a new block valid from the day after expiry for <see cref="BlockOfHours.RolloverMonths"/>
    /// months (which itself expires, never rolls again); the rest lapses.</summary>
    RollOver,
}

/// <summary>
/// The one settlement of an expired block (table block_settlements, keyed by the block: a block is settled once, whoever
/// asks again). Unused = rolled + expired, and is what the block had left when it was settled.
/// </summary>
public sealed class BlockSettlement
{
    public Guid BlockId { get; init; }
    public Guid ClientId { get; init; }
    public int UnusedMinutes { get; init; }
    public int RolledMinutes { get; init; }
    public int ExpiredMinutes { get; init; }
    public Guid? RolledIntoBlockId { get; init; }
    public DateTimeOffset SettledAt { get; init; }
    public required string SettledBy { get; init; }
}

/// <summary>Minutes of one entry drawn from one block, written when the invoice that shows it is finalised.</summary>
public sealed class BlockDrawdown
{
    public Guid BlockId { get; init; }
    public Guid TimeEntryId { get; init; }
    public Guid InvoiceId { get; init; }
    public int Minutes { get; init; }
}

/// <summary>A block as rating sees it: what is left of it before the entries being rated.</summary>
public sealed record BlockBalance(Guid Id, DateOnly ValidFrom, DateOnly ExpiresOn, int RemainingMinutes);
