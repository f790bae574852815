using System.Globalization;

namespace StaffConsole.Api;

// What the admin screens read from the services (sla's calendars and tiers, tickets' directory and teams, billing's
// agreements), in the services' own JSON shapes.

public sealed record OpenRangeView(string? Opens, string? Closes);

public sealed record HolidayView(string? Date, string? Name, OpenRangeView[]? OpenHours);

public sealed record CalendarView(Guid Id, string Name, string TimeZone, Dictionary<string, OpenRangeView[]> Week, HolidayView[] Holidays, int Revision,
    bool IsDefault, DateTimeOffset ChangedAt, string ChangedBy);

public sealed record TierTargetView(string Priority, string Type, int ContractualMinutes, int InternalMinutes, string Calendar);

/// <param name="ExtendedHours">Sent back as read: the screen does not edit extended-hours cover yet.</param>
public sealed record TierView(string Name, bool AfterHoursCovered, bool EmergencyCovered, TierTargetView[] Targets, int Revision, bool IsDefault,
    System.Text.Json.JsonElement? ExtendedHours);

public sealed record DueView(TimeSpan Budget, DateTimeOffset? DueAt, string? DueAtLocal);

public sealed record DueTargetView(string Target, string Calendar, DueView Contractual, DueView Internal);

public sealed record DuePriorityView(string Priority, bool Covered, DateTimeOffset CountsFrom, string CountsFromLocal, DueTargetView[] Targets);

public sealed record DuePreview(string Tier, string TimeZone, DateTimeOffset At, string AtLocal, DuePriorityView[] Priorities);

public sealed record ClientContactView(Guid Id, string Name, string[] Emails, string[] Phones, int? CallDownPosition);

public sealed record ClientView(Guid Id, string Name, string Tier, string? CalendarId, bool Active, int Revision, ClientContactView[] Contacts, Guid[] CallDownList);

public sealed record RateView(string WorkType, decimal BusinessHours, decimal? AfterHours);

public sealed record AgreementView(Guid Id, Guid ClientId, int Version, DateOnly EffectiveFrom, DateOnly? EffectiveTo, DateOnly? NoticeDate,
    string? Tier, string Currency, decimal MonthlyFee, RateView[] Rates, decimal AfterHoursMultiplier, decimal EmergencyMinimumCharge,
    int RoundingIncrementMinutes, string RoundingScope, string[] NonBillableWorkTypes, bool AfterHoursApprovalRequired,
    bool AfterHoursPreAuthorised, DateTimeOffset CreatedAt, string CreatedBy, decimal? AfterHoursPreAuthorisedHours);

public sealed record TeamDetailView(Guid Id, string Name, string? Description, string[] Members, string? Lead, int PageWaitSeconds, int PageRounds);

public sealed record RoutingRuleView(Guid Id, int Order, Guid? ClientId, string? Channel, Guid TeamId);

public sealed record RotationVersionView(DateTimeOffset EffectiveFrom, string[] People, int TurnDays, string Handoff, string TimeZone, DateOnly FirstTurn);

public sealed record RotationView(Guid Id, Guid TeamId, string Layer, RotationVersionView[] Versions);

public sealed record OverrideView(Guid Id, Guid TeamId, string Layer, string Person, DateTimeOffset From, DateTimeOffset To, string? Reason);

public sealed record OnCallGap(DateTimeOffset From, DateTimeOffset To);

public sealed record OnCallGapsView(Guid TeamId, DateTimeOffset From, DateTimeOffset To, OnCallGap[] Primary, OnCallGap[] Backup);

/// <param name="Path">The feed's path on the gateway, with its secret: shown once, when issued.</param>
public sealed record RotationFeedView(Guid RotationId, string Path, DateTimeOffset IssuedAt);

/// <summary>Turning what an admin types into what the APIs take; the APIs judge it (their problems name the field).</summary>
public static class AdminText
{
    /// <summary>"08:00-12:00, 13:00-17:00" to open ranges; blank is closed. A malformed range is sent as typed, for the API to name.</summary>
    public static OpenRangeView[] Ranges(string? text) =>
        [.. (text ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(range =>
        {
            var parts = range.Split(['-', '–'], 2, StringSplitOptions.TrimEntries);
            return new OpenRangeView(parts[0], parts.Length > 1 ? parts[1] : null);
        })];

    public static string Ranges(IEnumerable<OpenRangeView>? ranges) => string.Join(", ", (ranges ?? []).Select(r => $"{r.Opens}-{r.Closes}"));

    /// <summary>A list typed one per line or separated by commas.</summary>
    public static string[] List(string? text) =>
        [.. (text ?? "").Split([',', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    /// <summary>
    /// A wall-clock time from a datetime-local input, read in an IANA zone, as an instant with its offset (what the APIs
    /// require); the text as typed when it cannot be read, so the API names the field.
    /// </summary>
    public static string Instant(string? local, string? zone)
    {
        if (!DateTime.TryParse(local, CultureInfo.InvariantCulture, DateTimeStyles.None, out var wall)) return local ?? "";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone ?? "", out var tz)) tz = TimeZoneInfo.Utc;
        return new DateTimeOffset(wall, tz.GetUtcOffset(wall)).ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
    }

    /// <summary>An instant as the wall clock in an IANA zone reads it, with the offset: "Mon 2026-12-07 08:00 (+01:00)".</summary>
    public static string Local(DateTimeOffset at, string? zone)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(zone ?? "", out var tz)) tz = TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(at, tz);
        return local.ToString("ddd yyyy-MM-dd HH:mm '('zzz')'", CultureInfo.InvariantCulture);
    }
    /// <summary>
    /// An amount typed as decimal text ("120", "97.50"; a point, no thousands separators) as a JSON number; blank is left
    /// out (null); anything else is sent as typed, so that the API refuses it by the field's name instead of the console
    /// guessing ("1,5" is one and a half or fifteen?).
    /// </summary>
    public static object? Amount(string? text) =>
        string.IsNullOrWhiteSpace(text) ? null
        : decimal.TryParse(text.Trim(), NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var amount)
            ? amount : text.Trim();

    /// <summary>An amount as the admin typed it back into a form: invariant, its scale kept.</summary>
    public static string Amount(decimal? amount) => amount?.ToString(CultureInfo.InvariantCulture) ?? "";

    public static string Minutes(int minutes) => minutes % 60 == 0 ? $"{minutes / 60} h" : minutes > 60 ? $"{minutes / 60} h {minutes % 60} min" : $"{minutes} min";
}
