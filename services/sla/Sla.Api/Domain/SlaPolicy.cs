namespace Sla.Api.Domain;

/// <summary>A contractual target and the stricter internal one that protects it, in business time.</summary>
public readonly record struct Target(TimeSpan Contractual, TimeSpan Internal);

/// <summary>
/// Targets per priority. One default policy for every client until tiers arrive; the numbers are DOMAIN.md's
/// typical ones: acknowledge within 1 business hour (15 min internally); work begins P1 2 h, P2 4 h,
/// P3 24 business hours, P4 one business week (45 business hours on a 9-hour day).
/// </summary>
public sealed class SlaPolicy
{
    public static readonly SlaPolicy Default = new(
        acknowledge: new Target(TimeSpan.FromHours(1), TimeSpan.FromMinutes(15)),
        workBegins: new Dictionary<string, Target>
        {
            ["P1"] = new(TimeSpan.FromHours(2), TimeSpan.FromHours(1)),
            ["P2"] = new(TimeSpan.FromHours(4), TimeSpan.FromHours(2)),
            ["P3"] = new(TimeSpan.FromHours(24), TimeSpan.FromHours(8)),
            ["P4"] = new(TimeSpan.FromHours(45), TimeSpan.FromHours(24)),
        });

    private readonly IReadOnlyDictionary<string, Target> _workBegins;

    public SlaPolicy(Target acknowledge, IReadOnlyDictionary<string, Target> workBegins)
    {
        Acknowledge = acknowledge;
        _workBegins = workBegins;
    }

    public Target Acknowledge { get; }

    public Target WorkBegins(string priority) =>
        _workBegins.TryGetValue(priority, out var target)
            ? target
            : throw new ArgumentOutOfRangeException(nameof(priority), priority, "Priority must be P1..P4.");
}
