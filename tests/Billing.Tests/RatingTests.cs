using Billing.Api.Domain;
using ServiceDesk.Platform.Calendars;

namespace Billing.Tests;

/// <summary>Vectors for splitting and pricing time on a client's business calendar (no infrastructure needed).</summary>
public sealed class RatingTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly Guid Ticket = Guid.NewGuid();

    /// <summary>Mon-Fri 08:00-17:00 New York; Thanksgiving closed; Dec 24 closes at noon.</summary>
    private static readonly BusinessCalendar Office = new(NewYork,
        new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .ToDictionary(d => d, _ => new[] { new OpenRange(new(8, 0), new(17, 0)) }),
        [Holiday.Closed(new(2026, 11, 26)), Holiday.OpenOnly(new(2026, 12, 24), new OpenRange(new(8, 0), new(12, 0)))]);

    [Theory]
    [InlineData("2026-11-23T16:30", 90, 30, 60)]   // the example: 17:00 close
    [InlineData("2026-11-23T07:45", 30, 15, 15)]   // the opening edge
    [InlineData("2026-11-23T08:00", 540, 540, 0)]  // exactly the open day
    [InlineData("2026-11-22T23:30", 60, 0, 60)]    // Sunday into Monday's small hours: across midnight, all after hours
    [InlineData("2026-11-26T10:00", 60, 0, 60)]    // Thanksgiving: closed all day
    [InlineData("2026-12-24T11:30", 60, 30, 30)]   // Christmas Eve closes at noon
    [InlineData("2026-11-27T16:00", 180, 60, 120)] // Friday into the weekend
    public void Entry_is_split_at_the_calendars_open_and_close(string localStart, int minutes, int business, int afterHours)
    {
        var rated = RateOne(Entry(Local(localStart), minutes), Agreement());
        Assert.Equal((business, afterHours), (Minutes(rated, HoursKind.BusinessHours), Minutes(rated, HoursKind.AfterHours)));
    }

    [Fact]
    public void Midnight_opening_splits_an_entry_that_crosses_midnight()
    {
        // A night desk: Monday opens at 00:00.
        var nights = new BusinessCalendar(NewYork, new Dictionary<DayOfWeek, OpenRange[]> { [DayOfWeek.Monday] = [new(new(0, 0), new(6, 0))] });
        var rated = Rater.Rate([Entry(Local("2026-11-22T23:30"), 60)], [Agreement()], nights, Approved()).Single();
        Assert.Equal((30, 30), (Minutes(rated, HoursKind.BusinessHours), Minutes(rated, HoursKind.AfterHours)));
    }

    [Fact]
    public void Spring_forward_counts_real_minutes_and_opens_when_the_clocks_jump()
    {
        // Open daily from 03:00; on 2026-03-08 the clocks jump from 02:00 to 03:00.
        var daily = new BusinessCalendar(NewYork, Enum.GetValues<DayOfWeek>().ToDictionary(d => d, _ => new[] { new OpenRange(new(3, 0), new(17, 0)) }));
        var start = new DateTimeOffset(2026, 3, 8, 1, 30, 0, TimeSpan.FromHours(-5)); // 01:30 EST
        var rated = Rater.Rate([Entry(start, 60)], [Agreement()], daily, Approved()).Single(); // ends 03:30 EDT
        Assert.Equal((30, 30), (Minutes(rated, HoursKind.BusinessHours), Minutes(rated, HoursKind.AfterHours)));
    }

    [Fact]
    public void Fall_back_counts_the_repeated_hour_as_worked()
    {
        // Open daily from 01:30 (the first time the wall clock reads it); on 2026-11-01 01:00-02:00 happens twice.
        var daily = new BusinessCalendar(NewYork, Enum.GetValues<DayOfWeek>().ToDictionary(d => d, _ => new[] { new OpenRange(new(1, 30), new(17, 0)) }));
        var start = new DateTimeOffset(2026, 11, 1, 0, 30, 0, TimeSpan.FromHours(-4)); // 00:30 EDT
        var rated = Rater.Rate([Entry(start, 120)], [Agreement()], daily, Approved()).Single(); // ends 01:30 EST
        Assert.Equal((60, 60), (Minutes(rated, HoursKind.BusinessHours), Minutes(rated, HoursKind.AfterHours)));
    }

    [Fact]
    public void Raw_and_billed_minutes_are_kept_side_by_side_when_rounding_per_entry()
    {
        var rated = RateOne(Entry(Local("2026-11-23T16:50"), 20), Agreement(increment: 15));
        Assert.Equal([(HoursKind.BusinessHours, 10, 15, 25.00m), (HoursKind.AfterHours, 10, 15, 37.50m)],
            rated.Parts.Select(p => (p.Hours, p.RawMinutes, p.BilledMinutes, p.Amount)));
    }

    [Fact]
    public void Rounding_per_ticket_and_day_rounds_the_days_minutes_once()
    {
        var agreement = Agreement(increment: 15, scope: RoundingScope.PerTicketDay);
        var entries = new[] { Entry(Local("2026-11-23T09:00"), 10), Entry(Local("2026-11-23T10:00"), 10), Entry(Local("2026-11-24T09:00"), 15) };
        var rated = Rater.Rate(entries, [agreement], Office, Approved());
        // Monday: 20 raw minutes become 30 billed, the 10 extra on the day's last entry; Tuesday's 15 need nothing.
        Assert.Equal([(10, 10), (10, 20), (15, 15)], rated.Select(r => (r.Parts[0].RawMinutes, r.Parts[0].BilledMinutes)));
        Assert.Equal(50.00m + 25.00m, rated.Sum(r => r.Amount));
    }

    [Fact]
    public void Work_is_rated_by_the_agreement_version_in_force_on_its_local_day()
    {
        var v1 = Agreement(rate: 100m, from: new(2026, 11, 1), version: 1);
        var v2 = Agreement(rate: 120m, from: new(2026, 11, 24), version: 2);
        // v2 takes over on the 24th: Monday's work keeps v1's rate.
        var rated = Rater.Rate([Entry(Local("2026-11-23T09:00"), 60), Entry(Local("2026-11-24T09:00"), 60)], [v2, v1], Office, Approved());
        Assert.Equal([(1, 100.00m), (2, 120.00m)], rated.Select(r => (r.Agreement!.Version, r.Amount)));
    }

    [Fact]
    public void After_hours_work_waits_for_an_approval_and_is_billed_at_the_quoted_rate()
    {
        var entry = Entry(Local("2026-11-23T16:30"), 90);
        var waiting = Rater.Rate([entry], [Agreement()], Office, Approved()).Single();
        Assert.Equal(BillingState.AwaitingApproval, waiting.State);

        var approval = new Approval
        {
            ApprovalId = Guid.NewGuid(), TicketId = Ticket, ApproverName = "Dana Reyes", Method = "phone", QuotedRate = 200m, At = entry.StartedAt,
            RecordedBy = "oscar",
        };
        var approved = Rater.Rate([entry], [Agreement()], Office, Approved(approval)).Single();
        Assert.Equal(BillingState.Billable, approved.State);
        Assert.Equal([(HoursKind.BusinessHours, 50.00m), (HoursKind.AfterHours, 200.00m)], approved.Parts.Select(p => (p.Hours, p.Amount)));

        var preAuthorised = Rater.Rate([entry], [Agreement(preAuthorised: true)], Office, Approved()).Single();
        Assert.Equal((BillingState.Billable, 50.00m + 150.00m), (preAuthorised.State, preAuthorised.Amount)); // multiplier 1.5
    }

    [Fact]
    public void Emergency_entries_cost_at_least_the_minimum_charge_and_non_billable_types_are_no_charge()
    {
        var emergency = Entry(Local("2026-11-23T10:00"), 15, WorkType.Emergency);
        var rated = RateOne(emergency, Agreement(minimum: 150m));
        Assert.Equal(150.00m, rated.Amount);
        Assert.Contains("emergency minimum", rated.Parts[^1].Note, StringComparison.Ordinal);

        var free = RateOne(Entry(Local("2026-11-23T10:00"), 30), Agreement(nonBillable: ["BusinessHours"]));
        Assert.Equal(BillingState.NoCharge, free.State);
    }

    [Fact]
    public void Entries_without_an_agreement_or_calendar_are_unrated_with_a_reason()
    {
        var entry = Entry(Local("2026-11-23T10:00"), 30);
        Assert.Equal(BillingState.Unrated, Rater.Rate([entry], [], Office, Approved()).Single().State);
        Assert.Equal(BillingState.Unrated, Rater.Rate([entry], [Agreement()], null, Approved()).Single().State);
        Assert.Contains("agreement", Rater.Rate([entry], [Agreement(from: new(2026, 12, 1))], Office, Approved()).Single().Reason,
            StringComparison.Ordinal);
        Assert.Equal(BillingState.Unrated, Rater.Rate([Entry(Local("2026-11-23T10:00"), -30)], [Agreement()], Office, Approved()).Single().State);
    }

    [Fact]
    public void Blocks_are_drawn_in_order_of_expiry_and_one_running_out_mid_entry_leaves_the_rest_charged()
    {
        var later = new BlockBalance(Guid.NewGuid(), new(2026, 1, 1), new(2027, 6, 30), 600);
        var sooner = new BlockBalance(Guid.NewGuid(), new(2026, 1, 1), new(2026, 12, 31), 60);
        var expired = new BlockBalance(Guid.NewGuid(), new(2025, 1, 1), new(2025, 12, 31), 600);
        var first = Entry(Local("2026-11-23T09:00"), 45);
        var second = Entry(Local("2026-11-23T13:00"), 30);
        var rated = Rater.Rate([second, first], [Agreement()], Office, Approved(), [later, sooner, expired]);

        var byEntry = rated.ToDictionary(r => r.Entry.TimeEntryId);
        // The first 45 minutes come from the block expiring first; the second entry takes its last 15, then 15 from the next.
        Assert.Equal((BillingState.Covered, 0m), (byEntry[first.TimeEntryId].State, byEntry[first.TimeEntryId].Amount));
        Assert.Equal([(sooner.Id, 15), (later.Id, 15)], byEntry[second.TimeEntryId].Parts.Select(p => (p.BlockId!.Value, p.BilledMinutes)));

        // With only the hour that expires first, the second entry's last 15 minutes are charged.
        var shortBlock = Rater.Rate([second, first], [Agreement()], Office, Approved(), [sooner]).Single(r => r.Entry == second);
        Assert.Equal([(15, 0.00m, true), (15, 25.00m, false)], shortBlock.Parts.Select(p => (p.BilledMinutes, p.Amount, p.BlockId is not null)));
        Assert.Equal(BillingState.Billable, shortBlock.State);
    }

    [Theory]
    [InlineData(0.125, "USD", 0.13)]   // away from zero, not to even (0.12)
    [InlineData(-0.125, "USD", -0.13)] // a credit mirrors its invoice
    [InlineData(0.135, "USD", 0.14)]
    [InlineData(1234.5, "JPY", 1235)]  // no minor unit
    [InlineData(1.2345, "KWD", 1.235)] // three decimals
    public void Money_is_rounded_to_the_currencys_minor_unit_away_from_zero(double amount, string currency, double expected) =>
        Assert.Equal((decimal)expected, Money.Round((decimal)amount, currency));

    [Fact]
    public void Minutes_are_priced_then_rounded_once() =>
        Assert.Equal(11.67m, Money.ForMinutes(7, 100m, "USD")); // 11.666...

    private static RatedEntry RateOne(TimeEntry entry, AgreementVersion agreement) =>
        Rater.Rate([entry], [agreement], Office, Approved()).Single();

    private static int Minutes(RatedEntry rated, HoursKind hours) => rated.Parts.Where(p => p.Hours == hours).Sum(p => p.RawMinutes);

    private static ILookup<Guid, Approval> Approved(params Approval[] approvals) => approvals.ToLookup(a => a.TicketId);

    private static DateTimeOffset Local(string local)
    {
        var time = DateTime.Parse(local, System.Globalization.CultureInfo.InvariantCulture);
        return new DateTimeOffset(time, NewYork.GetUtcOffset(time));
    }

    private static TimeEntry Entry(DateTimeOffset start, int minutes, WorkType workType = WorkType.BusinessHours) => new()
    {
        TimeEntryId = Guid.NewGuid(), TicketId = Ticket, ClientId = Guid.Empty, Revision = 1, Responder = "tess", RecordedBy = "tess",
        StartedAt = start, EndedAt = start.AddMinutes(minutes), Minutes = minutes, WorkType = workType,
    };

    private static AgreementVersion Agreement(decimal rate = 100m, int increment = 1, RoundingScope scope = RoundingScope.PerEntry,
        DateOnly? from = null, int version = 1, bool preAuthorised = false, decimal minimum = 0m, List<string>? nonBillable = null) => new()
    {
        Id = Guid.NewGuid(), ClientId = Guid.Empty, Version = version, EffectiveFrom = from ?? new(2026, 1, 1), Currency = "USD", CreatedBy = "bea",
        Rates = [new(WorkType.BusinessHours, rate, null), new(WorkType.Emergency, rate * 2, rate * 3)], AfterHoursMultiplier = 1.5m,
        RoundingIncrementMinutes = increment, RoundingScope = scope, AfterHoursPreAuthorised = preAuthorised, EmergencyMinimumCharge = minimum,
        NonBillableWorkTypes = nonBillable ?? [],
    };
}
