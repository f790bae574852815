using System.Globalization;
using Sla.Api.Data;
using Sla.Api.Domain;

namespace Sla.Api.Endpoints;

/// <summary>
/// The calendar to try, as sent to <c>PUT /api/sla/calendars/{id}</c> (an unsaved edit, or a stored calendar as read), with
/// the tier and the instant to try it on. Problems are named by the same fields as the calendar's own.
/// </summary>
/// <param name="Name">Optional here: a preview stores nothing.</param>
/// <param name="Tier">A stored tier's name, e.g. "standard".</param>
/// <param name="Priority">"P1" to "P4"; every priority when absent.</param>
/// <param name="At">When the ticket would be entered: ISO 8601 with an offset; now when absent.</param>
/// <param name="Revision">Ignored: accepted so that the body of a calendar's PUT can be previewed as it is.</param>
public sealed record DueTimePreviewRequest(string? Name, string? TimeZone, Dictionary<string, OpenHours[]?>? Week, CalendarHoliday[]? Holidays,
    string? Tier, string? Priority, string? At, int? Revision = null);

/// <summary>
/// "If a ticket were entered then, on these hours and this tier": the due times an admin sees before saving a calendar
/// (or after changing a tier's targets). The clock is started by the same code as a real ticket's
/// (<see cref="TicketClock.Start"/>), on the calendar as given instead of a stored revision. Nothing is stored.
/// </summary>
public static class DueTimePreviewEndpoints
{
    public static IEndpointRouteBuilder MapDueTimePreviewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/sla/calendars/preview", Preview)
            .WithTags("Calendars")
            .RequireAuthorization(AdminEndpoints.Admins)
            .ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> Preview(DueTimePreviewRequest body, SlaDbContext db, PolicyCatalog catalog, ClockSettings settings, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new Errors();
        var calendar = new CalendarRequest(string.IsNullOrWhiteSpace(body.Name) ? "Preview" : body.Name, body.TimeZone, body.Week, body.Holidays, null);
        var hours = CalendarEndpoints.Parse(calendar, errors);

        Priority[] priorities = [.. Enum.GetValues<Priority>().Where(p => p != default)];
        if (body.Priority is not null)
        {
            if (priorities.FirstOrDefault(p => p.ToString() == body.Priority) is var p && p != default) priorities = [p];
            else errors.Add("priority", $"'{body.Priority}' is not a priority: P1, P2, P3 or P4.");
        }
        var at = clock.GetUtcNow();
        if (body.At is not null && !PreviewEndpoints.TryParseInstant(body.At, out at)) errors.Add("at", PreviewEndpoints.NotAnInstant(body.At));
        TierPolicy? tier = null;
        if (string.IsNullOrWhiteSpace(body.Tier)) errors.Add("tier", "Required: the name of a tier, e.g. standard.");
        else if ((tier = await catalog.TierAsync(db, body.Tier, cancellationToken)) is null) errors.Add("tier", $"'{body.Tier}' is not a tier.");
        if (errors.Count > 0) return errors.Problem();

        var business = new CalendarRevisionRecord { TimeZone = body.TimeZone!.Trim(), Hours = hours! }.ToBusinessCalendar();
        var zone = business.TimeZone;
        var calendars = ClientCalendars.From(business) with
        {
            ExtendedHours = await catalog.ExtendedHoursAsync(db, tier!, zone, keep: null, cancellationToken),
        };
        string Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, zone).ToString("ddd yyyy-MM-dd HH:mm (zzz)", CultureInfo.InvariantCulture);
        return TypedResults.Ok(new
        {
            tier!.Tier,
            TimeZone = zone.Id,
            At = at,
            AtLocal = Local(at),
            Priorities = priorities.Select(priority =>
            {
                var coverage = tier.CoverageAt(priority, at, calendars);
                var started = TicketClock.Start(Guid.Empty, Guid.Empty, tier, priority, at, calendars, settings);
                return new
                {
                    Priority = priority.ToString(),
                    coverage.Covered,
                    coverage.CountsFrom,
                    CountsFromLocal = Local(coverage.CountsFrom),
                    Targets = PreviewEndpoints.Targets(started, Local),
                };
            }).ToArray(),
        });
    }
}
