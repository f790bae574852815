using ServiceDesk.Platform.Calendars;
using System.ComponentModel.DataAnnotations;

namespace Sla.Api.Domain;

/// <summary>
/// The default calendar's hours on first start ("Sla:Calendar"): sla stores them once as the default calendar's
/// revision 1, and from then on the stored calendar is the default (an admin edits it at /api/sla/calendars). Clients
/// without a calendar of their own count on it.
/// </summary>
public sealed class CalendarOptions : IValidatableObject
{
    public const string Section = "Sla:Calendar";

    public string TimeZone { get; set; } = DefaultBusinessHours.TimeZone;
    public TimeOnly Opens { get; set; } = DefaultBusinessHours.Opens;
    /// <summary>00:00 means midnight, so Opens 00:00 with Closes 00:00 on every day is around the clock.</summary>
    public TimeOnly Closes { get; set; } = DefaultBusinessHours.Closes;
    /// <summary>Open days; Monday to Friday when none are configured. (Not initialised here: the configuration binder
    /// appends to an initialised array, so configured days could only ever be added to the default.)</summary>
    public DayOfWeek[] Days { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TimeZones.TryFind(TimeZone, out _))
            yield return new ValidationResult($"{Section}:TimeZone '{TimeZone}' is not a known IANA time zone.");
        if (Closes <= Opens && Closes != TimeOnly.MinValue)
            yield return new ValidationResult($"{Section}:Closes must be after {Section}:Opens (or 00:00 for midnight).");
    }

    /// <summary>The configured week: the same hours on each open day.</summary>
    public Dictionary<DayOfWeek, OpenRange[]> Week() =>
        (Days.Length == 0 ? DefaultBusinessHours.Days : Days).Distinct().ToDictionary(day => day, _ => new[] { new OpenRange(Opens, Closes) });
}
