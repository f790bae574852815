using Sla.Api.Domain;

namespace Sla.Tests;

public sealed class BusinessCalendarTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    private static readonly OpenRange NineToFive = new(new TimeOnly(8, 0), new TimeOnly(17, 0));

    /// <summary>Monday to Friday 08:00-17:00 in New York, with Monday 2026-12-28 a holiday.</summary>
    private static readonly BusinessCalendar Office = new(NewYork,
        new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .ToDictionary(day => day, _ => new[] { NineToFive }),
        [Holiday.Closed(new DateOnly(2026, 12, 28))]);

    private static DateTimeOffset NewYorkTime(string local) =>
        TimeZoneInfo.ConvertTimeToUtc(DateTime.Parse(local, System.Globalization.CultureInfo.InvariantCulture), NewYork);

    [Theory]
    [InlineData("2026-11-23 09:00", 1.0, "2026-11-23 10:00")]   // Monday, inside open hours
    [InlineData("2026-11-23 16:30", 1.0, "2026-11-24 08:30")]   // crosses the close into the next morning
    [InlineData("2026-11-27 16:00", 4.0, "2026-11-30 11:00")]   // Friday afternoon runs over the weekend
    [InlineData("2026-11-28 22:00", 1.0, "2026-11-30 09:00")]   // Saturday arrival starts Monday at opening
    [InlineData("2026-11-23 09:00", 24.0, "2026-11-25 15:00")]  // P3: 8 + 9 + 7 business hours
    [InlineData("2026-12-25 16:30", 1.0, "2026-12-29 08:30")]   // Friday before a holiday Monday
    [InlineData("2026-11-23 06:00", 0.0, "2026-11-23 08:00")]   // zero business time: the next open instant
    public void Adds_business_hours_only_while_open(string start, double hours, string expected) =>
        Assert.Equal(NewYorkTime(expected), Office.Add(NewYorkTime(start), TimeSpan.FromHours(hours)));

    [Fact]
    public void Split_shift_skips_the_lunch_break()
    {
        var split = new BusinessCalendar(NewYork, new Dictionary<DayOfWeek, OpenRange[]>
        {
            [DayOfWeek.Monday] = [new(new TimeOnly(8, 0), new TimeOnly(12, 0)), new(new TimeOnly(13, 0), new TimeOnly(17, 0))],
        });

        Assert.Equal(NewYorkTime("2026-11-23 13:30"), split.Add(NewYorkTime("2026-11-23 11:30"), TimeSpan.FromHours(1)));
    }

    [Fact]
    public void Around_the_clock_calendar_counts_real_elapsed_time_across_spring_forward()
    {
        var always = BusinessCalendar.AlwaysOpen(NewYork);
        var beforeChange = NewYorkTime("2026-03-08 00:30"); // clocks jump 02:00 -> 03:00 that night

        var due = always.Add(beforeChange, TimeSpan.FromHours(4));

        Assert.Equal(beforeChange + TimeSpan.FromHours(4), due);
        Assert.Equal(new TimeOnly(5, 30), TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(due, NewYork).DateTime));
    }

    [Fact]
    public void Fall_back_day_open_hours_are_counted_once()
    {
        // 2026-11-01: clocks go back 02:00 -> 01:00. A 00:00-06:00 shift that night lasts seven real hours.
        var night = new BusinessCalendar(NewYork, new Dictionary<DayOfWeek, OpenRange[]>
        {
            [DayOfWeek.Sunday] = [new(TimeOnly.MinValue, new TimeOnly(6, 0))],
        });
        var opens = NewYorkTime("2026-11-01 00:00");

        Assert.Equal(opens + TimeSpan.FromHours(7), night.Add(opens, TimeSpan.FromHours(7)));
    }

    [Fact]
    public void A_calendar_without_open_time_is_refused() =>
        Assert.Throws<ArgumentException>(() => new BusinessCalendar(NewYork, new Dictionary<DayOfWeek, OpenRange[]>()));
}
