using ServiceDesk.Platform.Calendars;
using System.Globalization;
using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;

namespace Sla.Api.Endpoints;

/// <param name="Opens">"HH:mm", e.g. "08:00".</param>
/// <param name="Closes">"HH:mm" after <paramref name="Opens"/>, or "24:00" (also "00:00") for midnight.</param>
public sealed record OpenHours(string? Opens, string? Closes);

/// <param name="Date">"yyyy-MM-dd".</param>
/// <param name="OpenHours">The hours that replace the weekday's; none (or null) for a day closed all day.</param>
public sealed record CalendarHoliday(string? Date, string? Name, OpenHours[]? OpenHours);

/// <param name="TimeZone">An IANA time zone, e.g. "America/New_York".</param>
/// <param name="Week">Open hours by day, "monday" to "sunday"; a day not given (or given no hours) is closed.</param>
/// <param name="Revision">For updates only: the calendar's revision as last read.</param>
/// <param name="Id">Read-only: accepted so that a calendar as read can be sent back; on a PUT it must be the path's id.</param>
/// <param name="IsDefault">Read-only, ignored (the default calendar is the one stored from Sla:Calendar).</param>
/// <param name="ChangedAt">Read-only, ignored: the server records when.</param>
/// <param name="ChangedBy">Read-only, ignored: the server records who, from the token.</param>
public sealed record CalendarRequest(string? Name, string? TimeZone, Dictionary<string, OpenHours[]?>? Week, CalendarHoliday[]? Holidays, int? Revision,
    Guid? Id = null, bool? IsDefault = null, DateTimeOffset? ChangedAt = null, string? ChangedBy = null);

/// <param name="Date">For POST only (a PUT names the date in its path).</param>
/// <param name="Revision">The calendar's revision as last read.</param>
public sealed record HolidayRequest(string? Date, string? Name, OpenHours[]? OpenHours, int? Revision);

/// <param name="Week">Every day, "monday" to "sunday"; closed days have no hours.</param>
/// <param name="IsDefault">The calendar of clients without one of their own.</param>
public sealed record CalendarView(Guid Id, string Name, string TimeZone, Dictionary<string, OpenHours[]> Week, CalendarHoliday[] Holidays,
    int Revision, bool IsDefault, DateTimeOffset ChangedAt, string ChangedBy);

/// <summary>
/// Business calendars (ADR 11's rules; ADR 19's revisions): a time zone, weekly open ranges (several a day) and holidays,
/// closed all day or open for their own hours. Every change stores a new immutable revision; a clock counts on the
/// revision that was current when it started, so an edit never moves a running clock's due times.
/// </summary>
public static class CalendarEndpoints
{
    private const string Midnight = "24:00";

    public static IEndpointRouteBuilder MapCalendarEndpoints(this IEndpointRouteBuilder app)
    {
        var calendars = app.MapGroup("/api/sla/calendars").WithTags("Calendars").RequireAuthorization(AdminEndpoints.Admins);
        calendars.MapGet("", async (SlaDbContext db, CancellationToken ct) =>
                TypedResults.Ok((await Current(db).OrderBy(r => r.Name).ToListAsync(ct)).Select(View).ToArray()))
            .Produces<CalendarView[]>();
        calendars.MapGet("/{id:guid}", async (Guid id, SlaDbContext db, CancellationToken ct) =>
                await Current(db).SingleOrDefaultAsync(r => r.CalendarId == id, ct) is { } current ? TypedResults.Ok(View(current)) : Problems.NotFound("calendar"))
            .Produces<CalendarView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        calendars.MapGet("/{id:guid}/revisions/{revision}", GetRevision)
            .Produces<CalendarView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        calendars.MapPost("", Create)
            .Produces<CalendarView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        calendars.MapPut("/{id:guid}", Update)
            .Produces<CalendarView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        calendars.MapDelete("/{id:guid}", Delete)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        calendars.MapGet("/{id:guid}/holidays", async (Guid id, SlaDbContext db, CancellationToken ct) =>
                await Current(db).SingleOrDefaultAsync(r => r.CalendarId == id, ct) is { } current
                    ? TypedResults.Ok(View(current).Holidays) : Problems.NotFound("calendar"))
            .Produces<CalendarHoliday[]>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        calendars.MapPost("/{id:guid}/holidays", AddHoliday)
            .Produces<CalendarView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        calendars.MapPut("/{id:guid}/holidays/{date}", ChangeHoliday)
            .Produces<CalendarView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        calendars.MapDelete("/{id:guid}/holidays/{date}", RemoveHoliday)
            .Produces<CalendarView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>Each calendar at its current revision.</summary>
    private static IQueryable<CalendarRevisionRecord> Current(SlaDbContext db) =>
        from calendar in db.Calendars.AsNoTracking()
        join revision in db.CalendarRevisions.AsNoTracking() on new { calendar.Id, calendar.Revision } equals new { Id = revision.CalendarId, revision.Revision }
        select revision;

    /// <summary>One revision, current or past: what a clock naming it counts on (GET /api/sla/tickets/{id} names it).</summary>
    private static async Task<IResult> GetRevision(Guid id, string revision, SlaDbContext db, CancellationToken cancellationToken) =>
        int.TryParse(revision, NumberStyles.None, CultureInfo.InvariantCulture, out var number)
        && await db.CalendarRevisions.AsNoTracking().SingleOrDefaultAsync(r => r.CalendarId == id && r.Revision == number, cancellationToken) is { } found
            ? TypedResults.Ok(View(found))
            : Problems.NotFound("calendar revision");

    private static async Task<IResult> Create(CalendarRequest body, ClaimsPrincipal user, SlaDbContext db, TimeProvider time, IPublishEndpoint bus,
        CancellationToken cancellationToken)
    {
        var errors = new Errors();
        Input.Revision(errors, body.Revision, "calendar", update: false);
        var hours = Parse(body, errors);
        if (errors.Count > 0) return errors.Problem();
        var calendar = new CalendarRecord { Id = Guid.CreateVersion7(time.GetUtcNow()) };
        db.Calendars.Add(calendar);
        return await SaveAsync(db, calendar, body.Name!.Trim(), body.TimeZone!.Trim(), hours!, user, time, bus, StatusCodes.Status201Created, null, cancellationToken);
    }

    private static async Task<IResult> Update(Guid id, CalendarRequest body, ClaimsPrincipal user, SlaDbContext db, TimeProvider time, IPublishEndpoint bus,
        CancellationToken cancellationToken)
    {
        var errors = new Errors();
        Input.Revision(errors, body.Revision, "calendar", update: true);
        if (body.Id is { } bodyId && bodyId != id) errors.Add("id", $"This is calendar {id}; leave id out or send that one.");
        var hours = Parse(body, errors);
        if (errors.Count > 0) return errors.Problem();
        if (await LoadAsync(db, id, cancellationToken) is not var (calendar, current)) return Problems.NotFound("calendar");
        if (calendar.Revision != body.Revision) return Problems.Stale("calendar", current.Revision, View(current));
        return await SaveAsync(db, calendar, body.Name!.Trim(), body.TimeZone!.Trim(), hours!, user, time, bus, StatusCodes.Status200OK, null, cancellationToken);
    }

    /// <summary>
    /// The default calendar stays (clients without one count on it); so does a calendar a client is on. Its revisions
    /// stay too, for the clocks that count on them.
    /// </summary>
    private static async Task<IResult> Delete(Guid id, SlaDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Calendars.AnyAsync(c => c.Id == id, cancellationToken)) return Problems.NotFound("calendar");
        if (id == CalendarRecord.DefaultId)
            return Problems.Conflict("The default calendar cannot be deleted.", "Clients without a calendar of their own count on it; change its hours instead.");
        var key = id.ToString();
        var clients = await db.Clients.CountAsync(c => c.CalendarId == key, cancellationToken);
        if (clients > 0)
            return Problems.Conflict($"{clients} client(s) are on this calendar.", "Move them to another calendar in the client directory first.");
        var tiers = await db.Tiers.Where(t => t.ExtendedCalendarId == id).OrderBy(t => t.Name).Select(t => t.Name).ToListAsync(cancellationToken);
        if (tiers.Count > 0)
            return Problems.Conflict($"Tier(s) {string.Join(", ", tiers)} count extended hours on this calendar.", "Give them another extended-hours calendar first.");
        await db.Calendars.Where(c => c.Id == id).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static Task<IResult> AddHoliday(Guid id, HolidayRequest body, ClaimsPrincipal user, SlaDbContext db, TimeProvider time, IPublishEndpoint bus,
        CancellationToken cancellationToken) =>
        ChangeHolidaysAsync(id, body.Revision, db, user, time, bus, StatusCodes.Status201Created, (holidays, errors) =>
        {
            var i = holidays.Count;
            var holiday = ParseHoliday(new CalendarHoliday(body.Date, body.Name, body.OpenHours), $"holidays[{i}]", errors);
            if (holiday is not null) holidays.Add(holiday); // a date already there is the domain's "listed twice"
            return i;
        }, cancellationToken);

    private static Task<IResult> ChangeHoliday(Guid id, string date, HolidayRequest body, ClaimsPrincipal user, SlaDbContext db, TimeProvider time, IPublishEndpoint bus,
        CancellationToken cancellationToken) =>
        ChangeHolidaysAsync(id, body.Revision, db, user, time, bus, StatusCodes.Status200OK, (holidays, errors) =>
        {
            var i = holidays.FindIndex(h => h.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == date);
            if (i < 0) return null;
            if (body.Date is not null && body.Date != date) errors.Add($"holidays[{i}].date", $"The date is the one in the path ({date}); to move a holiday, delete it and add it again.");
            if (ParseHoliday(new CalendarHoliday(date, body.Name, body.OpenHours), $"holidays[{i}]", errors) is { } holiday) holidays[i] = holiday;
            return i;
        }, cancellationToken);

    private static Task<IResult> RemoveHoliday(Guid id, string date, int? revision, ClaimsPrincipal user, SlaDbContext db, TimeProvider time, IPublishEndpoint bus,
        CancellationToken cancellationToken) =>
        ChangeHolidaysAsync(id, revision, db, user, time, bus, StatusCodes.Status200OK, (holidays, _) =>
        {
            var i = holidays.FindIndex(h => h.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) == date);
            if (i >= 0) holidays.RemoveAt(i);
            return i < 0 ? null : -1;
        }, cancellationToken);

    /// <summary>
    /// A holiday change is a calendar change: it is checked with the whole calendar and stored as its next revision.
    /// <paramref name="change"/> edits the list and returns the index of the holiday it touched (its problems are then
    /// named by its own fields), -1 for none, or null when the holiday does not exist.
    /// </summary>
    private static async Task<IResult> ChangeHolidaysAsync(Guid id, int? revision, SlaDbContext db, ClaimsPrincipal user, TimeProvider time, IPublishEndpoint bus,
        int status, Func<List<HolidayHours>, Errors, int?> change, CancellationToken cancellationToken)
    {
        var errors = new Errors();
        Input.Revision(errors, revision, "calendar", update: true);
        if (errors.Count > 0) return errors.Problem();
        if (await LoadAsync(db, id, cancellationToken) is not var (calendar, current)) return Problems.NotFound("calendar");
        var holidays = current.Hours.Holidays.ToList();
        if (change(holidays, errors) is not { } touched) return Problems.NotFound("holiday");
        var hours = current.Hours with { Holidays = [.. holidays] };
        if (errors.Count == 0) Check(hours, errors);
        if (errors.Count > 0) return (touched >= 0 ? errors.Rebased($"holidays[{touched}]") : errors).Problem();
        if (calendar.Revision != revision) return Problems.Stale("calendar", current.Revision, View(current));
        var location = status == StatusCodes.Status201Created
            ? $"/api/sla/calendars/{id}/holidays/{holidays[touched].Date:yyyy-MM-dd}" : null;
        return await SaveAsync(db, calendar, current.Name, current.TimeZone, hours, user, time, bus, status, location, cancellationToken);
    }

    private static async Task<(CalendarRecord Calendar, CalendarRevisionRecord Current)?> LoadAsync(SlaDbContext db, Guid id, CancellationToken cancellationToken)
    {
        var calendar = await db.Calendars.SingleOrDefaultAsync(c => c.Id == id, cancellationToken);
        if (calendar is null) return null;
        var current = await db.CalendarRevisions.AsNoTracking().SingleAsync(r => r.CalendarId == id && r.Revision == calendar.Revision, cancellationToken);
        return (calendar, current);
    }

    /// <summary>
    /// Stores the calendar's next revision. The revision is the concurrency token: a change saved meanwhile makes this one
    /// fail (on the calendar's row or on the revision's key), and the caller gets 409 with what is there now.
    /// </summary>
    private static async Task<IResult> SaveAsync(SlaDbContext db, CalendarRecord calendar, string name, string timeZone, CalendarHours hours,
        ClaimsPrincipal user, TimeProvider time, IPublishEndpoint bus, int status, string? location, CancellationToken cancellationToken)
    {
        calendar.Name = name;
        calendar.Revision++;
        var revision = new CalendarRevisionRecord
        {
            CalendarId = calendar.Id, Revision = calendar.Revision, Name = name, TimeZone = timeZone, Hours = hours,
            CreatedAt = time.GetUtcNow(), CreatedBy = AdminEndpoints.Caller(user),
        };
        db.CalendarRevisions.Add(revision);
        // Through the bus outbox: announced if and only if this revision commits.
        await bus.Publish(revision.ToMessage(), cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e is DbUpdateConcurrencyException || e.IsUniqueViolation())
        {
            db.ChangeTracker.Clear();
            if (e.InnerException is Npgsql.PostgresException { ConstraintName: "IX_calendars_Name" })
                return Problems.Conflict($"A calendar named '{name}' exists.");
            return await LoadAsync(db, calendar.Id, CancellationToken.None) is var (_, current)
                ? Problems.Stale("calendar", current.Revision, View(current))
                : Problems.NotFound("calendar");
        }
        return status == StatusCodes.Status201Created
            ? TypedResults.Created(location ?? $"/api/sla/calendars/{calendar.Id}", View(revision))
            : TypedResults.Ok(View(revision));
    }

    /// <summary>The request's fields, each problem named (nothing is checked twice: the domain checks the hours).</summary>
    internal static CalendarHours? Parse(CalendarRequest body, Errors errors)
    {
        Input.Text(errors, "name", body.Name, Limits.Name);
        if (string.IsNullOrWhiteSpace(body.TimeZone)) errors.Add("timeZone", "Required: an IANA time zone, e.g. America/New_York.");
        else if (!TimeZones.TryFind(body.TimeZone.Trim(), out _))
            errors.Add("timeZone", $"'{body.TimeZone}' is not a known IANA time zone (e.g. America/New_York, Europe/Berlin, Etc/UTC).");

        var week = new Dictionary<DayOfWeek, IReadOnlyList<OpenRange>>();
        if (body.Week is null) errors.Add("week", "Required: the open hours by day, e.g. { \"monday\": [{ \"opens\": \"08:00\", \"closes\": \"17:00\" }] }.");
        foreach (var (key, ranges) in body.Week ?? [])
        {
            // A day's name exactly: Enum.TryParse would also take "1" or "monday,tuesday" (and make it Wednesday).
            if (Enum.GetValues<DayOfWeek>().Where(d => Name(d).Equals(key, StringComparison.OrdinalIgnoreCase)).Select(d => (DayOfWeek?)d).FirstOrDefault() is not { } day)
                errors.Add($"week.{key}", "Not a day: monday to sunday.");
            else if (week.ContainsKey(day))
                errors.Add($"week.{Name(day)}", "The day is given twice.");
            else if (ParseRanges(ranges, $"week.{Name(day)}", errors) is { } parsed)
                week[day] = parsed;
        }

        var holidays = new List<HolidayHours>();
        if (body.Holidays?.Length > Limits.MaxHolidays) errors.Add("holidays", $"At most {Limits.MaxHolidays}.");
        else
            for (var i = 0; i < (body.Holidays?.Length ?? 0); i++)
                if (ParseHoliday(body.Holidays![i], $"holidays[{i}]", errors) is { } holiday) holidays.Add(holiday);

        if (errors.Count > 0) return null;
        var hours = new CalendarHours(week, holidays);
        Check(hours, errors);
        return errors.Count > 0 ? null : hours;
    }

    /// <summary>The domain's checks (<see cref="BusinessCalendar.Problems"/>), each named by the field it is about.</summary>
    private static void Check(CalendarHours hours, Errors errors)
    {
        var holidays = hours.Holidays;
        foreach (var problem in hours.Problems())
        {
            var field = problem switch
            {
                { Day: { } day } => $"week.{Name(day)}",
                { Holiday: { } date, Duplicate: true } => $"holidays[{LastIndex(date)}].date",
                { Holiday: { } date } => $"holidays[{FirstIndex(date)}].openHours",
                _ => "week",
            };
            errors.Add(field, problem.Message);
        }

        int FirstIndex(DateOnly date) => holidays.ToList().FindIndex(h => h.Date == date);
        int LastIndex(DateOnly date) => holidays.ToList().FindLastIndex(h => h.Date == date);
    }

    private static HolidayHours? ParseHoliday(CalendarHoliday? holiday, string field, Errors errors)
    {
        if (holiday is null)
        {
            errors.Add(field, "Required.");
            return null;
        }
        var ok = DateOnly.TryParseExact(holiday.Date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var date);
        if (!ok) errors.Add($"{field}.date", "Required: the date as yyyy-MM-dd.");
        Input.Text(errors, $"{field}.name", holiday.Name, Limits.HolidayName, required: false);
        var ranges = ParseRanges(holiday.OpenHours, $"{field}.openHours", errors);
        return ok && ranges is not null ? new HolidayHours(date, Input.Trimmed(holiday.Name), ranges) : null;
    }

    private static IReadOnlyList<OpenRange>? ParseRanges(OpenHours[]? ranges, string field, Errors errors)
    {
        if (ranges is null) return [];
        if (ranges.Length > Limits.MaxRangesPerDay)
        {
            errors.Add(field, $"At most {Limits.MaxRangesPerDay} ranges a day.");
            return null;
        }
        var parsed = new List<OpenRange>();
        for (var i = 0; i < ranges.Length; i++)
        {
            var opens = TimeOnly.TryParseExact(ranges[i]?.Opens, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var o) ? o : (TimeOnly?)null;
            var closes = ranges[i]?.Closes == Midnight ? TimeOnly.MinValue
                : TimeOnly.TryParseExact(ranges[i]?.Closes, "HH:mm", CultureInfo.InvariantCulture, DateTimeStyles.None, out var c) ? c : (TimeOnly?)null;
            if (opens is null) errors.Add($"{field}[{i}].opens", "Required: the opening time as HH:mm (00:00 to 23:59).");
            if (closes is null) errors.Add($"{field}[{i}].closes", "Required: the closing time as HH:mm, or 24:00 for midnight.");
            if (opens is { } open && closes is { } close) parsed.Add(new OpenRange(open, close));
        }
        return parsed.Count == ranges.Length ? parsed : null;
    }

    private static string Name(DayOfWeek day) => day.ToString().ToLowerInvariant();

    private static OpenHours View(OpenRange range) =>
        new(range.Opens.ToString("HH:mm", CultureInfo.InvariantCulture), range.UntilMidnight ? Midnight : range.Closes.ToString("HH:mm", CultureInfo.InvariantCulture));

    internal static CalendarView View(CalendarRevisionRecord revision) => new(revision.CalendarId, revision.Name, revision.TimeZone,
        Enum.GetValues<DayOfWeek>().OrderBy(d => ((int)d + 6) % 7) // Monday first
            .ToDictionary(Name, day => revision.Hours.Week.TryGetValue(day, out var ranges) ? ranges.OrderBy(r => r.Opens).Select(View).ToArray() : []),
        [.. revision.Hours.Holidays.OrderBy(h => h.Date).Select(h => new CalendarHoliday(h.Date.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), h.Name,
            [.. h.OpenHours.OrderBy(r => r.Opens).Select(View)]))],
        revision.Revision, revision.CalendarId == CalendarRecord.DefaultId, revision.CreatedAt, revision.CreatedBy);
}
