using ServiceDesk.Platform.Calendars;
using Sla.Api.Domain;
using static Sla.Tests.Calendars;

namespace Sla.Tests;

/// <summary>
/// The third kind of cover (docs/adr/0042): a tier's priorities served in extended hours, on the tier's own calendar read
/// in the client's zone. New York business hours are Mon-Fri 08:00-17:00, extended hours Mon-Fri 07:00-20:00.
/// </summary>
public sealed class ExtendedHoursTests
{
    private static readonly Guid ExtendedId = Guid.Parse("0b9d6f8e-0000-4000-8000-00000000e071");
    private static readonly Guid OtherExtendedId = Guid.Parse("0b9d6f8e-0000-4000-8000-00000000e072");

    private static ExtendedHoursCalendar Extended(TimeZoneInfo zone, int revision = 1, Guid? id = null) =>
        new(new BusinessCalendar(zone, Week(Weekdays, Range(7, 20))), new CalendarRevision(id ?? ExtendedId, revision));

    private static ClientCalendars NewYorkClient(ExtendedHoursCalendar? extended = null) =>
        ClientCalendars.From(NewYorkOffice) with { ExtendedHours = extended ?? Extended(NewYork) };

    /// <summary>standard's targets, with P1 and P2 served and counted in extended hours.</summary>
    private static TierPolicy ExtendedTier(Guid? calendar = null)
    {
        var standard = SlaPolicySet.Default.For("standard");
        return standard with
        {
            Tier = "extended",
            Targets = standard.Targets.ToDictionary(p => p.Key, p => (IReadOnlyList<SlaTarget>)[.. p.Value.Select(t =>
                p.Key is Priority.P1 or Priority.P2 ? t with { Calendar = CalendarKind.ExtendedHours } : t)]),
            Extended = new ExtendedCover(calendar ?? ExtendedId, new HashSet<Priority> { Priority.P1, Priority.P2 }),
        };
    }

    private static TicketClock Start(Priority priority, string enteredLocal, ClientCalendars? calendars = null, TierPolicy? tier = null) =>
        TicketClock.Start(Guid.NewGuid(), Guid.NewGuid(), tier ?? ExtendedTier(), priority, NewYorkTime(enteredLocal), calendars ?? NewYorkClient(),
            ClockSettings.Default);

    private static string WorkBegins(TicketClock clock, TimeZoneInfo? zone = null) =>
        Local(zone ?? NewYork, clock.DueAt(ResponseType.WorkBegins, Commitment.Contractual)!.Value);

    [Theory]
    // Inside extended hours, outside business hours: covered, counted from entry on the extended calendar (P2 work: 4 h).
    [InlineData(Priority.P2, "2026-11-23 18:30", CalendarKind.ExtendedHours, "2026-11-23 18:30 -05:00", false, "2026-11-24 09:30 -05:00")]
    [InlineData(Priority.P1, "2026-11-23 18:30", CalendarKind.ExtendedHours, "2026-11-23 18:30 -05:00", true, "2026-11-24 07:30 -05:00")]
    [InlineData(Priority.P1, "2026-11-23 07:15", CalendarKind.ExtendedHours, "2026-11-23 07:15 -05:00", true, "2026-11-23 09:15 -05:00")]
    // In business hours nobody is paged, whatever the cover.
    [InlineData(Priority.P1, "2026-11-23 10:00", CalendarKind.BusinessHours, "2026-11-23 10:00 -05:00", false, "2026-11-23 12:00 -05:00")]
    // Outside extended hours: the clock waits for their next opening, an hour before the office's.
    [InlineData(Priority.P2, "2026-11-23 21:00", null, "2026-11-24 07:00 -05:00", false, "2026-11-24 11:00 -05:00")]
    [InlineData(Priority.P1, "2026-11-28 12:00", null, "2026-11-30 07:00 -05:00", false, "2026-11-30 09:00 -05:00")]
    // A priority the extended hours do not cover waits for business hours.
    [InlineData(Priority.P3, "2026-11-23 18:30", null, "2026-11-24 08:00 -05:00", false, "2026-11-26 -")]
    public void The_tier_covers_its_extended_priorities_while_the_extended_calendar_is_open(
        Priority priority, string enteredLocal, CalendarKind? coveredBy, string countsFrom, bool pagesOnCall, string workBegins)
    {
        var coverage = ExtendedTier().CoverageAt(priority, NewYorkTime(enteredLocal), NewYorkClient());
        var clock = Start(priority, enteredLocal);

        Assert.Equal((coveredBy, coveredBy is not null, countsFrom, pagesOnCall),
            (coverage.CoveredBy, coverage.Covered, Local(NewYork, coverage.CountsFrom), coverage.PagesOnCall));
        Assert.Equal(coverage.CountsFrom, clock.StartedAt);
        if (!workBegins.EndsWith('-')) Assert.Equal(workBegins, WorkBegins(clock));
    }

    [Fact]
    public void Extended_hours_count_real_time_over_the_spring_forward_weekend()
    {
        // Friday 19:00 EST: one hour on Friday, then Monday 07:00 EDT plus three.
        var clock = Start(Priority.P2, "2026-03-06 19:00");

        Assert.Equal("2026-03-09 10:00 -04:00", WorkBegins(clock));
        Assert.Equal("2026-03-09 07:00 -04:00", Local(NewYork, Start(Priority.P2, "2026-03-07 23:30").StartedAt));
    }

    [Fact]
    public void The_same_extended_calendar_is_read_in_each_clients_zone()
    {
        var berlin = ClientCalendars.From(BerlinOffice) with { ExtendedHours = Extended(Berlin) };
        var entered = At(Berlin, "2026-11-23 19:00");

        var coverage = ExtendedTier().CoverageAt(Priority.P2, entered, berlin);

        Assert.Equal(CalendarKind.ExtendedHours, coverage.CoveredBy);
        // 19:00 New York is past the New York extended hours: the same tier there waits until Tuesday 07:00.
        Assert.False(ExtendedTier().CoverageAt(Priority.P2, NewYorkTime("2026-11-23 20:00"), NewYorkClient()).Covered);
    }

    [Fact]
    public void Without_its_calendar_an_extended_priority_counts_business_hours()
    {
        var coverage = ExtendedTier().CoverageAt(Priority.P2, NewYorkTime("2026-11-23 18:30"), ClientCalendars.From(NewYorkOffice));

        Assert.Equal((false, "2026-11-24 08:00 -05:00"), (coverage.Covered, Local(NewYork, coverage.CountsFrom)));
    }

    [Fact]
    public void A_P3_raised_at_night_to_an_extended_priority_counts_from_the_next_extended_opening_or_from_the_raise()
    {
        var waiting = Start(Priority.P3, "2026-11-23 21:00");
        Assert.Equal("2026-11-24 08:00 -05:00", Local(NewYork, waiting.StartedAt));

        var raised = waiting.Recalculate(ExtendedTier(), Priority.P2, NewYorkTime("2026-11-23 22:00"), "payroll run blocked");

        var entry = Assert.IsType<TargetsRecalculated>(raised.Ledger[^1]);
        Assert.Equal(("2026-11-24 07:00 -05:00", ExtendedId), (Local(NewYork, entry.StartsAt!.Value), entry.ExtendedCalendar!.Value.CalendarId));
        Assert.Equal("2026-11-24 11:00 -05:00", WorkBegins(raised));

        var early = Start(Priority.P3, "2026-11-24 06:00").Recalculate(ExtendedTier(), Priority.P2, NewYorkTime("2026-11-24 07:30"), "triage");
        Assert.Equal("2026-11-24 07:30 -05:00", Local(NewYork, early.StartedAt));
    }

    [Fact]
    public void Replay_counts_on_every_extended_revision_the_ledger_names_and_refuses_without_them()
    {
        var first = Extended(NewYork, revision: 3);
        var second = new ExtendedHoursCalendar(new BusinessCalendar(NewYork, Week(Weekdays, Range(6, 22))), new CalendarRevision(OtherExtendedId, 1));
        var clock = Start(Priority.P3, "2026-11-23 21:00", NewYorkClient(first))
            .Recalculate(ExtendedTier(OtherExtendedId), Priority.P2, NewYorkTime("2026-11-23 22:00"), "moved to the late-shift tier", second);

        Assert.Equal([first.Source, second.Source], TicketClock.ExtendedCalendarsOf(clock.Ledger));
        Assert.Equal("2026-11-24 06:00 -05:00", Local(NewYork, clock.StartedAt));
        var replayed = TicketClock.Replay(clock.Ledger, ClientCalendars.From(NewYorkOffice), ClockSettings.Default, [second, first]);
        Assert.Equal((clock.StartedAt, WorkBegins(clock), second.Source), (replayed.StartedAt, WorkBegins(replayed), replayed.ExtendedHours!.Source));
        Assert.Throws<ArgumentException>(() => TicketClock.Replay(clock.Ledger, ClientCalendars.From(NewYorkOffice), ClockSettings.Default, [first]));
    }

    [Fact]
    public void A_priority_change_keeps_the_extended_revision_the_clock_started_on()
    {
        var clock = Start(Priority.P2, "2026-11-23 18:30", NewYorkClient(Extended(NewYork, revision: 2)));

        var raised = clock.Recalculate(ExtendedTier(), Priority.P1, NewYorkTime("2026-11-23 18:45"), "outage");

        Assert.Equal(new CalendarRevision(ExtendedId, 2), Assert.IsType<TargetsRecalculated>(raised.Ledger[^1]).ExtendedCalendar);
    }

    [Fact]
    public void A_tier_counting_in_extended_hours_it_does_not_cover_or_naming_no_priority_is_refused()
    {
        var tier = ExtendedTier();
        var p3 = tier.Targets[Priority.P3].Select(t => t with { Calendar = CalendarKind.ExtendedHours }).ToList();
        var problems = (tier with { Targets = new Dictionary<Priority, IReadOnlyList<SlaTarget>>(tier.Targets) { [Priority.P3] = p3 } }).Findings().ToList();
        var empty = (tier with { Extended = new ExtendedCover(ExtendedId, new HashSet<Priority>()) }).Findings().ToList();

        Assert.All(problems, p => Assert.Equal((Priority.P3, TargetPart.Calendar), (p.Priority!.Value, p.Part)));
        Assert.Equal(2, problems.Count);
        Assert.Equal([TargetPart.ExtendedHours, TargetPart.Calendar, TargetPart.Calendar, TargetPart.Calendar, TargetPart.Calendar],
            empty.Select(p => p.Part));
    }
}
