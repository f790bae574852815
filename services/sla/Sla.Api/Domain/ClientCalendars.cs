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

/// <summary>A client's calendars: its business hours, 24x7 in the same time zone for targets that run around the clock,
/// and the tier's extended hours when it has them; <paramref name="Source"/> is the stored revision of the business hours.</summary>
public sealed record ClientCalendars(BusinessCalendar BusinessHours, BusinessCalendar AroundTheClock, CalendarRevision Source = default)
{
    /// <summary>The tier's extended-hours calendar in the client's zone (docs/adr/0042); null when the tier has none.</summary>
    public ExtendedHoursCalendar? ExtendedHours { get; init; }

    public static ClientCalendars From(BusinessCalendar businessHours, CalendarRevision source = default) =>
        new(businessHours, BusinessCalendar.AlwaysOpen(businessHours.TimeZone), source);

    /// <summary>An extended-hours target without the calendar (a tier naming one sla lacks) counts business hours.</summary>
    public BusinessCalendar For(CalendarKind kind) => kind switch
    {
        CalendarKind.AroundTheClock => AroundTheClock,
        CalendarKind.ExtendedHours => ExtendedHours?.Calendar ?? BusinessHours,
        _ => BusinessHours,
    };
}

/// <summary>
/// A stored calendar's revision (<paramref name="Source"/>) built in a client's zone: the tier gives the hours, the client
/// the zone, so one "Mon-Fri 07:00-20:00" serves clients in every zone. Revisions never change, so neither does this.
/// </summary>
public sealed record ExtendedHoursCalendar(BusinessCalendar Calendar, CalendarRevision Source);
