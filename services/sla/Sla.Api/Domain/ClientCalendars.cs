using ServiceDesk.Platform.Calendars;

namespace Sla.Api.Domain;

/// <summary>
/// Which stored calendar, at which revision, a clock counts on (docs/adr/0019). Revisions are immutable, so the same
/// reference always gives the same hours. The default value names no stored calendar: pure tests, and clocks started
/// before calendars were stored (they ran on the configured calendar, which is the default calendar's revision 1).
/// </summary>
public readonly record struct CalendarRevision(Guid CalendarId, int Revision)
{
    public override string ToString() => $"{CalendarId} revision {Revision}";
}

/// <summary>A client's two calendars: its business hours, and 24x7 in the same time zone for targets that run around the
/// clock; <paramref name="Source"/> is the stored revision they were built from.</summary>
public sealed record ClientCalendars(BusinessCalendar BusinessHours, BusinessCalendar AroundTheClock, CalendarRevision Source = default)
{
    public static ClientCalendars From(BusinessCalendar businessHours, CalendarRevision source = default) =>
        new(businessHours, BusinessCalendar.AlwaysOpen(businessHours.TimeZone), source);

    public BusinessCalendar For(CalendarKind kind) => kind == CalendarKind.AroundTheClock ? AroundTheClock : BusinessHours;
}
