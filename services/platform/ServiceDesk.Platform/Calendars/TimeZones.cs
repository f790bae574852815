namespace ServiceDesk.Platform.Calendars;

public static class TimeZones
{
    /// <summary>An IANA time zone ("America/New_York"), not a Windows name: notify and clients read the id.</summary>
    public static bool TryFind(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        return !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone) && zone.HasIanaId;
    }

    /// <summary>The first instant the wall clock in <paramref name="zone"/> reads <paramref name="time"/> on
    /// <paramref name="day"/>: in the hour clocks repeat, the earlier one; a time the clocks skip becomes the instant they jump.</summary>
    public static DateTimeOffset FirstInstant(this TimeZoneInfo zone, DateOnly day, TimeOnly time)
    {
        var local = zone.SkipGap(day.ToDateTime(time));
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local.Ticks - offset.Ticks, TimeSpan.Zero);
    }

    /// <summary>The last instant the wall clock reads <paramref name="time"/> on <paramref name="day"/>.</summary>
    public static DateTimeOffset LastInstant(this TimeZoneInfo zone, DateOnly day, TimeOnly time)
    {
        var local = zone.SkipGap(day.ToDateTime(time));
        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Min() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local.Ticks - offset.Ticks, TimeSpan.Zero);
    }

    private static DateTime SkipGap(this TimeZoneInfo zone, DateTime local)
    {
        // Gaps are whole minutes (usually an hour); only transition days ever loop here.
        while (zone.IsInvalidTime(local)) local = local.AddMinutes(1);
        return local;
    }
}
