using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Notify.Api.Data;
using Notify.Api.Domain;
using Notify.Api.Sending;
using ServiceDesk.Platform;

namespace Notify.Api.Endpoints;

/// <summary>
/// A member of staff's own alert preferences (docs/adr/0057): the channels alerts may use and quiet hours. Each person
/// sets their own; an admin may set anyone's. Only people notify can reach (Staff:People) have them.
/// </summary>
public static class StaffPreferenceEndpoints
{
    public static IEndpointRouteBuilder MapStaffPreferenceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/notify/staff/{person}/preferences").RequireAuthorization(Policies.Staff);
        group.MapGet("", Get).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPut("", Put).ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound).ProducesValidationProblem();
        return app;
    }

    /// <param name="Channels">The channels alerts may use: email, sms, voice (at least one); null = as each alert's urgency decides.</param>
    /// <param name="QuietFrom">Start of quiet hours, local "HH:mm"; with <paramref name="QuietUntil"/> and <paramref name="TimeZone"/>, or none of them.</param>
    /// <param name="QuietUntil">End of quiet hours, local "HH:mm" (earlier than the start: across midnight).</param>
    /// <param name="TimeZone">The IANA zone of the quiet hours, e.g. Europe/Berlin.</param>
    public sealed record Body(string[]? Channels, string? QuietFrom = null, string? QuietUntil = null, string? TimeZone = null);

    private static object View(string person, StaffPreference? preference) => new
    {
        Person = person, preference?.Channels,
        QuietFrom = preference?.QuietFrom?.ToString("HH:mm", CultureInfo.InvariantCulture),
        QuietUntil = preference?.QuietUntil?.ToString("HH:mm", CultureInfo.InvariantCulture),
        preference?.TimeZone, preference?.UpdatedAt, preference?.UpdatedBy,
    };

    private static async Task<IResult> Get(string person, NotifyDbContext db, IOptions<StaffOptions> staff, HttpContext http, CancellationToken cancellationToken)
    {
        if (Refused(person, staff.Value, http) is { } refused) return refused;
        return TypedResults.Ok(View(person, await db.StaffPreferences.AsNoTracking().SingleOrDefaultAsync(p => p.Person == person, cancellationToken)));
    }

    /// <summary>Replaces the person's preference as a whole: what the body leaves out goes back to the default.</summary>
    private static async Task<IResult> Put(string person, Body body, NotifyDbContext db, IOptions<StaffOptions> staff, HttpContext http, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (Refused(person, staff.Value, http) is { } refused) return refused;
        var errors = new Dictionary<string, string[]>();
        var channels = PreferenceChecks.Channels(errors, "channels", body.Channels, StaffPreference.AlertChannels);
        var from = Time("quietFrom", body.QuietFrom);
        var until = Time("quietUntil", body.QuietUntil);
        var timeZone = PreferenceChecks.TimeZone(errors, "timeZone", body.TimeZone);
        var quiet = new[] { body.QuietFrom, body.QuietUntil, body.TimeZone }.Count(v => v is not null);
        if (quiet is 1 or 2)
            errors.TryAdd(body.QuietFrom is null ? "quietFrom" : body.QuietUntil is null ? "quietUntil" : "timeZone",
                ["Quiet hours need quietFrom, quietUntil and timeZone together."]);
        else if (from is not null && from == until)
            errors["quietUntil"] = ["Quiet hours must end at another time than they start."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var preference = await db.StaffPreferences.AsTracking().SingleOrDefaultAsync(p => p.Person == person, cancellationToken);
        if (preference is null) db.StaffPreferences.Add(preference = new StaffPreference { Person = person, UpdatedBy = "" });
        (preference.Channels, preference.QuietFrom, preference.QuietUntil, preference.TimeZone) = (channels, from, until, from is null ? null : timeZone);
        preference.UpdatedAt = clock.GetUtcNow();
        preference.UpdatedBy = http.User.FindFirst("sub")?.Value ?? "unknown";
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(View(person, preference));

        TimeOnly? Time(string field, string? given)
        {
            if (given is null) return null;
            if (TimeOnly.TryParseExact(given.Trim(), ["HH:mm", "HH:mm:ss"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time)) return time;
            errors[field] = [$"'{given}' is not a time of day (HH:mm, e.g. 22:00)."];
            return null;
        }
    }

    /// <summary>403 for someone else's preferences (unless an admin), 404 for a person notify has no addresses for.</summary>
    private static IResult? Refused(string person, StaffOptions staff, HttpContext http)
    {
        if (http.User.FindFirst("sub")?.Value != person && !http.User.IsInRole(Roles.Admin))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Only the person themselves or an admin can see or change their alert preferences.");
        return staff.People.ContainsKey(person) ? null
            : TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No member of staff named '{person}' in notify's Staff:People.");
    }
}
