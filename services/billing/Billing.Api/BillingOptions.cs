using System.ComponentModel.DataAnnotations;

namespace Billing.Api;

/// <summary>Billing's settings ("Billing"), validated at start-up.</summary>
public sealed class BillingOptions
{
    public const string Section = "Billing";

    /// <summary>sla's default calendar: the hours of clients without a calendar of their own (sla's CalendarRecord.DefaultId).</summary>
    [Required]
    public Guid DefaultCalendarId { get; set; } = Guid.Parse("5e7d0c1a-defa-4017-8000-000000000001");
}
