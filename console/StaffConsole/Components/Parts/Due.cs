using System.Globalization;
using StaffConsole.Api;

namespace StaffConsole.Components.Parts;

/// <summary>The next target a ticket must meet, contractual and internal (both run on one clock), or why there is none.</summary>
public sealed record Due(string Target, DateTimeOffset? Contractual, DateTimeOffset? Internal, string? State)
{
    private static readonly string[] BeforeWork = ["New", "Acknowledged", "Scheduled", "Reopened"];

    public static Due? Of(string status, SlaView? sla)
    {
        if (sla is null || status is "Resolved" or "Closed" || sla.State == "stopped") return null;
        // Waiting on the client pauses the clock: the due times are suspended (null) until they answer.
        if (status == "WaitingOnClient" || sla.State == "paused") return new Due("", null, null, "Paused: waiting on the client");
        if (sla.State == "starting") return new Due("", null, null, "Clock starting");
        if (sla.AcknowledgedAt is null && sla.AcknowledgeDueAt is not null)
            return new Due("Acknowledge", sla.AcknowledgeDueAt, sla.AcknowledgeInternalDueAt, null);
        if (BeforeWork.Contains(status) && sla.WorkBeginsDueAt is not null)
            return new Due("Work begins", sla.WorkBeginsDueAt, sla.WorkBeginsInternalDueAt, null);
        return null;
    }

    /// <summary>"0:42:10" to go, or "-0:05:00" overdue.</summary>
    public static string Left(DateTimeOffset due, DateTimeOffset now)
    {
        var left = due - now;
        var sign = left < TimeSpan.Zero ? "-" : "";
        left = left.Duration();
        return $"{sign}{(int)left.TotalHours}:{left.Minutes.ToString("00", CultureInfo.InvariantCulture)}:{left.Seconds.ToString("00", CultureInfo.InvariantCulture)}";
    }
}
