namespace Sla.Api.Domain;

/// <summary>Open hours within one local day, e.g. 08:00-12:00. Closes at 00:00 means open until midnight.</summary>
public readonly record struct OpenRange(TimeOnly Opens, TimeOnly Closes)
{
    public static readonly OpenRange AllDay = new(TimeOnly.MinValue, TimeOnly.MinValue);

    public bool UntilMidnight => Closes == TimeOnly.MinValue;
    public bool IsValid => UntilMidnight || Closes > Opens;
}

/// <summary>
/// When a client's business is open: a time zone, weekly open ranges and whole-day holidays.
/// Business time is counted only while open, so "4 business hours" from Friday 16:00 on a 08:00-17:00 calendar
/// ends Monday 11:00. Local times that a DST change skips move to the first valid instant; repeated local
/// times take their first occurrence.
/// </summary>
public sealed class BusinessCalendar
{
    private const int MaxDaysSearched = 3700; // ten years: a calendar with no open time at all must not loop forever
    private readonly IReadOnlyDictionary<DayOfWeek, OpenRange[]> _week;
    private readonly HashSet<DateOnly> _holidays;

    public BusinessCalendar(TimeZoneInfo timeZone, IReadOnlyDictionary<DayOfWeek, OpenRange[]> week, IEnumerable<DateOnly>? holidays = null)
    {
        TimeZone = timeZone;
        _week = week;
        _holidays = [.. holidays ?? []];
        if (_week.Values.Any(day => day.Any(range => !range.IsValid)))
            throw new ArgumentException("Every open range must close after it opens.", nameof(week));
        if (!_week.Values.Any(day => day.Length > 0))
            throw new ArgumentException("A business calendar needs at least one open range.", nameof(week));
    }

    public TimeZoneInfo TimeZone { get; }

    /// <summary>24x7: every instant is business time (premium P1 coverage).</summary>
    public static BusinessCalendar AlwaysOpen(TimeZoneInfo timeZone) =>
        new(timeZone, Enum.GetValues<DayOfWeek>().ToDictionary(day => day, _ => new[] { OpenRange.AllDay }));

    /// <summary>The instant when <paramref name="businessTime"/> of open time has passed since <paramref name="start"/>.</summary>
    public DateTimeOffset Add(DateTimeOffset start, TimeSpan businessTime)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(businessTime, TimeSpan.Zero);
        var remaining = businessTime;
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(start, TimeZone).DateTime);
        for (var i = 0; i < MaxDaysSearched; i++, day = day.AddDays(1))
        {
            if (_holidays.Contains(day) || !_week.TryGetValue(day.DayOfWeek, out var ranges)) continue;
            foreach (var range in ranges)
            {
                var opens = ToInstant(day, range.Opens);
                var closes = range.UntilMidnight ? ToInstant(day.AddDays(1), TimeOnly.MinValue) : ToInstant(day, range.Closes);
                if (closes <= start) continue;
                var from = opens > start ? opens : start;
                var available = closes - from;
                if (remaining <= available) return from + remaining;
                remaining -= available;
            }
        }
        throw new InvalidOperationException($"No open time within {MaxDaysSearched} days of {start:O}.");
    }

    /// <summary>The first open instant at or after <paramref name="instant"/>.</summary>
    public DateTimeOffset NextOpen(DateTimeOffset instant) => Add(instant, TimeSpan.Zero);

    private DateTimeOffset ToInstant(DateOnly day, TimeOnly time)
    {
        var local = day.ToDateTime(time);
        while (TimeZone.IsInvalidTime(local)) local = local.AddMinutes(1);
        var offset = TimeZone.IsAmbiguousTime(local)
            ? TimeZone.GetAmbiguousTimeOffsets(local).Max()
            : TimeZone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }
}
