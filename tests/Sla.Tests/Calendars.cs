using ServiceDesk.Platform.Calendars;
using System.Globalization;
using Sla.Api.Domain;

namespace Sla.Tests;

/// <summary>Calendars and local-time helpers shared by the pure tests.</summary>
internal static class Calendars
{
    public static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    public static readonly TimeZoneInfo Berlin = TimeZoneInfo.FindSystemTimeZoneById("Europe/Berlin");

    public static readonly DayOfWeek[] Weekdays =
        [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    public static OpenRange Range(int opens, int closes) => new(new TimeOnly(opens, 0), new TimeOnly(closes % 24, 0));

    public static Dictionary<DayOfWeek, OpenRange[]> Week(IEnumerable<DayOfWeek> days, params OpenRange[] ranges) =>
        days.ToDictionary(day => day, _ => ranges);

    /// <summary>New York, Monday to Friday 08:00-17:00; Labor Day (Mon 2026-09-07), Thanksgiving (Thu 2026-11-26),
    /// Christmas (Fri 2026-12-25) and New Year's Day (Fri 2027-01-01) closed; Christmas Eve closes at noon.</summary>
    public static readonly BusinessCalendar NewYorkOffice = new(NewYork, Week(Weekdays, Range(8, 17)),
    [
        Holiday.Closed(new DateOnly(2026, 9, 7)),
        Holiday.Closed(new DateOnly(2026, 11, 26)),
        Holiday.OpenOnly(new DateOnly(2026, 12, 24), Range(8, 12)),
        Holiday.Closed(new DateOnly(2026, 12, 25)),
        Holiday.Closed(new DateOnly(2027, 1, 1)),
    ]);

    /// <summary>Berlin, Monday to Friday 08:00-17:00.</summary>
    public static readonly BusinessCalendar BerlinOffice = new(Berlin, Week(Weekdays, Range(8, 17)));

    /// <summary>New York with a lunch break: 08:00-12:00 and 13:00-17:00, and the same holidays.</summary>
    public static readonly BusinessCalendar SplitShift = new(NewYork, Week(Weekdays, Range(8, 12), Range(13, 17)),
        [Holiday.Closed(new DateOnly(2026, 11, 26)), Holiday.OpenOnly(new DateOnly(2026, 12, 24), Range(8, 12))]);

    public static DateTimeOffset At(TimeZoneInfo zone, string local) =>
        TimeZoneInfo.ConvertTimeToUtc(DateTime.Parse(local, CultureInfo.InvariantCulture), zone);

    public static DateTimeOffset NewYorkTime(string local) => At(NewYork, local);

    public static string Local(TimeZoneInfo zone, DateTimeOffset instant) =>
        TimeZoneInfo.ConvertTime(instant, zone).ToString("yyyy-MM-dd HH:mm zzz", CultureInfo.InvariantCulture);
}
