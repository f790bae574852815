using System.ComponentModel.DataAnnotations;

namespace Sla.Api.Domain;

/// <summary>The default business calendar ("Sla:Calendar"), used for every client until calendars are per client.</summary>
public sealed class CalendarOptions : IValidatableObject
{
    public const string Section = "Sla:Calendar";

    public string TimeZone { get; set; } = "America/New_York";
    public TimeOnly Opens { get; set; } = new(8, 0);
    public TimeOnly Closes { get; set; } = new(17, 0);
    public DayOfWeek[] Days { get; set; } = [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(TimeZone, out _))
            yield return new ValidationResult($"{Section}:TimeZone '{TimeZone}' is not a known IANA time zone.");
        if (Closes <= Opens)
            yield return new ValidationResult($"{Section}:Closes must be after {Section}:Opens.");
        if (Days.Length == 0)
            yield return new ValidationResult($"{Section}:Days must name at least one day.");
    }

    public BusinessCalendar ToCalendar() => new(
        TimeZoneInfo.FindSystemTimeZoneById(TimeZone),
        Days.Distinct().ToDictionary(day => day, _ => new[] { new OpenRange(Opens, Closes) }));
}
