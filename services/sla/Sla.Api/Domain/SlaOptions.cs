using System.ComponentModel.DataAnnotations;

namespace Sla.Api.Domain;

/// <summary>
/// How the clock runs ("Sla"): the tier of a client whose tier sla does not know, the escalation steps, the statuses
/// that pause the clock, and <see cref="TargetScale"/>, which multiplies every stored target when a clock uses it, so
/// that a test (or a demo) sees warnings and breaches within seconds. Empty lists mean the defaults.
/// </summary>
public sealed class SlaOptions : IValidatableObject
{
    public const string Section = "Sla";

    /// <summary>A stored tier's name (checked at start-up, once the tiers are seeded: see PolicySeeding).</summary>
    public string DefaultTier { get; set; } = SlaPolicySet.DefaultTier;

    /// <summary>1 in production. 0.0025 turns a 1-hour target into 9 seconds.</summary>
    public double TargetScale { get; set; } = 1;

    /// <summary>Percent of a target at which to warn; ends with 100 (the breach). Default 50, 75, 90, 100.
    /// (Arrays are not initialised here: the configuration binder appends to an initialised array.)</summary>
    public int[] EscalationPercents { get; set; } = [];

    /// <summary>Ticket statuses that pause the clock. Default WaitingOnClient.</summary>
    public TicketStatus[] PauseStatuses { get; set; } = [];

    /// <summary>Integrators' channel names (as intake's <c>Channels:&lt;name&gt;</c>), which the preview accepts beside
    /// the built-in ones.</summary>
    public string[] Channels { get; set; } = [];

    /// <summary>The channels intake has whatever its configuration.</summary>
    public static readonly IReadOnlyList<string> BuiltInChannels = ["web", "email", "phone", "sms", "staff"];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!double.IsFinite(TargetScale) || TargetScale <= 0 || TargetScale > 100)
        {
            yield return new ValidationResult($"{Section}:TargetScale must be greater than 0 and at most 100 (is {TargetScale}).");
            yield break; // the scaled tiers cannot be built
        }
        foreach (var problem in Settings().Problems())
            yield return new ValidationResult(problem.StartsWith("Escalation", StringComparison.Ordinal)
                ? $"{Section}:EscalationPercents: {problem}"
                : $"{Section}:PauseStatuses: {problem}");
        foreach (var problem in SlaPolicySet.Problems([.. SlaPolicySet.Default.Tiers.Select(Scaled)]))
            yield return new ValidationResult($"{Section}:TargetScale {TargetScale}: {problem}");
        if (string.IsNullOrWhiteSpace(DefaultTier))
            yield return new ValidationResult($"{Section}:DefaultTier is required (a tier's name).");
    }

    public ClockSettings Settings() => new(
        PauseStatuses.Length == 0 ? ClockSettings.Default.PauseStatuses : PauseStatuses.ToHashSet(),
        EscalationPercents.Length == 0 ? ClockSettings.Default.EscalationPercents : EscalationPercents);

    /// <summary>The tier with every target multiplied by <see cref="TargetScale"/>: what a clock copies into its ledger.</summary>
    public TierPolicy Scaled(TierPolicy tier) => TargetScale == 1 ? tier : tier with
    {
        Targets = tier.Targets.ToDictionary(
            byPriority => byPriority.Key,
            byPriority => (IReadOnlyList<SlaTarget>)[.. byPriority.Value.Select(t => t with { Contractual = t.Contractual * TargetScale, Internal = t.Internal * TargetScale })]),
    };
}
