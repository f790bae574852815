namespace ServiceDesk.Platform.Calendars;

/// <summary>
/// The business hours a fresh installation counts on: weekdays 08:00-17:00 New York. sla's default calendar starts
/// from them (Sla:Calendar's defaults), and tickets' after-hours gate uses them until it has heard of any calendar from
/// sla, so the gate never opens wider than sla would count. One place, so the two cannot drift apart.
/// </summary>
public static class DefaultBusinessHours
{
    public const string TimeZone = "America/New_York";
    public static readonly TimeOnly Opens = new(8, 0);
    public static readonly TimeOnly Closes = new(17, 0);
    public static readonly DayOfWeek[] Days = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    /// <summary>The hours as a calendar (no holidays).</summary>
    public static BusinessCalendar Calendar() => new(TimeZoneInfo.FindSystemTimeZoneById(TimeZone),
        Days.ToDictionary(day => day, _ => new[] { new OpenRange(Opens, Closes) }));
}
