namespace ServiceDesk.Platform.Calendars;

public static class TimeZones
{
    /// <summary>An IANA time zone ("America/New_York"), not a Windows name: notify and clients read the id.</summary>
    public static bool TryFind(string? id, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out TimeZoneInfo? zone)
    {
        zone = null;
        return !string.IsNullOrWhiteSpace(id) && TimeZoneInfo.TryFindSystemTimeZoneById(id, out zone) && zone.HasIanaId;
    }
}
