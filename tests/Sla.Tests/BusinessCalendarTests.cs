using ServiceDesk.Platform.Calendars;
using Sla.Api.Domain;
using static Sla.Tests.Calendars;

namespace Sla.Tests;

public sealed class BusinessCalendarTests
{
    [Theory]
    [InlineData("2026-11-23 09:00", 1.0, "2026-11-23 10:00")]   // Monday, inside open hours
    [InlineData("2026-11-23 16:30", 1.0, "2026-11-24 08:30")]   // crosses the close into the next morning
    [InlineData("2026-11-23 16:00", 1.0, "2026-11-23 17:00")]   // ends exactly at the close: due at the close
    [InlineData("2026-11-27 16:00", 4.0, "2026-11-30 11:00")]   // Friday afternoon runs over the weekend
    [InlineData("2026-11-28 22:00", 1.0, "2026-11-30 09:00")]   // Saturday arrival starts Monday at opening
    [InlineData("2026-11-23 09:00", 24.0, "2026-11-25 15:00")]  // P3: 8 + 9 + 7 business hours
    [InlineData("2026-11-25 16:00", 2.0, "2026-11-27 09:00")]   // Thanksgiving Thursday is skipped
    [InlineData("2026-12-23 16:00", 6.0, "2026-12-28 09:00")]   // 1 h, Christmas Eve 4 h (closes at noon), Christmas closed
    [InlineData("2026-12-31 16:30", 1.0, "2027-01-04 08:30")]   // across New Year, the 1st a holiday
    [InlineData("2026-11-23 06:00", 0.0, "2026-11-23 08:00")]   // zero business time: the next open instant
    public void Adds_business_hours_only_while_open(string start, double hours, string expected) =>
        Assert.Equal(NewYorkTime(expected), NewYorkOffice.Add(NewYorkTime(start), TimeSpan.FromHours(hours)));

    [Theory]
    [InlineData("2026-11-23 09:00", "2026-11-23 10:00", 1.0)]
    [InlineData("2026-11-27 16:00", "2026-11-30 11:00", 4.0)]
    [InlineData("2026-11-28 10:00", "2026-11-29 10:00", 0.0)]   // a weekend has no business time
    [InlineData("2026-12-24 07:00", "2026-12-26 12:00", 4.0)]   // half-day Christmas Eve, closed Christmas
    [InlineData("2026-12-31 12:00", "2027-01-05 12:00", 5.0 + 9 + 4)]
    public void Measures_business_time_between_two_instants(string from, string to, double hours) =>
        Assert.Equal(TimeSpan.FromHours(hours), NewYorkOffice.Between(NewYorkTime(from), NewYorkTime(to)));

    [Theory]
    [InlineData("2026-11-23 07:59:59", "2026-11-23 08:00")]
    [InlineData("2026-11-23 08:00", "2026-11-23 08:00")]
    [InlineData("2026-11-23 17:00", "2026-11-24 08:00")]   // the close itself is not open
    [InlineData("2026-12-24 12:30", "2026-12-28 08:00")]   // after the Christmas Eve half day
    public void Next_open_instant(string instant, string expected) =>
        Assert.Equal(NewYorkTime(expected), NewYorkOffice.NextOpen(NewYorkTime(instant)));

    [Fact]
    public void Partial_holiday_closes_at_noon()
    {
        Assert.True(NewYorkOffice.IsOpen(NewYorkTime("2026-12-24 11:59:59")));
        Assert.False(NewYorkOffice.IsOpen(NewYorkTime("2026-12-24 12:00")));
        Assert.Equal(TimeSpan.FromHours(4), NewYorkOffice.Between(NewYorkTime("2026-12-24 00:00"), NewYorkTime("2026-12-25 00:00")));
    }

    [Theory]
    [InlineData("2026-11-23 11:30", 1.0, "2026-11-23 13:30")]   // skips the lunch break
    [InlineData("2026-11-23 12:15", 0.5, "2026-11-23 13:30")]   // arrival in the break starts after lunch
    [InlineData("2026-11-23 11:00", 4.0, "2026-11-23 16:00")]
    [InlineData("2026-11-23 16:00", 5.0, "2026-11-24 12:00")]   // 1 h, then 08:00-12:00: due as lunch starts
    public void Split_shift_day_skips_the_lunch_break(string start, double hours, string expected) =>
        Assert.Equal(NewYorkTime(expected), SplitShift.Add(NewYorkTime(start), TimeSpan.FromHours(hours)));

    [Theory]
    // New York springs forward 2026-03-08 02:00 -> 03:00 and falls back 2026-11-01 02:00 -> 01:00 (Sundays).
    [InlineData("2026-03-06 15:00", 24.0, "2026-03-11 12:00 -04:00")]
    [InlineData("2026-10-30 15:00", 24.0, "2026-11-04 12:00 -05:00")]
    [InlineData("2026-03-06 16:00", 2.0, "2026-03-09 09:00 -04:00")]
    [InlineData("2026-10-30 16:00", 2.0, "2026-11-02 09:00 -05:00")]
    public void Office_hours_keep_their_local_times_across_daylight_saving_changes(string start, double hours, string expected) =>
        Assert.Equal(expected, Local(NewYork, NewYorkOffice.Add(NewYorkTime(start), TimeSpan.FromHours(hours))));

    [Theory]
    // Berlin springs forward 2026-03-29 02:00 -> 03:00 and falls back 2026-10-25 03:00 -> 02:00.
    [InlineData("2026-03-27 16:00", 4.0, "2026-03-30 11:00 +02:00")]
    [InlineData("2026-10-23 16:00", 4.0, "2026-10-26 11:00 +01:00")]
    public void Berlin_office_hours_across_daylight_saving_changes(string start, double hours, string expected) =>
        Assert.Equal(expected, Local(Berlin, BerlinOffice.Add(At(Berlin, start), TimeSpan.FromHours(hours))));

    [Theory]
    // A 00:00-06:00 night shift every day: six hours, five on spring-forward day, seven on fall-back day.
    [InlineData("America/New_York", "2026-03-07", 6.0)]
    [InlineData("America/New_York", "2026-03-08", 5.0)]
    [InlineData("America/New_York", "2026-11-01", 7.0)]
    [InlineData("Europe/Berlin", "2026-03-29", 5.0)]
    [InlineData("Europe/Berlin", "2026-10-25", 7.0)]
    public void Night_shift_lasts_the_real_time_the_wall_clock_shows(string zoneId, string date, double hours)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var night = new BusinessCalendar(zone, Week(Enum.GetValues<DayOfWeek>(), Range(0, 6)));
        var midnight = At(zone, date + " 00:00");

        Assert.Equal(TimeSpan.FromHours(hours), night.Between(midnight, midnight.AddHours(12)));
        Assert.Equal(midnight.AddHours(hours), night.Add(midnight, TimeSpan.FromHours(hours)));
    }

    [Fact]
    public void Range_inside_the_skipped_hour_has_no_open_time()
    {
        var sunday = new BusinessCalendar(NewYork, Week([DayOfWeek.Sunday], new OpenRange(new TimeOnly(2, 0), new TimeOnly(2, 30))));

        Assert.Equal(NewYorkTime("2026-03-15 02:00"), sunday.NextOpen(NewYorkTime("2026-03-08 00:00")));
    }

    [Fact]
    public void Repeated_hour_on_fall_back_day_is_open_both_times()
    {
        var sunday = new BusinessCalendar(NewYork, Week([DayOfWeek.Sunday], Range(1, 2)));
        var opens = NewYorkTime("2026-11-01 00:00").AddHours(1); // 01:00 EDT, the first time the clock reads 01:00

        Assert.Equal(opens.AddHours(2), sunday.Add(opens, TimeSpan.FromHours(2))); // until 02:00 EST
    }

    [Theory]
    [InlineData("America/New_York", "2026-03-08 00:30")]
    [InlineData("America/New_York", "2026-11-01 00:30")]
    [InlineData("Europe/Berlin", "2026-03-29 01:30")]
    [InlineData("Europe/Berlin", "2026-10-25 01:30")]
    public void Around_the_clock_calendar_counts_real_elapsed_time_across_daylight_saving_changes(string zoneId, string start)
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(zoneId);
        var always = BusinessCalendar.AlwaysOpen(zone);
        var from = At(zone, start);

        Assert.Equal(from.AddHours(4), always.Add(from, TimeSpan.FromHours(4)));
        Assert.Equal(TimeSpan.FromHours(30), always.Between(from, from.AddHours(30)));
        Assert.Equal(from, always.NextOpen(from));
    }

    [Fact]
    public void Around_the_clock_calendar_runs_across_new_year() =>
        Assert.Equal(NewYorkTime("2027-01-01 01:00"),
            BusinessCalendar.AlwaysOpen(NewYork).Add(NewYorkTime("2026-12-31 23:00"), TimeSpan.FromHours(2)));

    [Fact]
    public void A_calendar_without_open_time_is_refused()
    {
        var refused = Assert.Throws<ArgumentException>(() => new BusinessCalendar(NewYork, new Dictionary<DayOfWeek, OpenRange[]>()));
        Assert.Contains("at least one open range", refused.Message);
    }

    [Fact]
    public void Overlapping_ranges_and_twice_listed_holidays_are_refused_with_every_problem_named()
    {
        var refused = Assert.Throws<ArgumentException>(() => new BusinessCalendar(NewYork,
            Week([DayOfWeek.Monday], Range(8, 12), Range(11, 17)),
            [Holiday.Closed(new DateOnly(2026, 12, 25)), Holiday.Closed(new DateOnly(2026, 12, 25)),
             Holiday.OpenOnly(new DateOnly(2026, 12, 24), Range(12, 8))]));

        Assert.Contains("Monday: ranges 08:00-12:00 and 11:00-17:00 overlap.", refused.Message);
        Assert.Contains("Holiday 2026-12-25 is listed twice.", refused.Message);
        Assert.Contains("Holiday 2026-12-24: range 12:00-08:00 must close after it opens.", refused.Message);
    }

    [Fact]
    public void Between_refuses_an_end_before_its_start() =>
        Assert.Throws<ArgumentException>(() => NewYorkOffice.Between(NewYorkTime("2026-11-23 10:00"), NewYorkTime("2026-11-23 09:00")));
}
