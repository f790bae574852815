namespace Sla.Api.Domain;

/// <summary>Set by the MSP's triage; P1 is the highest.</summary>
public enum Priority { P1 = 1, P2, P3, P4 }

/// <summary>The three things a client is promised (DOMAIN.md). Resolution is optional per tier.</summary>
public enum ResponseType { Acknowledge, WorkBegins, Resolution }

/// <summary>Contractual targets are promised to the client; internal ones are stricter and protect them.</summary>
public enum Commitment { Contractual, Internal }

/// <summary>Which of the client's calendars a target counts on (and, for <see cref="Coverage"/>, which hours covered an arrival).
/// <see cref="ExtendedHours"/> is the tier's extended-hours calendar read in the client's zone (docs/adr/0042).</summary>
public enum CalendarKind { BusinessHours, AroundTheClock, ExtendedHours }

/// <summary>
/// A tier's extended-hours cover (docs/adr/0042): <paramref name="Priorities"/> are served, beyond business hours, while
/// the stored calendar <paramref name="CalendarId"/> is open, its week and holidays read in the client's time zone.
/// </summary>
public sealed record ExtendedCover(Guid CalendarId, IReadOnlySet<Priority> Priorities);

/// <summary>One promise: a response type's contractual target, its stricter internal one, and the calendar both count on.</summary>
public sealed record SlaTarget(ResponseType Type, TimeSpan Contractual, TimeSpan Internal, CalendarKind Calendar = CalendarKind.BusinessHours)
{
    public TimeSpan Budget(Commitment commitment) => commitment == Commitment.Contractual ? Contractual : Internal;
}

/// <summary>
/// What a membership tier buys: targets per priority, and whether the client is covered outside business hours
/// (any priority) or for emergencies (P1 only) around the clock, or in extended hours (<paramref name="Extended"/>).
/// An uncovered arrival's clock starts at the next covered instant.
/// </summary>
public sealed record TierPolicy(string Tier, bool AfterHoursCovered, bool EmergencyCovered, IReadOnlyDictionary<Priority, IReadOnlyList<SlaTarget>> Targets,
    ExtendedCover? Extended = null)
{
    /// <summary>Covered around the clock.</summary>
    public bool CoversAfterHours(Priority priority) => AfterHoursCovered || (EmergencyCovered && priority == Priority.P1);

    /// <summary>Covered while the extended-hours calendar is open.</summary>
    public bool CoversExtendedHours(Priority priority) => Extended?.Priorities.Contains(priority) == true;

    /// <summary>
    /// What this tier decides for a ticket entered at <paramref name="at"/> with <paramref name="priority"/>: the tier
    /// decides, never the person who answers (docs/adr/0037). Both a real ticket's clock and the admin's preview ask here.
    /// </summary>
    /// <remarks>
    /// Extended hours count only with the calendar the clock was given (<see cref="ClientCalendars.ExtendedHours"/>):
    /// without one (a tier naming a calendar sla lacks), the priority falls back to business hours.
    /// </remarks>
    public Coverage CoverageAt(Priority priority, DateTimeOffset at, ClientCalendars calendars)
    {
        var extended = CoversExtendedHours(priority) ? calendars.ExtendedHours?.Calendar : null;
        CalendarKind? by = calendars.BusinessHours.IsOpen(at) ? CalendarKind.BusinessHours
            : CoversAfterHours(priority) ? CalendarKind.AroundTheClock
            : extended?.IsOpen(at) == true ? CalendarKind.ExtendedHours
            : null;
        var countsFrom = by is not null ? at : calendars.BusinessHours.NextOpen(at);
        // Outside cover the clock waits for whichever opens first: business hours or (for this priority) extended hours.
        if (by is null && extended?.NextOpen(at) is { } extendedOpens && extendedOpens < countsFrom) countsFrom = extendedOpens;
        var open = by == CalendarKind.BusinessHours;
        // Paging stays as ADR 37 has it: a covered P1 outside business hours, whether covered 24x7 or in extended hours.
        return new Coverage(open, by is not null, countsFrom, PagesOnCall: !open && by is not null && priority == Priority.P1) { CoveredBy = by };
    }

    public IReadOnlyList<SlaTarget> For(Priority priority) =>
        Targets.TryGetValue(priority, out var targets)
            ? targets
            : throw new ArgumentOutOfRangeException(nameof(priority), priority, $"Tier '{Tier}' has no targets for {priority}.");

    /// <summary>Everything wrong with this tier, each message naming the tier, priority and target.</summary>
    public IEnumerable<string> Problems() => Findings().Select(f => f.Message);

    /// <summary><see cref="Problems"/> with where each one is, so an API can name the field.</summary>
    public IEnumerable<PolicyProblem> Findings()
    {
        if (string.IsNullOrWhiteSpace(Tier))
            yield return new("A tier needs a name.", Part: TargetPart.TierName);
        if (Extended is { Priorities.Count: 0 })
            yield return new($"{Tier}: extended hours name a calendar but no priority they cover.", Part: TargetPart.ExtendedHours);
        foreach (var priority in Enum.GetValues<Priority>())
        {
            if (!Targets.TryGetValue(priority, out var targets))
            {
                yield return new($"{Tier} {priority}: no targets.", priority);
                continue;
            }
            foreach (var required in new[] { ResponseType.Acknowledge, ResponseType.WorkBegins })
                if (!targets.Any(t => t.Type == required))
                    yield return new($"{Tier} {priority}: the {Name(required)} target is missing.", priority);
            foreach (var duplicate in targets.GroupBy(t => t.Type).Where(g => g.Count() > 1))
                yield return new($"{Tier} {priority}: the {Name(duplicate.Key)} target is given {duplicate.Count()} times.", priority, duplicate.Key, TargetPart.Type);
            foreach (var target in targets)
            {
                var name = $"{Tier} {priority} {Name(target.Type)}";
                if (target.Contractual <= TimeSpan.Zero)
                    yield return new($"{name}: the contractual target must be greater than zero (is {target.Contractual}).", priority, target.Type, TargetPart.Contractual);
                if (target.Internal <= TimeSpan.Zero)
                    yield return new($"{name}: the internal target must be greater than zero (is {target.Internal}).", priority, target.Type, TargetPart.Internal);
                if (target.Internal > target.Contractual)
                    yield return new($"{name}: the internal target {target.Internal} is looser than the contractual {target.Contractual}.", priority, target.Type, TargetPart.Internal);
                if (target.Calendar == CalendarKind.AroundTheClock && !CoversAfterHours(priority))
                    yield return new($"{name}: counts 24x7 but the tier covers neither after-hours nor emergency service for {priority}.", priority, target.Type, TargetPart.Calendar);
                if (target.Calendar == CalendarKind.ExtendedHours && !CoversExtendedHours(priority))
                    yield return new($"{name}: counts in extended hours but the tier's extended hours do not cover {priority}.", priority, target.Type, TargetPart.Calendar);
            }
        }
    }

    public static string Name(ResponseType type) => type switch
    {
        ResponseType.Acknowledge => Sla.Contracts.SlaTargets.Acknowledge,
        ResponseType.WorkBegins => Sla.Contracts.SlaTargets.WorkBegins,
        _ => Sla.Contracts.SlaTargets.Resolution,
    };
}

/// <summary>The tier's decision for one arrival.</summary>
/// <param name="BusinessHours">The client's business calendar is open at the arrival.</param>
/// <param name="Covered">The tier covers this priority at the arrival: the clock counts from entry.</param>
/// <param name="CountsFrom">When the clock counts from: the arrival, or the next open instant when not covered (the
/// client is told this time, and that nobody is being woken).</param>
/// <param name="PagesOnCall">A covered P1 outside business hours: the on-call person is woken (issue 17 pages them).</param>
public sealed record Coverage(bool BusinessHours, bool Covered, DateTimeOffset CountsFrom, bool PagesOnCall)
{
    /// <summary>Which hours covered the arrival: business hours, 24x7 or extended hours; null when it was not covered.</summary>
    public CalendarKind? CoveredBy { get; init; }
}

/// <summary>What a tier problem is about: its name, a priority's set of targets (<see cref="Targets"/>), or one field of a target.</summary>
public enum TargetPart { Targets, TierName, Type, Contractual, Internal, Calendar, ExtendedHours }

/// <summary>One thing wrong with a tier; <paramref name="Priority"/> and <paramref name="Target"/> say where, when it is about one.</summary>
public sealed record PolicyProblem(string Message, Priority? Priority = null, ResponseType? Target = null, TargetPart Part = TargetPart.Targets);

/// <summary>The MSP's tiers. <see cref="Default"/> seeds DOMAIN.md's typical targets.</summary>
public sealed class SlaPolicySet
{
    public const string DefaultTier = "standard";

    private readonly Dictionary<string, TierPolicy> _tiers;

    /// <exception cref="ArgumentException">The set is not sane; the message lists every problem.</exception>
    public SlaPolicySet(IEnumerable<TierPolicy> tiers)
    {
        var list = tiers.ToList();
        var problems = Problems(list);
        if (problems.Count > 0) throw new ArgumentException(string.Join(" ", problems), nameof(tiers));
        _tiers = list.ToDictionary(t => t.Tier, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyCollection<TierPolicy> Tiers => _tiers.Values;

    public TierPolicy For(string tier) =>
        _tiers.TryGetValue(tier, out var policy)
            ? policy
            : throw new ArgumentOutOfRangeException(nameof(tier), tier, "Unknown membership tier.");

    /// <summary>Everything wrong with a set of tiers, as messages an admin can act on (empty when sane).</summary>
    public static IReadOnlyList<string> Problems(IReadOnlyCollection<TierPolicy> tiers)
    {
        var problems = tiers.SelectMany(t => t.Problems()).ToList();
        if (tiers.Count == 0)
            problems.Add("At least one tier is needed.");
        problems.AddRange(tiers.GroupBy(t => t.Tier, StringComparer.OrdinalIgnoreCase).Where(g => g.Count() > 1)
            .Select(g => $"Tier '{g.Key}' is defined {g.Count()} times."));
        return problems;
    }

    /// <summary>
    /// free: business hours only, queued. standard: DOMAIN.md's typical targets (acknowledge 1 h, work begins P1 2 h,
    /// P2 4 h, P3 24 business hours, P4 one business week = 45 h on a 9-hour day), internal ones stricter.
    /// premium: after-hours and emergency cover, faster targets, P1 counted 24x7, resolution promised for P1 and P2.
    /// </summary>
    public static readonly SlaPolicySet Default = new([
        Tier("free", afterHours: false, emergency: false,
            p1: [Ack(4, 1), Work(4, 2)],
            p2: [Ack(4, 1), Work(8, 4)],
            p3: [Ack(8, 2), Work(24, 16)],
            p4: [Ack(8, 2), Work(90, 45)]),
        Tier("standard", afterHours: false, emergency: false,
            p1: [Ack(1, 0.25), Work(2, 1)],
            p2: [Ack(1, 0.25), Work(4, 2)],
            p3: [Ack(1, 0.25), Work(24, 8)],
            p4: [Ack(1, 0.25), Work(45, 24)]),
        Tier("premium", afterHours: true, emergency: true,
            p1: [Ack(0.5, 0.25, CalendarKind.AroundTheClock), Work(1, 0.5, CalendarKind.AroundTheClock), Resolve(8, 4, CalendarKind.AroundTheClock)],
            p2: [Ack(0.5, 0.25), Work(2, 1), Resolve(16, 8)],
            p3: [Ack(1, 0.5), Work(8, 4)],
            p4: [Ack(1, 0.5), Work(24, 16)]),
    ]);

    private static TierPolicy Tier(string name, bool afterHours, bool emergency,
        SlaTarget[] p1, SlaTarget[] p2, SlaTarget[] p3, SlaTarget[] p4) =>
        new(name, afterHours, emergency, new Dictionary<Priority, IReadOnlyList<SlaTarget>>
        {
            [Priority.P1] = p1,
            [Priority.P2] = p2,
            [Priority.P3] = p3,
            [Priority.P4] = p4,
        });

    private static SlaTarget Ack(double hours, double internalHours, CalendarKind calendar = CalendarKind.BusinessHours) =>
        new(ResponseType.Acknowledge, TimeSpan.FromHours(hours), TimeSpan.FromHours(internalHours), calendar);

    private static SlaTarget Work(double hours, double internalHours, CalendarKind calendar = CalendarKind.BusinessHours) =>
        new(ResponseType.WorkBegins, TimeSpan.FromHours(hours), TimeSpan.FromHours(internalHours), calendar);

    private static SlaTarget Resolve(double hours, double internalHours, CalendarKind calendar = CalendarKind.BusinessHours) =>
        new(ResponseType.Resolution, TimeSpan.FromHours(hours), TimeSpan.FromHours(internalHours), calendar);
}

public static class Priorities
{
    /// <summary>"P1".."P4" exactly (no numbers, no other casing).</summary>
    public static Priority Parse(string value) =>
        Enum.GetValues<Priority>().FirstOrDefault(p => p.ToString() == value) is var priority && priority != default
            ? priority
            : throw new ArgumentOutOfRangeException(nameof(value), value, "Priority must be P1..P4.");
}
