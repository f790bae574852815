using System.ComponentModel.DataAnnotations;

namespace Billing.Api;

/// <summary>Billing's settings ("Billing"), validated at start-up.</summary>
public sealed class BillingOptions : IValidatableObject
{
    public const string Section = "Billing";

    /// <summary>sla's default calendar: the hours of clients without a calendar of their own (sla's CalendarRecord.DefaultId).</summary>
    public Guid DefaultCalendarId { get; set; } = Guid.Parse("5e7d0c1a-defa-4017-8000-000000000001");

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (DefaultCalendarId == Guid.Empty)
            yield return new ValidationResult($"{Section}:DefaultCalendarId must name sla's default calendar (not the empty id).");
    }
}
