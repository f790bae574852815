using ServiceDesk.Platform.Calendars;
using System.Globalization;
using Sla.Api.Domain;
using Sla.Contracts;
using Tickets.Contracts;

namespace SlaClocks.Bench;

/// <summary>One escalation step the bench expects sla to announce: its event and when it falls due.</summary>
public readonly record struct StepKey(Guid TicketId, string Target, string Commitment, int Percent);

public sealed record ExpectedStep(StepKey Key, string Event, DateTimeOffset DueAt);

/// <summary>
/// How the clocks are laid out in time. sla runs on the premium tier (<c>Sla:DefaultTier</c>) with every target scaled
/// by <see cref="Scale"/>, and a business calendar (Etc/UTC, 08:00-17:00) open on one weekday only, three days ahead:
/// <list type="bullet">
/// <item><b>waiting</b> clocks (P2, P3, P4 in turn, opened now): premium counts their targets in business hours, so
/// every one has its first escalation timer pending days after the run. They are the bulk of the open clocks.</item>
/// <item><b>measured</b> clocks (P1, which premium counts 24x7): <c>OpenedAt</c> lies in the past so that each clock's
/// steps up to its contractual work-begins breach (1 h of target = half the window) fall inside the window, and the
/// clocks' first steps are evenly spread over the window's first half.</item>
/// </list>
/// The expected steps come from sla's own <see cref="TicketClock"/> (the same code the saga replays).
/// </summary>
public sealed class Plan
{
    public const string Tier = "premium";
    private static readonly string[] WaitingPriorities = ["P2", "P3", "P4"];
    private readonly CalendarOptions _calendar;
    private readonly SlaOptions _sla;
    private readonly ClientCalendars _calendars;
    private readonly TierPolicy _tier;
    private readonly ClockSettings _settings;
    private readonly Guid[] _clients = [.. Enumerable.Range(0, 500).Select(i => new Guid(i + 1, 0x5ad1, 0, [0xbe, 0x4c, 0, 0, 0, 0, 0, 0]))];

    public Plan(int clocks, int measured, TimeSpan window, DateTimeOffset today)
    {
        Clocks = clocks;
        Measured = Math.Min(measured, clocks);
        Window = window;
        // 1 hour of target = half the window: a P1's steps from 12.5% (internal acknowledge 50%) to 100% (contractual
        // work begins breached) span 7/16 of the window.
        Scale = window.TotalHours / 2;
        OpenDay = today.AddDays(3).DayOfWeek;
        _calendar = new CalendarOptions { TimeZone = "Etc/UTC", Opens = new TimeOnly(8, 0), Closes = new TimeOnly(17, 0), Days = [OpenDay] };
        _sla = new SlaOptions { DefaultTier = Tier, TargetScale = Scale };
        // The calendar and tier sla seeds from this configuration on its first start (PolicySeeding).
        _calendars = ClientCalendars.From(new BusinessCalendar(TimeZoneInfo.FindSystemTimeZoneById(_calendar.TimeZone), _calendar.Week()));
        _tier = _sla.Scaled(SlaPolicySet.Default.For(Tier));
        _settings = _sla.Settings();
    }

    public int Clocks { get; }
    public int Measured { get; }
    public int Waiting => Clocks - Measured;
    public TimeSpan Window { get; }
    public double Scale { get; }
    public DayOfWeek OpenDay { get; }

    /// <summary>The configuration above as sla reads it from its environment.</summary>
    public IReadOnlyDictionary<string, string> Environment() => new Dictionary<string, string>
    {
        ["Sla__DefaultTier"] = Tier,
        ["Sla__TargetScale"] = Scale.ToString("R", CultureInfo.InvariantCulture),
        ["Sla__Calendar__TimeZone"] = _calendar.TimeZone,
        ["Sla__Calendar__Opens"] = "08:00",
        ["Sla__Calendar__Closes"] = "17:00",
        ["Sla__Calendar__Days__0"] = OpenDay.ToString(),
    };

    public TicketOpened WaitingClock(int index, DateTimeOffset now) => Opened(index, WaitingPriorities[index % WaitingPriorities.Length], now);

    /// <summary>
    /// The <paramref name="index"/>-th of the measured clocks, for a window opening at <paramref name="windowStart"/>:
    /// its first step falls due at windowStart + (index + 0.5) / Measured × (window / 2), so firing starts at the window's
    /// start at an even rate.
    /// </summary>
    public TicketOpened MeasuredClock(int index, DateTimeOffset windowStart)
    {
        var first = TimeSpan.FromHours(0.25 * Scale) * 0.5; // premium P1 internal acknowledge (15 min) at 50%
        var offset = Window / 2 * ((index + 0.5) / Measured);
        return Opened(Waiting + index, "P1", Millis(windowStart - first + offset));
    }

    /// <summary>The steps sla should announce for a measured clock up to <paramref name="until"/>, each once, timers on time.</summary>
    public IEnumerable<ExpectedStep> Expected(TicketOpened ticket, DateTimeOffset until)
    {
        var clock = TicketClock.Start(ticket.TicketId, ticket.ClientId, _tier, Priorities.Parse(ticket.Priority),
            ticket.OpenedAt, _calendars, _settings);
        while (clock.NextEscalations() is [var next, ..] && next.DueAt <= until)
        {
            var result = clock.Escalate(next.DueAt);
            foreach (var w in result.Warnings)
                yield return new(new StepKey(w.TicketId, w.Target, w.Commitment, w.Percent), nameof(SlaWarning), w.StepDueAt);
            foreach (var b in result.Breaches)
                yield return new(new StepKey(b.TicketId, b.Target, b.Commitment, 100), nameof(SlaBreached), b.DueAt);
            clock = result.Clock;
        }
    }

    private TicketOpened Opened(int index, string priority, DateTimeOffset openedAt) =>
        new(new Guid(index, 0x5ad1, 0x0c10, [0xc4, 0, 0, 0, 0, 0, 0, 1]), index + 1, _clients[index % _clients.Length],
            $"contact{index % 5000}@client{index % _clients.Length}.example", "Bench Contact", "web", $"Bench ticket {index + 1}",
            priority, openedAt);

    /// <summary>To the millisecond, as the events and the database carry it.</summary>
    public static DateTimeOffset Millis(DateTimeOffset at) => at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMillisecond));
}
