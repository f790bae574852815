namespace Notify.Api.Endpoints;

/// <summary>The checks contacts' and staff's preferences share, each naming its field in the 400 it adds to.</summary>
internal static class PreferenceChecks
{
    /// <summary>A channel list, trimmed, lower case, each channel once; null when not given; an error when empty or unknown.</summary>
    public static string[]? Channels(Dictionary<string, string[]> errors, string field, string[]? given, IReadOnlyCollection<string> known)
    {
        if (given is null) return null;
        var channels = given.Select(c => c?.Trim().ToLowerInvariant() ?? "").Distinct().ToArray();
        if (channels.Length == 0 || channels.Any(c => !known.Contains(c)))
            errors[field] = [$"List one or more of {string.Join(", ", known)}."];
        return channels;
    }

    /// <summary>An IANA zone id, trimmed; null when not given; an error when the system does not know it.</summary>
    public static string? TimeZone(Dictionary<string, string[]> errors, string field, string? given)
    {
        var timeZone = given?.Trim();
        if (timeZone is not null && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
            errors[field] = [$"'{timeZone}' is not a time zone id (IANA, e.g. Europe/Berlin)."];
        return timeZone;
    }
}
