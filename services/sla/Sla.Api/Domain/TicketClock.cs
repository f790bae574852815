using System.Collections.Immutable;
using Sla.Contracts;

namespace Sla.Api.Domain;

/// <summary>The ticket statuses the clock reacts to (issue 6's lifecycle).</summary>
public enum TicketStatus { New, Acknowledged, Scheduled, InProgress, WaitingOnClient, Resolved, Closed, Reopened }

/// <summary>Something the client was (or was not) told.</summary>
public enum Communication { AcknowledgementSent, PublicReply, InternalNote }

public enum ClockState { Running, Paused, Stopped }

/// <summary>A stretch during which the clock did not count; <see cref="To"/> is null while it lasts.</summary>
public readonly record struct Pause(DateTimeOffset From, DateTimeOffset? To);

/// <summary>A target of the clock: its budgets, when it was met, and the highest escalation step announced per commitment.</summary>
public sealed record TargetState(SlaTarget Target, DateTimeOffset? MetAt, int AnnouncedContractual, int AnnouncedInternal)
{
    public ResponseType Type => Target.Type;
    public bool IsMet => MetAt is not null;
    public int Announced(Commitment commitment) => commitment == Commitment.Contractual ? AnnouncedContractual : AnnouncedInternal;

    public TargetState Announce(Commitment commitment, int percent) => commitment == Commitment.Contractual
        ? this with { AnnouncedContractual = Math.Max(AnnouncedContractual, percent) }
        : this with { AnnouncedInternal = Math.Max(AnnouncedInternal, percent) };
}

/// <summary>An escalation step a scheduler should wake up for.</summary>
public sealed record EscalationDue(Guid TicketId, ResponseType Target, Commitment Commitment, int Percent, DateTimeOffset DueAt);

/// <summary>What <see cref="TicketClock.Escalate"/> found due: the new clock and the events to publish.</summary>
public sealed record EscalationResult(TicketClock Clock, IReadOnlyList<SlaWarning> Warnings, IReadOnlyList<SlaBreached> Breaches);

/// <summary>Clock configuration: which statuses pause it, and the escalation steps in percent of a target (100 = breach).</summary>
public sealed record ClockSettings(IReadOnlySet<TicketStatus> PauseStatuses, IReadOnlyList<int> EscalationPercents)
{
    public static readonly ClockSettings Default = new(new HashSet<TicketStatus> { TicketStatus.WaitingOnClient }, [50, 75, 90, 100]);

    public IEnumerable<string> Problems()
    {
        if (EscalationPercents.Count == 0 || EscalationPercents[^1] != 100)
            yield return "Escalation steps must end with 100 (the breach).";
        if (EscalationPercents.Any(p => p is < 1 or > 100))
            yield return "Escalation steps must lie between 1 and 100 percent.";
        if (EscalationPercents.Zip(EscalationPercents.Skip(1)).Any(pair => pair.First >= pair.Second))
            yield return "Escalation steps must be in increasing order without repeats.";
        foreach (var status in PauseStatuses.Where(s => s is TicketStatus.Resolved or TicketStatus.Closed or TicketStatus.InProgress))
            yield return $"{status} cannot pause the clock: it stops or meets targets.";
    }
}

/// <summary>
/// A ticket's SLA clock as a pure, immutable value. Time is always passed in. Every change is a <see cref="ClockEntry"/>
/// appended to <see cref="Ledger"/>, and the state is nothing but the ledger folded: <see cref="Replay"/> rebuilds
/// it, so due times are reproducible from the ledger.
/// <para>Rules (see docs/adr/0011-sla-clock-rules.md):</para>
/// <list type="bullet">
/// <item>The clock starts when the ticket is entered, or at the next open instant when the tier does not cover
/// that priority after hours.</item>
/// <item>Due = start + target in the target's calendar's business time, plus the business time of every pause that
/// began before the target fell due. While such a pause lasts, the target has no due time.</item>
/// <item>Acknowledgement is met only by a real communication; work begins at In Progress; resolution at Resolved.</item>
/// <item>Resolving stops the clock (as a pause). Reopening resumes it: the resolution target continues with the
/// budget it had left, the resolved stretch not counted, and steps already announced are not announced again.</item>
/// <item>A priority or tier change recomputes targets from the original start and the recorded pauses.</item>
/// </list>
/// </summary>
public sealed record TicketClock
{
    private TicketClock(ClockStarted started, ClientCalendars calendars, ClockSettings settings)
    {
        TicketId = started.TicketId;
        ClientId = started.ClientId;
        Tier = started.Tier;
        Priority = started.Priority;
        EnteredAt = started.At;
        StartedAt = started.StartsAt;
        EscalationPercents = started.EscalationPercents;
        Targets = [.. started.Targets.Select(t => new TargetState(t, null, 0, 0))];
        Ledger = [started];
        Calendars = calendars;
        Settings = settings;
    }

    public Guid TicketId { get; }
    public Guid ClientId { get; }
    public string Tier { get; private init; }
    public Priority Priority { get; private init; }
    /// <summary>When the ticket was entered.</summary>
    public DateTimeOffset EnteredAt { get; }
    /// <summary>When the clock starts counting: entry, or the next covered instant.</summary>
    public DateTimeOffset StartedAt { get; private init; }
    public ClockState State { get; private init; }
    public IReadOnlyList<int> EscalationPercents { get; }
    public ImmutableArray<Pause> Pauses { get; private init; } = [];
    public ImmutableArray<TargetState> Targets { get; private init; }
    public ImmutableList<ClockEntry> Ledger { get; private init; }
    private ClientCalendars Calendars { get; init; }

    /// <summary>
    /// Whether the start or recalculation that made this clock wakes on-call: a covered P1 outside business hours
    /// (<see cref="Coverage.PagesOnCall"/>), answered from the same coverage that set where the clock counts from, so the
    /// two never disagree. Not part of the ledger: read it right after <see cref="Start"/> or <see cref="Recalculate(TierPolicy, Priority, DateTimeOffset, string, ExtendedHoursCalendar?)"/>.
    /// </summary>
    public bool PagesOnCall { get; private init; }

    /// <summary>The extended-hours calendar the clock counts on now (the start's, or the last recalculation's).</summary>
    public ExtendedHoursCalendar? ExtendedHours => Calendars.ExtendedHours;

    /// <summary>The client's zone: the business calendar's.</summary>
    public TimeZoneInfo TimeZone => Calendars.BusinessHours.TimeZone;
    private ClockSettings Settings { get; }

    /// <param name="note">Added to the start entry's cause, e.g. why the client's own tier or calendar was not used.</param>
    public static TicketClock Start(Guid ticketId, Guid clientId, TierPolicy tier, Priority priority, DateTimeOffset enteredAt,
        ClientCalendars calendars, ClockSettings settings, string? note = null)
    {
        var coverage = tier.CoverageAt(priority, enteredAt, calendars);
        var startsAt = coverage.CountsFrom;
        var cause = startsAt == enteredAt
            ? $"Ticket entered at {priority} on tier {tier.Tier}."
            : $"Ticket entered at {priority} outside the hours tier {tier.Tier} covers; the clock starts at the next covered instant {startsAt:u}.";
        if (!string.IsNullOrWhiteSpace(note)) cause += " " + note;
        return new TicketClock(
            new ClockStarted(enteredAt, cause, ticketId, clientId, tier.Tier, priority, startsAt, tier.For(priority), settings.EscalationPercents,
                calendars.Source, calendars.ExtendedHours?.Source),
            calendars, settings) { PagesOnCall = coverage.PagesOnCall };
    }

    /// <summary>The calendar revision a ledger's clock counts on: load it, then <see cref="Replay"/>.</summary>
    public static CalendarRevision CalendarOf(IReadOnlyList<ClockEntry> ledger) =>
        ledger is [ClockStarted started, ..] ? started.Calendar : throw new ArgumentException("A clock ledger begins with the clock's start.", nameof(ledger));

    /// <summary>Every extended-hours calendar revision a ledger names (its start's and its recalculations'): load them,
    /// then <see cref="Replay"/>.</summary>
    public static IReadOnlyList<CalendarRevision> ExtendedCalendarsOf(IEnumerable<ClockEntry> ledger) =>
        [.. ledger.Select(e => e switch { ClockStarted s => s.ExtendedCalendar, TargetsRecalculated r => r.ExtendedCalendar, _ => null })
            .OfType<CalendarRevision>().Distinct()];

    /// <summary>Rebuilds a clock from its ledger: the same entries give the same state and due times. The calendars
    /// must be the revision the start names (<see cref="CalendarOf"/>), and <paramref name="extended"/> every
    /// extended-hours revision the ledger names (<see cref="ExtendedCalendarsOf"/>); any other would give other due times.</summary>
    public static TicketClock Replay(IEnumerable<ClockEntry> ledger, ClientCalendars calendars, ClockSettings settings,
        IEnumerable<ExtendedHoursCalendar>? extended = null)
    {
        using var entries = ledger.GetEnumerator();
        if (!entries.MoveNext() || entries.Current is not ClockStarted started)
            throw new ArgumentException("A clock ledger begins with the clock's start.", nameof(ledger));
        if (started.Calendar != calendars.Source)
            throw new ArgumentException($"The clock counts on calendar {started.Calendar}, not on {calendars.Source}.", nameof(calendars));
        var byRevision = (extended ?? []).ToDictionary(e => e.Source);
        var clock = new TicketClock(started, calendars with { ExtendedHours = Named(started.ExtendedCalendar) }, settings);
        while (entries.MoveNext())
        {
            if (entries.Current is TargetsRecalculated recalculated)
                clock = clock with { Calendars = clock.Calendars with { ExtendedHours = Named(recalculated.ExtendedCalendar) } };
            clock = clock.Apply(entries.Current);
        }
        return clock;

        ExtendedHoursCalendar? Named(CalendarRevision? revision) =>
            revision is not { } wanted ? null
            : byRevision.TryGetValue(wanted, out var found) ? found
            : throw new ArgumentException($"The clock counts on extended-hours calendar {wanted}, which was not given.", nameof(extended));
    }

    public TargetState? Target(ResponseType type) => Targets.FirstOrDefault(t => t.Type == type);

    /// <summary>When a target falls (or fell) due; null when the tier has no such target or a pause is suspending it.</summary>
    public DateTimeOffset? DueAt(ResponseType type, Commitment commitment) =>
        Target(type) is { } target ? DueAt(target, target.Target.Budget(commitment)) : null;

    /// <summary>
    /// How much business time the clock ran for <paramref name="type"/> from its start until <paramref name="until"/>
    /// (when the target was met): its calendar's open time, less the open time of every pause in between. This is the
    /// "time to acknowledge / begin work / resolve" of the reports.
    /// </summary>
    public TimeSpan BusinessTimeUntil(ResponseType type, DateTimeOffset until)
    {
        var calendar = Calendars.For(Target(type)?.Target.Calendar ?? CalendarKind.BusinessHours);
        if (until <= StartedAt) return TimeSpan.Zero;
        var elapsed = calendar.Between(StartedAt, until);
        foreach (var pause in Pauses)
        {
            var from = pause.From > StartedAt ? pause.From : StartedAt;
            var to = pause.To is { } end && end < until ? end : until;
            if (to > from) elapsed -= calendar.Between(from, to);
        }
        return elapsed;
    }

    /// <summary>The ticket's status changed: pause, resume, stop, reopen, or meet a target accordingly.</summary>
    public TicketClock ChangeStatus(TicketStatus status, DateTimeOffset at)
    {
        EnsureNotBeforeLedger(at);
        var clock = this;
        var stops = status is TicketStatus.Resolved or TicketStatus.Closed;
        if (clock.State == ClockState.Stopped)
        {
            if (stops) return clock; // closing a resolved ticket changes nothing
            clock = clock.Apply(new ClockResumed(at, $"Ticket reopened ({status}): the resolution target continues with the budget it had left."));
        }
        if (stops)
        {
            if (clock.IsUnmet(ResponseType.WorkBegins))
                clock = clock.Apply(new TargetMet(at, $"Ticket {status} without going In Progress: work began no later than it ended.", ResponseType.WorkBegins));
            if (clock.IsUnmet(ResponseType.Resolution))
                clock = clock.Apply(new TargetMet(at, $"Ticket {status}.", ResponseType.Resolution));
            return clock.Apply(new ClockPaused(at, $"Ticket {status}: the clock stops until the ticket is reopened.", PauseReason.Resolved));
        }
        var waits = Settings.PauseStatuses.Contains(status);
        if (waits && clock.State == ClockState.Running)
            clock = clock.Apply(new ClockPaused(at, $"Ticket is {status}: waiting on the client.", PauseReason.WaitingOnClient));
        else if (!waits && clock.State == ClockState.Paused)
            clock = clock.Apply(new ClockResumed(at, $"Ticket is {status}: no longer waiting on the client."));
        if (status == TicketStatus.InProgress && clock.IsUnmet(ResponseType.WorkBegins))
            clock = clock.Apply(new TargetMet(at, "Ticket went In Progress.", ResponseType.WorkBegins));
        return clock;
    }

    /// <summary>Only a real communication to the client meets the acknowledgement; an internal note never does.</summary>
    /// <param name="messageId">The message's id, kept on the Met entry so a later bounce of it can be told apart.</param>
    public TicketClock Communicate(Communication communication, DateTimeOffset at, string description, string? messageId = null)
    {
        EnsureNotBeforeLedger(at);
        if (communication == Communication.InternalNote || !IsUnmet(ResponseType.Acknowledge)) return this;
        var cause = communication == Communication.AcknowledgementSent
            ? $"Acknowledgement sent: {description}."
            : $"Public reply to the client: {description}.";
        return Apply(new TargetMet(at, cause, ResponseType.Acknowledge, messageId));
    }

    /// <summary>
    /// A message did not reach the client (DOMAIN.md: a bounce or failure afterwards is recorded). When it is the one
    /// that met a target, that target is open again on its original due time, so its escalation steps (or its breach,
    /// if that time has passed) come back; any other message's failure changes nothing here.
    /// </summary>
    public TicketClock CommunicationFailed(string messageId, DateTimeOffset at, string description)
    {
        EnsureNotBeforeLedger(at);
        var clock = this;
        foreach (var target in Targets.Where(t => t.IsMet && MetBy(t.Type) == messageId))
            clock = clock.Apply(new DeliveryFailed(at,
                $"The message that met the {TierPolicy.Name(target.Type)} target did not reach the client ({description}); the target is open again.",
                target.Type, messageId));
        return clock;
    }

    /// <summary>The message whose Met entry stands for <paramref name="type"/> now (the last one).</summary>
    private string? MetBy(ResponseType type) => Ledger.OfType<TargetMet>().LastOrDefault(m => m.Target == type)?.MessageId;

    /// <summary>
    /// Priority or tier changed: targets are recomputed from the original start, and the ledger says why. One exception:
    /// a clock still waiting for the next covered instant (an arrival outside coverage) that is moved to a priority the
    /// tier covers after hours starts counting now. A P3 raised to P1 at 23:00 on a tier covering P1 around the clock
    /// is due within the P1 target of 23:00, not of tomorrow's opening. Likewise a priority the tier covers in extended
    /// hours counts from the raise when they are open, else from their next opening when that comes before the start.
    /// The clock keeps its extended-hours calendar.
    /// </summary>
    public TicketClock Recalculate(TierPolicy tier, Priority priority, DateTimeOffset at, string reason) =>
        Recalculate(tier, priority, at, reason, ExtendedHours);

    /// <param name="extended">The extended-hours calendar the new targets count on: the clock's own when the tier's
    /// calendar is the same one (a running clock keeps its revision, docs/adr/0019), else the tier's current revision.</param>
    public TicketClock Recalculate(TierPolicy tier, Priority priority, DateTimeOffset at, string reason, ExtendedHoursCalendar? extended)
    {
        EnsureNotBeforeLedger(at);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var clock = this with { Calendars = Calendars with { ExtendedHours = extended } };
        var cause = $"{Priority} on {Tier} became {priority} on {tier.Tier}: {reason}";
        var coverage = tier.CoverageAt(priority, at, clock.Calendars);
        var countsFrom = coverage.CountsFrom;
        DateTimeOffset? startsAt = at < StartedAt && countsFrom < StartedAt ? countsFrom : null;
        if (startsAt == at) cause += $" The tier covers {priority} after hours: the clock counts from now, not from {StartedAt:u}.";
        else if (startsAt is not null) cause += $" The tier covers {priority} in extended hours: the clock counts from {startsAt:u}, not from {StartedAt:u}.";
        return clock.Apply(new TargetsRecalculated(at, cause, tier.Tier, priority, tier.For(priority), startsAt, extended?.Source))
            with { PagesOnCall = coverage.PagesOnCall };
    }

    /// <summary>
    /// The next escalation step of every unmet target and commitment, earliest first, for a scheduler to wake up at.
    /// Empty while the clock is paused or stopped (nothing can fall due).
    /// </summary>
    public IReadOnlyList<EscalationDue> NextEscalations()
    {
        if (State != ClockState.Running) return [];
        var next = new List<EscalationDue>();
        foreach (var target in Targets.Where(t => !t.IsMet))
            foreach (var commitment in Enum.GetValues<Commitment>())
                if (EscalationPercents.FirstOrDefault(p => p > target.Announced(commitment)) is var percent and > 0)
                    next.Add(new EscalationDue(TicketId, target.Type, commitment, percent, DueAt(target, Step(target, commitment, percent))!.Value));
        return [.. next.OrderBy(e => e.DueAt)];
    }

    /// <summary>
    /// Records every escalation step that has fallen due by <paramref name="now"/> and returns its event. When several
    /// steps of one target fell due together (a late timer), only the highest is announced.
    /// </summary>
    public EscalationResult Escalate(DateTimeOffset now)
    {
        EnsureNotBeforeLedger(now);
        var clock = this;
        var warnings = new List<SlaWarning>();
        var breaches = new List<SlaBreached>();
        if (State != ClockState.Running) return new(clock, warnings, breaches);
        var afterHours = !Calendars.BusinessHours.IsOpen(now);
        foreach (var target in Targets.Where(t => !t.IsMet))
            foreach (var commitment in Enum.GetValues<Commitment>())
            {
                var (percent, stepDueAt) = clock.HighestStepDue(target, commitment, now);
                if (percent <= target.Announced(commitment)) continue;
                var dueAt = DueAt(target, target.Target.Budget(commitment))!.Value;
                var targetName = TierPolicy.Name(target.Type);
                var commitmentName = Name(commitment);
                var reached = new EscalationReached(now,
                    percent >= 100
                        ? $"{Priority} {targetName} {commitmentName} target breached (due {dueAt:u})."
                        : $"{Priority} {targetName} {commitmentName} target {percent}% used (due {dueAt:u}).",
                    target.Type, commitment, percent, stepDueAt, dueAt);
                clock = clock.Apply(reached);
                if (reached.IsBreach)
                    breaches.Add(new SlaBreached(TicketId, ClientId, Priority.ToString(), targetName, commitmentName, dueAt) { AfterHours = afterHours });
                else
                    warnings.Add(new SlaWarning(TicketId, ClientId, Priority.ToString(), targetName, commitmentName, percent, stepDueAt, dueAt)
                        { AfterHours = afterHours });
            }
        return new(clock, warnings, breaches);
    }

    public static string Name(Commitment commitment) =>
        commitment == Commitment.Contractual ? SlaCommitments.Contractual : SlaCommitments.Internal;

    /// <summary>The one place state changes: append the entry and fold it in. Replay goes through here too.</summary>
    private TicketClock Apply(ClockEntry entry)
    {
        var clock = this with { Ledger = Ledger.Add(entry) };
        return entry switch
        {
            ClockPaused paused when State == ClockState.Running => clock with
            {
                Pauses = Pauses.Add(new Pause(paused.At, null)),
                State = paused.Reason == PauseReason.Resolved ? ClockState.Stopped : ClockState.Paused,
            },
            ClockPaused paused => clock with { State = paused.Reason == PauseReason.Resolved ? ClockState.Stopped : State },
            ClockResumed resumed => clock with
            {
                Pauses = Pauses.SetItem(Pauses.Length - 1, Pauses[^1] with { To = resumed.At }),
                State = ClockState.Running,
                // Reopened: the resolution is undone; its Met entry stays in the ledger as history.
                Targets = State == ClockState.Stopped
                    ? Targets.Select(t => t.Type == ResponseType.Resolution ? t with { MetAt = null } : t).ToImmutableArray()
                    : Targets,
            },
            TargetMet met => clock with { Targets = Targets.Select(t => t.Type == met.Target ? t with { MetAt = met.At } : t).ToImmutableArray() },
            DeliveryFailed failed => clock with { Targets = Targets.Select(t => t.Type == failed.Target ? t with { MetAt = null } : t).ToImmutableArray() },
            EscalationReached reached => clock with
            {
                Targets = Targets.Select(t => t.Type == reached.Target ? t.Announce(reached.Commitment, reached.Percent) : t).ToImmutableArray(),
            },
            TargetsRecalculated recalculated => clock.Recalculated(recalculated),
            _ => throw new ArgumentException($"A {entry.Kind} entry cannot follow the start of a clock.", nameof(entry)),
        };
    }

    /// <summary>
    /// New targets keep what was met. A step stays announced only if it has also passed under the new target, so a
    /// looser target warns again at its own steps and a stricter one announces what it now finds due.
    /// </summary>
    private TicketClock Recalculated(TargetsRecalculated recalculated)
    {
        var clock = this with
        {
            Tier = recalculated.Tier, Priority = recalculated.Priority, Targets = [],
            StartedAt = recalculated.StartsAt ?? StartedAt,
        };
        var targets = recalculated.Targets.Select(target =>
        {
            var old = Target(target.Type);
            var state = new TargetState(target, old?.MetAt, 0, 0);
            foreach (var commitment in Enum.GetValues<Commitment>())
            {
                var passed = Math.Min(old?.Announced(commitment) ?? 0, clock.HighestStepDue(state, commitment, recalculated.At).Percent);
                state = state.Announce(commitment, passed);
            }
            return state;
        });
        return clock with { Targets = [.. targets] };
    }

    private (int Percent, DateTimeOffset DueAt) HighestStepDue(TargetState target, Commitment commitment, DateTimeOffset now)
    {
        (int, DateTimeOffset) highest = (0, default);
        foreach (var percent in EscalationPercents)
        {
            if (DueAt(target, Step(target, commitment, percent)) is not { } due || due > now) break;
            highest = (percent, due);
        }
        return highest;
    }

    private static TimeSpan Step(TargetState target, Commitment commitment, int percent) =>
        TimeSpan.FromTicks(target.Target.Budget(commitment).Ticks * percent / 100);

    /// <summary>
    /// When <paramref name="budget"/> of the target's calendar has run on the clock: from the start, plus the business
    /// time of each pause that began before that point (a pause after it cannot undo a breach), up to the instant the
    /// target was met. Null while a pause that counts is still going on.
    /// </summary>
    private DateTimeOffset? DueAt(TargetState target, TimeSpan budget)
    {
        var calendar = Calendars.For(target.Target.Calendar);
        var due = calendar.Add(StartedAt, budget);
        foreach (var pause in Pauses)
        {
            if (pause.From >= due || (target.MetAt is { } met && pause.From >= met)) break;
            var end = pause.To is { } to && (target.MetAt is not { } metAt || to <= metAt) ? to : target.MetAt;
            if (end is null) return null;
            var from = pause.From > StartedAt ? pause.From : StartedAt;
            if (end <= from) continue; // paused before the clock had started
            var paused = calendar.Between(from, end.Value);
            if (paused > TimeSpan.Zero) due = calendar.Add(due, paused);
        }
        return due;
    }

    private bool IsUnmet(ResponseType type) => Target(type) is { IsMet: false };

    private void EnsureNotBeforeLedger(DateTimeOffset at)
    {
        if (at < Ledger[^1].At)
            throw new ArgumentException($"{at:O} is before the clock's last entry at {Ledger[^1].At:O}; feed changes in order.", nameof(at));
    }
}
