using System.Security.Claims;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;
using Sla.Contracts;

namespace Sla.Api.Endpoints;

/// <param name="Priority">"P1" to "P4".</param>
/// <param name="Type">"acknowledge", "work-begins" or "resolution".</param>
/// <param name="ContractualMinutes">The promise to the client, in minutes of the target's calendar.</param>
/// <param name="InternalMinutes">The stricter internal target: at most the contractual one.</param>
/// <param name="Calendar">"business-hours" (the default), "24x7" (only where the tier covers that priority after hours) or
/// "extended-hours" (only where the tier's extended hours cover that priority).</param>
public sealed record TierTarget(string? Priority, string? Type, int? ContractualMinutes, int? InternalMinutes, string? Calendar);

/// <param name="Name">Lower-case letters, digits and dashes; what clients name in the directory. It cannot change.</param>
/// <param name="AfterHoursCovered">Every priority is served outside business hours.</param>
/// <param name="EmergencyCovered">P1 is served outside business hours.</param>
/// <param name="Targets">For each priority, acknowledge and work-begins (required) and resolution (optional).</param>
/// <param name="Revision">For updates only: the tier's revision as last read.</param>
/// <param name="IsDefault">Read-only, ignored: accepted so that a tier as read can be sent back (Sla:DefaultTier decides it).</param>
/// <param name="ExtendedHours">Optional: priorities served in extended hours, on a calendar of /api/sla/calendars.</param>
public sealed record TierRequest(string? Name, bool? AfterHoursCovered, bool? EmergencyCovered, TierTarget[]? Targets, int? Revision,
    bool? IsDefault = null, TierExtendedHours? ExtendedHours = null);

/// <summary>A tier's extended-hours cover (docs/adr/0042).</summary>
/// <param name="CalendarId">A calendar of /api/sla/calendars; its week and holidays are read in each client's time zone.</param>
/// <param name="Priorities">The priorities served while it is open, e.g. ["P1", "P2"].</param>
public sealed record TierExtendedHours(string? CalendarId, string[]? Priorities);

/// <param name="Revision">The tier's revision as last read.</param>
public sealed record TargetRequest(int? ContractualMinutes, int? InternalMinutes, string? Calendar, int? Revision);

/// <param name="IsDefault">The tier of clients whose tier sla does not know (Sla:DefaultTier).</param>
/// <param name="ExtendedHours">Null when the tier has no extended-hours cover.</param>
public sealed record TierView(string Name, bool AfterHoursCovered, bool EmergencyCovered, TierTarget[] Targets, int Revision, bool IsDefault,
    TierExtendedHours? ExtendedHours);

/// <summary>
/// Membership tiers and their targets (DOMAIN.md): per priority and response type a contractual and a stricter internal
/// target, counted in business hours or 24x7. A clock copies its tier's targets when it starts or is recalculated, so an
/// edit applies to clocks started (or recalculated) after it.
/// </summary>
public static class TierEndpoints
{
    private const string BusinessHours = "business-hours";
    private const string AroundTheClock = "24x7";
    private const string ExtendedHours = "extended-hours";
    private static readonly string[] Types = [SlaTargets.Acknowledge, SlaTargets.WorkBegins, SlaTargets.Resolution];

    public static IEndpointRouteBuilder MapTierEndpoints(this IEndpointRouteBuilder app)
    {
        var tiers = app.MapGroup("/api/sla/tiers").WithTags("Tiers").RequireAuthorization(AdminEndpoints.Admins);
        tiers.MapGet("", async (SlaDbContext db, PolicyCatalog catalog, CancellationToken ct) =>
                TypedResults.Ok((await db.Tiers.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct)).Select(t => View(t, catalog)).ToArray()))
            .Produces<TierView[]>();
        tiers.MapGet("/{name}", async (string name, SlaDbContext db, PolicyCatalog catalog, CancellationToken ct) =>
                await db.Tiers.AsNoTracking().SingleOrDefaultAsync(t => t.Name == name, ct) is { } tier ? TypedResults.Ok(View(tier, catalog)) : Problems.NotFound("tier"))
            .Produces<TierView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        tiers.MapPost("", Create)
            .Produces<TierView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        tiers.MapPut("/{name}", Update)
            .Produces<TierView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        tiers.MapDelete("/{name}", Delete)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        tiers.MapPut("/{name}/targets/{priority}/{type}", SetTarget)
            .Produces<TierView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        tiers.MapDelete("/{name}/targets/{priority}/{type}", RemoveTarget)
            .Produces<TierView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<IResult> Create(TierRequest body, SlaDbContext db, PolicyCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new Errors();
        Input.Revision(errors, body.Revision, "tier", update: false);
        if (string.IsNullOrWhiteSpace(body.Name)) errors.Add("name", "Required.");
        else if (!TierNames.IsValid(body.Name))
            errors.Add("name", $"Lower-case letters, digits and dashes, at most {Limits.TierName} (e.g. gold or premium-24x7).");
        var tier = Parse(body.Name ?? "", body, errors);
        if (tier is not null) await CheckCalendarAsync(db, tier, errors, cancellationToken);
        if (errors.Count > 0) return errors.Problem();
        if (await db.Tiers.AnyAsync(t => t.Name == tier!.Name, cancellationToken)) return Problems.Conflict($"A tier named '{tier!.Name}' exists.");
        tier!.Revision = 1;
        db.Tiers.Add(tier);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return Problems.Conflict($"A tier named '{tier.Name}' exists.");
        }
        return TypedResults.Created($"/api/sla/tiers/{tier.Name}", View(tier, catalog));
    }

    private static async Task<IResult> Update(string name, TierRequest body, SlaDbContext db, PolicyCatalog catalog, CancellationToken cancellationToken)
    {
        var errors = new Errors();
        Input.Revision(errors, body.Revision, "tier", update: true);
        if (body.Name is not null && body.Name != name)
            errors.Add("name", $"A tier's name cannot change (clients refer to '{name}'); create a tier with the new name instead.");
        var parsed = Parse(name, body, errors);
        if (parsed is not null) await CheckCalendarAsync(db, parsed, errors, cancellationToken);
        if (errors.Count > 0) return errors.Problem();
        var tier = await db.Tiers.SingleOrDefaultAsync(t => t.Name == name, cancellationToken);
        if (tier is null) return Problems.NotFound("tier");
        if (tier.Revision != body.Revision) return Problems.Stale("tier", tier.Revision, View(tier, catalog));
        (tier.AfterHoursCovered, tier.EmergencyCovered, tier.Targets) = (parsed!.AfterHoursCovered, parsed.EmergencyCovered, parsed.Targets);
        (tier.ExtendedCalendarId, tier.ExtendedPriorities) = (parsed.ExtendedCalendarId, parsed.ExtendedPriorities);
        return await SaveAsync(db, tier, catalog, cancellationToken);
    }

    /// <summary>The default tier stays, and so does a tier a client is on; clocks keep the targets they copied.</summary>
    private static async Task<IResult> Delete(string name, SlaDbContext db, PolicyCatalog catalog, CancellationToken cancellationToken)
    {
        if (!await db.Tiers.AnyAsync(t => t.Name == name, cancellationToken)) return Problems.NotFound("tier");
        if (name == catalog.DefaultTier)
            return Problems.Conflict("The default tier cannot be deleted.", "Clients whose tier sla does not know are on it (Sla:DefaultTier).");
        var clients = await db.Clients.CountAsync(c => c.Tier == name, cancellationToken);
        if (clients > 0)
            return Problems.Conflict($"{clients} client(s) are on this tier.", "Move them to another tier in the client directory first.");
        await db.Tiers.Where(t => t.Name == name).ExecuteDeleteAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>Adds or replaces one target of a tier; checked with the whole tier.</summary>
    private static Task<IResult> SetTarget(string name, string priority, string type, TargetRequest body, SlaDbContext db, PolicyCatalog catalog,
        CancellationToken cancellationToken) =>
        ChangeTargetsAsync(name, priority, type, body.Revision, db, catalog, (targets, errors) =>
        {
            var i = targets.FindIndex(t => t.Priority == priority && t.Type == type);
            var target = new TierTarget(priority, type, body.ContractualMinutes, body.InternalMinutes, body.Calendar);
            if (i < 0) targets.Add(target);
            else targets[i] = target;
            return i < 0 ? targets.Count - 1 : i;
        }, cancellationToken);

    /// <summary>Removes one target of a tier: only resolution can go (acknowledge and work-begins are required).</summary>
    private static Task<IResult> RemoveTarget(string name, string priority, string type, int? revision, SlaDbContext db, PolicyCatalog catalog,
        CancellationToken cancellationToken) =>
        ChangeTargetsAsync(name, priority, type, revision, db, catalog, (targets, _) =>
            targets.RemoveAll(t => t.Priority == priority && t.Type == type) == 0 ? null : -1, cancellationToken);

    /// <summary>
    /// <paramref name="change"/> edits the tier's targets and returns the index of the one it touched (whose problems
    /// are then named by its own fields), -1 for none, or null when the target does not exist.
    /// </summary>
    private static async Task<IResult> ChangeTargetsAsync(string name, string priority, string type, int? revision, SlaDbContext db,
        PolicyCatalog catalog, Func<List<TierTarget>, Errors, int?> change, CancellationToken cancellationToken)
    {
        if (priority is not ("P1" or "P2" or "P3" or "P4") || !Types.Contains(type))
            return Problems.NotFound($"target: the path names a priority (P1 to P4) and a type ({string.Join(", ", Types)})");
        var errors = new Errors();
        Input.Revision(errors, revision, "tier", update: true);
        if (errors.Count > 0) return errors.Problem();
        var tier = await db.Tiers.SingleOrDefaultAsync(t => t.Name == name, cancellationToken);
        if (tier is null) return Problems.NotFound("tier");
        var targets = View(tier, catalog).Targets.ToList();
        if (change(targets, errors) is not { } touched) return Problems.NotFound("target");
        var parsed = Parse(name, new TierRequest(name, tier.AfterHoursCovered, tier.EmergencyCovered, [.. targets], revision,
            ExtendedHours: View(tier, catalog).ExtendedHours), errors);
        if (errors.Count > 0) return (touched >= 0 ? errors.Rebased($"targets[{touched}]") : errors).Problem();
        if (tier.Revision != revision) return Problems.Stale("tier", tier.Revision, View(tier, catalog));
        tier.Targets = parsed!.Targets;
        return await SaveAsync(db, tier, catalog, cancellationToken);
    }

    private static async Task<IResult> SaveAsync(SlaDbContext db, TierRecord tier, PolicyCatalog catalog, CancellationToken cancellationToken)
    {
        tier.Revision++;
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            db.ChangeTracker.Clear();
            return await db.Tiers.AsNoTracking().SingleOrDefaultAsync(t => t.Name == tier.Name, CancellationToken.None) is { } current
                ? Problems.Stale("tier", current.Revision, View(current, catalog))
                : Problems.NotFound("tier");
        }
        return TypedResults.Ok(View(tier, catalog));
    }

    /// <summary>
    /// The request as a tier, every problem named by its field: first the fields themselves, then the domain's rules
    /// (<see cref="TierPolicy.Findings"/>) on the tier they make.
    /// </summary>
    private static TierRecord? Parse(string name, TierRequest body, Errors errors)
    {
        if (body.AfterHoursCovered is null) errors.Add("afterHoursCovered", "Required: whether every priority is served outside business hours.");
        if (body.EmergencyCovered is null) errors.Add("emergencyCovered", "Required: whether P1 is served outside business hours.");
        var targets = new List<TargetRecord>();
        if (body.Targets is null) errors.Add("targets", "Required: acknowledge and work-begins for each of P1 to P4, resolution optional.");
        else if (body.Targets.Length > 12) errors.Add("targets", "At most 12: three response types for each of four priorities.");
        else
            for (var i = 0; i < body.Targets.Length; i++)
                if (ParseTarget(body.Targets[i], $"targets[{i}]", errors) is { } target) targets.Add(target);
        var (extendedCalendar, extendedPriorities) = ParseExtendedHours(body.ExtendedHours, errors);
        if (errors.Count > 0) return null;

        var tier = new TierRecord
        {
            Name = name, AfterHoursCovered = body.AfterHoursCovered!.Value, EmergencyCovered = body.EmergencyCovered!.Value, Targets = targets,
            ExtendedCalendarId = extendedCalendar, ExtendedPriorities = extendedPriorities,
        };
        foreach (var problem in tier.ToPolicy().Findings())
        {
            var i = targets.FindIndex(t => t.Priority == problem.Priority && t.Type == problem.Target);
            if (problem.Part == TargetPart.Type) i = targets.FindLastIndex(t => t.Priority == problem.Priority && t.Type == problem.Target);
            errors.Add(problem.Part switch
            {
                TargetPart.TierName => "name",
                TargetPart.Type => $"targets[{i}].type",
                TargetPart.Contractual => $"targets[{i}].contractualMinutes",
                TargetPart.Internal => $"targets[{i}].internalMinutes",
                TargetPart.Calendar => $"targets[{i}].calendar",
                TargetPart.ExtendedHours => "extendedHours.priorities",
                _ => "targets",
            }, problem.Message);
        }
        return errors.Count > 0 ? null : tier;
    }

    /// <summary>The extended-hours cover's fields; whether the calendar exists is <see cref="CheckCalendarAsync"/>'s.</summary>
    private static (Guid? Calendar, IReadOnlyList<Priority> Priorities) ParseExtendedHours(TierExtendedHours? extended, Errors errors)
    {
        if (extended is null) return (null, []);
        Guid? calendar = Guid.TryParse(extended.CalendarId, out var id) ? id : null;
        if (calendar is null)
            errors.Add("extendedHours.calendarId", extended.CalendarId is null
                ? "Required: the id of a calendar (/api/sla/calendars) whose hours are the extended hours."
                : $"'{extended.CalendarId}' is not a calendar id (a GUID).");
        var priorities = new List<Priority>();
        if (extended.Priorities is not { Length: > 0 })
            errors.Add("extendedHours.priorities", "Required: the priorities served in extended hours, e.g. [\"P1\", \"P2\"].");
        else
            for (var i = 0; i < extended.Priorities.Length; i++)
                if (extended.Priorities[i] is "P1" or "P2" or "P3" or "P4") priorities.Add(Priorities.Parse(extended.Priorities[i]));
                else errors.Add($"extendedHours.priorities[{i}]", "P1, P2, P3 or P4.");
        return (calendar, [.. priorities.Distinct().Order()]);
    }

    /// <summary>The extended hours name a stored calendar: a clock would otherwise count them as business hours.</summary>
    private static async Task CheckCalendarAsync(SlaDbContext db, TierRecord tier, Errors errors, CancellationToken cancellationToken)
    {
        if (tier.ExtendedCalendarId is { } id && !await db.Calendars.AnyAsync(c => c.Id == id, cancellationToken))
            errors.Add("extendedHours.calendarId", $"No calendar {id}: create it at /api/sla/calendars first.");
    }

    private static TargetRecord? ParseTarget(TierTarget? target, string field, Errors errors)
    {
        if (target is null)
        {
            errors.Add(field, "Required.");
            return null;
        }
        Priority? priority = target.Priority is "P1" or "P2" or "P3" or "P4" ? Priorities.Parse(target.Priority) : null;
        if (priority is null) errors.Add($"{field}.priority", "Required: P1, P2, P3 or P4.");
        ResponseType? type = target.Type switch
        {
            SlaTargets.Acknowledge => ResponseType.Acknowledge,
            SlaTargets.WorkBegins => ResponseType.WorkBegins,
            SlaTargets.Resolution => ResponseType.Resolution,
            _ => null,
        };
        if (type is null) errors.Add($"{field}.type", $"Required: {string.Join(", ", Types)}.");
        Minutes(target.ContractualMinutes, $"{field}.contractualMinutes");
        Minutes(target.InternalMinutes, $"{field}.internalMinutes");
        CalendarKind? calendar = target.Calendar switch
        {
            null or BusinessHours => CalendarKind.BusinessHours,
            AroundTheClock => CalendarKind.AroundTheClock,
            ExtendedHours => CalendarKind.ExtendedHours,
            _ => null,
        };
        if (calendar is null) errors.Add($"{field}.calendar", $"One of {BusinessHours} (the default), {AroundTheClock} or {ExtendedHours}.");
        return priority is { } p && type is { } t && calendar is { } c && target.ContractualMinutes is { } contractual && target.InternalMinutes is { } @internal
            ? new TargetRecord(p, t, contractual, @internal, c)
            : null;

        // Zero and less are the domain's to refuse (TierPolicy.Findings); the bound keeps minutes within a TimeSpan's reach.
        void Minutes(int? minutes, string name)
        {
            if (minutes is null) errors.Add(name, "Required: whole minutes.");
            else if (minutes > Limits.MaxTargetMinutes) errors.Add(name, $"At most {Limits.MaxTargetMinutes} (a year).");
        }
    }

    private static TierView View(TierRecord tier, PolicyCatalog catalog) => new(tier.Name, tier.AfterHoursCovered, tier.EmergencyCovered,
        [.. tier.Targets.OrderBy(t => t.Priority).ThenBy(t => t.Type).Select(t => new TierTarget(t.Priority.ToString(), TierPolicy.Name(t.Type),
            t.ContractualMinutes, t.InternalMinutes, CalendarName(t.Calendar)))],
        tier.Revision, tier.Name == catalog.DefaultTier,
        tier.ExtendedCalendarId is { } calendar ? new TierExtendedHours(calendar.ToString(), [.. tier.ExtendedPriorities.Select(p => p.ToString())]) : null);

    /// <summary>How the API names a target's calendar (the preview names them the same way).</summary>
    public static string CalendarName(CalendarKind kind) => kind switch
    {
        CalendarKind.AroundTheClock => AroundTheClock,
        CalendarKind.ExtendedHours => ExtendedHours,
        _ => BusinessHours,
    };
}
