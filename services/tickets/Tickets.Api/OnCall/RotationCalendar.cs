using Ical.Net;
using Ical.Net.CalendarComponents;
using Ical.Net.DataTypes;
using Ical.Net.Serialization;
using ServiceDesk.Platform.Calendars;

namespace Tickets.Api.OnCall;

/// <summary>
/// A rotation as an iCalendar feed (RFC 5545): one event per turn, in the rotation's zone, so a calendar shows the
/// hand-off at its wall-clock time. Export only: the schedule is edited through the API.
/// </summary>
public static class RotationCalendar
{
    public const string ContentType = "text/calendar; charset=utf-8";

    /// <summary>The turns overlapping [<paramref name="from"/>, <paramref name="to"/>); a turn an edit cut short ends at the edit.</summary>
    public static string Render(Rotation rotation, string teamName, DateTimeOffset from, DateTimeOffset to)
    {
        var calendar = new Calendar { ProductId = "-//ServiceDesk//On-call rotations//EN" };
        var versions = rotation.Versions.OrderBy(v => v.EffectiveFrom).ThenBy(v => v.Id).ToList();
        foreach (var zoneId in versions.Select(v => v.TimeZone).Distinct()) calendar.AddTimeZone(VTimeZone.FromDateTimeZone(zoneId));
        for (var i = 0; i < versions.Count; i++)
        {
            var version = versions[i];
            var effectiveTo = i + 1 < versions.Count ? versions[i + 1].EffectiveFrom : DateTimeOffset.MaxValue;
            if (!TimeZones.TryFind(version.TimeZone, out var zone)) continue;
            var start = Max(version.EffectiveFrom, from);
            var end = effectiveTo < to ? effectiveTo : to;
            foreach (var turn in Turns.Between(version, zone, start, end))
            {
                var turnStart = Max(turn.Start, version.EffectiveFrom);
                var turnEnd = turn.End < effectiveTo ? turn.End : effectiveTo;
                calendar.Events.Add(new CalendarEvent
                {
                    // Stable across fetches, so a subscribed calendar updates the event instead of adding another.
                    Uid = $"{rotation.Id:N}-{turnStart.UtcDateTime:yyyyMMddTHHmmssZ}@servicedesk",
                    Summary = $"{turn.Person} on call ({rotation.Layer.ToString().ToLowerInvariant()}), {teamName}",
                    DtStart = Local(turnStart, zone, version.TimeZone),
                    DtEnd = Local(turnEnd, zone, version.TimeZone),
                });
            }
        }
        return new CalendarSerializer().SerializeToString(calendar)!;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static CalDateTime Local(DateTimeOffset at, TimeZoneInfo zone, string zoneId)
    {
        var local = TimeZoneInfo.ConvertTime(at, zone);
        return new CalDateTime(local.Year, local.Month, local.Day, local.Hour, local.Minute, local.Second, zoneId);
    }
}
