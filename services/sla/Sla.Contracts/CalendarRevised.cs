namespace Sla.Contracts;

/// <summary>
/// A business calendar's revision, whole: sla publishes it when an admin stores a revision, and again at each start
/// for every calendar's current revision (so a service that subscribed later still learns them). Revisions never
/// change, so a consumer keeps the highest revision per calendar and ignores copies and older ones.
/// </summary>
/// <param name="TimeZone">An IANA id ("America/New_York").</param>
/// <param name="Week">Open hours per weekday; a day that is not listed is closed.</param>
/// <param name="Holidays">Dates whose open hours replace the weekday's (none: closed all day).</param>
public sealed record CalendarRevised(
    Guid CalendarId,
    int Revision,
    string Name,
    string TimeZone,
    IReadOnlyList<CalendarRevisedDay> Week,
    IReadOnlyList<CalendarRevisedHoliday> Holidays,
    DateTimeOffset At,
    string By);

/// <param name="Closes">00:00 means midnight.</param>
public sealed record CalendarRevisedRange(TimeOnly Opens, TimeOnly Closes);

public sealed record CalendarRevisedDay(DayOfWeek Day, IReadOnlyList<CalendarRevisedRange> OpenHours);

public sealed record CalendarRevisedHoliday(DateOnly Date, string? Name, IReadOnlyList<CalendarRevisedRange> OpenHours);
