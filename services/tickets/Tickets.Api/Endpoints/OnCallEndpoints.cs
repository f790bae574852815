using System.Globalization;
using System.Buffers.Text;
using System.Security.Claims;
using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Api.OnCall;

namespace Tickets.Api.Endpoints;

/// <param name="Layer">primary or backup; fixed when the rotation is created.</param>
/// <param name="People">Subjects in turn order.</param>
/// <param name="TurnDays">Whole days per turn (7: a week each).</param>
/// <param name="Handoff">Local time turns change hands, "08:00".</param>
/// <param name="TimeZone">IANA zone of the hand-off, "Europe/Berlin".</param>
/// <param name="FirstTurn">Local date the first person's first turn starts.</param>
/// <param name="EffectiveFrom">When this takes effect: now when absent, never in the past.</param>
public sealed record RotationRequest(string? Layer, string[]? People, int? TurnDays, string? Handoff, string? TimeZone, DateOnly? FirstTurn,
    DateTimeOffset? EffectiveFrom);

public sealed record RotationVersionView(DateTimeOffset EffectiveFrom, string[] People, int TurnDays, string Handoff, string TimeZone,
    DateOnly FirstTurn, DateTimeOffset RecordedAt, string RecordedBy);

/// <param name="Versions">Oldest first; each applies from its effectiveFrom until the next one's.</param>
public sealed record RotationView(Guid Id, Guid TeamId, string Layer, RotationVersionView[] Versions);

public sealed record OverrideRequest(string? Layer, string? Person, DateTimeOffset? From, DateTimeOffset? To, string? Reason);

public sealed record OverrideView(Guid Id, Guid TeamId, string Layer, string Person, DateTimeOffset From, DateTimeOffset To, string? Reason,
    DateTimeOffset CreatedAt, string CreatedBy);

/// <param name="Path">The feed's address on the gateway (put the gateway's origin before it); it holds the secret, shown only now.</param>
public sealed record RotationFeedView(Guid RotationId, string Path, DateTimeOffset IssuedAt);

public sealed record OnCallGapsView(Guid TeamId, DateTimeOffset From, DateTimeOffset To, OnCallGap[] Primary, OnCallGap[] Backup);

/// <summary>
/// Teams' on-call rotations, overrides and who is on call (docs/adr/0038). Like teams, every staff member reads them and
/// dispatchers and admins change them. The past never changes: edits take effect from now or later.
/// </summary>
public static class OnCallEndpoints
{
    /// <summary>How far the iCal feed reaches either side of now.</summary>
    public static readonly TimeSpan CalendarReach = TimeSpan.FromDays(90);

    /// <summary>The longest span one gaps query covers.</summary>
    public static readonly TimeSpan MaxGapsSpan = TimeSpan.FromDays(366);

    /// <summary>Where subscribable feeds live, outside /api so the gateway can serve them without a token.</summary>
    public const string FeedPrefix = "/calendars/";

    public static IEndpointRouteBuilder MapOnCallEndpoints(this IEndpointRouteBuilder app)
    {
        var teams = app.MapGroup("/api/teams/{id:guid}").WithTags("On call").RequireAuthorization(Policies.Staff);
        teams.MapGet("/rotations", async (Guid id, TicketsDbContext db, CancellationToken ct) =>
                await db.Teams.AnyAsync(t => t.Id == id, ct)
                    ? TypedResults.Ok((await db.Rotations.AsNoTracking().Include(r => r.Versions).Where(r => r.TeamId == id)
                        .OrderBy(r => r.Layer).ToListAsync(ct)).Select(View).ToArray())
                    : Problems.NotFound("team"))
            .Produces<RotationView[]>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapGet("/rotations/{rotationId:guid}", async (Guid id, Guid rotationId, TicketsDbContext db, CancellationToken ct) =>
                await FindAsync(db.Rotations.AsNoTracking(), id, rotationId, ct) is { } rotation
                    ? TypedResults.Ok(View(rotation)) : Problems.NotFound("rotation"))
            .Produces<RotationView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapPost("/rotations", CreateRotation)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces<RotationView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        teams.MapPut("/rotations/{rotationId:guid}", EditRotation)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces<RotationView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapDelete("/rotations/{rotationId:guid}", EndRotation)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapGet("/rotations/{rotationId:guid}/calendar.ics", Calendar)
            .Produces<string>(contentType: "text/calendar")
            .ProducesProblem(StatusCodes.Status404NotFound);

        teams.MapPost("/rotations/{rotationId:guid}/feed", IssueFeed)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces<RotationFeedView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapDelete("/rotations/{rotationId:guid}/feed", RevokeFeed)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        // A calendar app sends no bearer token: the secret in the path is the credential (docs/adr/0055).
        app.MapGet(FeedPrefix + "{file}", SubscribedCalendar).WithTags("On call").AllowAnonymous().ExcludeFromDescription();

        teams.MapGet("/overrides", ListOverrides)
            .Produces<OverrideView[]>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapPost("/overrides", CreateOverride)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces<OverrideView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        teams.MapDelete("/overrides/{overrideId:guid}", DeleteOverride)
            .RequireAuthorization(TeamEndpoints.Dispatchers)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        teams.MapGet("/on-call", OnCallAt)
            .Produces<OnCallNow>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapGet("/on-call/next", Next)
            .Produces<OnCallNext>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapGet("/on-call/gaps", Gaps)
            .Produces<OnCallGapsView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> CreateRotation(Guid id, RotationRequest body, ClaimsPrincipal user, TicketsDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = Validate(body, now, out var layer);
        if (layer is null && !errors.ContainsKey("layer")) errors["layer"] = ["Required: primary or backup."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (!await db.Teams.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.NotFound("team");
        var subject = Actor.Of(user).Subject;
        var rotation = new Rotation { Id = Guid.CreateVersion7(), TeamId = id, Layer = layer!.Value, CreatedAt = now, CreatedBy = subject };
        rotation.Versions.Add(Version(rotation.Id, body, now, subject));
        db.Rotations.Add(rotation);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return Problems.Conflict($"The team has a {Name(layer.Value)} rotation.", "Edit that rotation instead: one rotation per layer.");
        }
        return TypedResults.Created($"/api/teams/{id}/rotations/{rotation.Id}", View(rotation));
    }

    /// <summary>Adds a version effective from now or later; the versions before it stay as they were.</summary>
    private static async Task<IResult> EditRotation(Guid id, Guid rotationId, RotationRequest body, ClaimsPrincipal user, TicketsDbContext db,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = Validate(body, now, out var layer);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var rotation = await FindAsync(db.Rotations, id, rotationId, cancellationToken);
        if (rotation is null) return Problems.NotFound("rotation");
        if (layer is not null && layer != rotation.Layer)
            return Problems.Invalid("layer", $"A rotation's layer does not change; this one is {Name(rotation.Layer)}.");
        rotation.Versions.Add(Version(rotation.Id, body, now, Actor.Of(user).Subject));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(View(rotation));
    }

    /// <summary>Nobody from <paramref name="effectiveFrom"/> on: a version without people, so the turns before it stay on record.</summary>
    private static async Task<IResult> EndRotation(Guid id, Guid rotationId, DateTimeOffset? effectiveFrom, ClaimsPrincipal user,
        TicketsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        effectiveFrom = Utc(effectiveFrom);
        if (effectiveFrom < now) return Problems.Invalid("effectiveFrom", NotInThePast);
        var rotation = await FindAsync(db.Rotations, id, rotationId, cancellationToken);
        if (rotation is null) return Problems.NotFound("rotation");
        var last = rotation.Versions.MaxBy(v => (v.EffectiveFrom, v.Id))!;
        rotation.Versions.Add(new RotationVersion
        {
            RotationId = rotation.Id, EffectiveFrom = effectiveFrom ?? now, People = [], TurnDays = last.TurnDays, Handoff = last.Handoff,
            TimeZone = last.TimeZone, FirstTurn = last.FirstTurn, RecordedAt = now, RecordedBy = Actor.Of(user).Subject,
        });
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Calendar(Guid id, Guid rotationId, TicketsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var rotation = await FindAsync(db.Rotations.AsNoTracking(), id, rotationId, cancellationToken);
        return rotation is null ? Problems.NotFound("rotation") : await CalendarAsync(rotation, db, clock, cancellationToken);
    }

    private static async Task<IResult> CalendarAsync(Rotation rotation, TicketsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var team = await db.Teams.AsNoTracking().Where(t => t.Id == rotation.TeamId).Select(t => t.Name).SingleAsync(cancellationToken);
        var now = clock.GetUtcNow();
        return TypedResults.Text(RotationCalendar.Render(rotation, team, now - CalendarReach, now + CalendarReach), RotationCalendar.ContentType);
    }

    /// <summary>Issues the rotation's feed URL, or a new one: the previous URL stops working at once.</summary>
    private static async Task<IResult> IssueFeed(Guid id, Guid rotationId, TicketsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var rotation = await db.Rotations.SingleOrDefaultAsync(r => r.Id == rotationId && r.TeamId == id, cancellationToken);
        if (rotation is null) return Problems.NotFound("rotation");
        var secret = Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));
        rotation.FeedSecretHash = Page.Hash(secret);
        rotation.FeedIssuedAt = clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(new RotationFeedView(rotation.Id, $"{FeedPrefix}{secret}.ics", rotation.FeedIssuedAt.Value));
    }

    private static async Task<IResult> RevokeFeed(Guid id, Guid rotationId, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var rotation = await db.Rotations.SingleOrDefaultAsync(r => r.Id == rotationId && r.TeamId == id, cancellationToken);
        if (rotation is null) return Problems.NotFound("rotation");
        rotation.FeedSecretHash = null;
        rotation.FeedIssuedAt = null;
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    /// <summary>
    /// The feed by its secret URL. Unknown, revoked and replaced secrets are all the same 404, so the answer tells a
    /// guesser nothing, not even whether a rotation exists.
    /// </summary>
    private static async Task<IResult> SubscribedCalendar(string file, TicketsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var secret = file.EndsWith(".ics", StringComparison.OrdinalIgnoreCase) ? file[..^4] : file;
        var hash = secret.Length is > 20 and < 100 ? Page.Hash(secret) : null;
        var rotation = hash is null ? null
            : await db.Rotations.AsNoTracking().Include(r => r.Versions).SingleOrDefaultAsync(r => r.FeedSecretHash == hash, cancellationToken);
        if (rotation is null)
            return Problems.On(StatusCodes.Status404NotFound, "secret", "No rotation has this feed URL.", "This calendar feed is not valid.",
                "It was revoked or replaced; ask a dispatcher for the rotation's current feed URL.");
        return await CalendarAsync(rotation, db, clock, cancellationToken);
    }

    private static async Task<IResult> ListOverrides(Guid id, DateTimeOffset? from, DateTimeOffset? to, TicketsDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (!await db.Teams.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.NotFound("team");
        var start = Utc(from) ?? clock.GetUtcNow();
        var end = Utc(to) ?? start + CalendarReach;
        var overrides = await db.OnCallOverrides.AsNoTracking().Where(o => o.TeamId == id && o.From < end && o.To > start)
            .OrderBy(o => o.From).ToListAsync(cancellationToken);
        return TypedResults.Ok(overrides.Select(View).ToArray());
    }

    private static async Task<IResult> CreateOverride(Guid id, OverrideRequest body, ClaimsPrincipal user, TicketsDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = new Dictionary<string, string[]>();
        var layer = ParseLayer(errors, body.Layer, required: true);
        Input.Text(errors, "person", body.Person, TicketLimits.PersonSubject);
        Input.Text(errors, "reason", body.Reason, TicketLimits.Reason, required: false);
        if (body.From is not { } from) errors["from"] = ["Required."];
        else if (from < now) errors["from"] = [NotInThePast];
        if (body.To is not { } to) errors["to"] = ["Required."];
        else if (body.From is { } start && to <= start) errors["to"] = ["Must be after from."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (!await db.Teams.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.NotFound("team");
        // Held until commit: a second override for the same team waits here and then sees this one.
        await RowLocks.TeamAsync(db, id, cancellationToken);
        var cover = new OnCallOverride
        {
            Id = Guid.CreateVersion7(), TeamId = id, Layer = layer!.Value, Person = body.Person!.Trim(), From = body.From!.Value,
            To = body.To!.Value, Reason = Input.Trimmed(body.Reason), CreatedAt = now, CreatedBy = Actor.Of(user).Subject,
        };
        var overlapping = await db.OnCallOverrides.AsNoTracking()
            .Where(o => o.TeamId == id && o.Layer == cover.Layer && o.From < cover.To && o.To > cover.From)
            .OrderBy(o => o.From).FirstOrDefaultAsync(cancellationToken);
        if (overlapping is not null)
            return Problems.ConflictOn("from", $"Overlaps {overlapping.Person}'s {Name(cover.Layer)} override from {overlapping.From:O} to {overlapping.To:O} ({overlapping.Id}).");
        db.OnCallOverrides.Add(cover);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/teams/{id}/overrides/{cover.Id}", View(cover));
    }

    /// <summary>Only an override that has not started goes: one that has is part of who was on call.</summary>
    private static async Task<IResult> DeleteOverride(Guid id, Guid overrideId, TicketsDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var cover = await db.OnCallOverrides.SingleOrDefaultAsync(o => o.Id == overrideId && o.TeamId == id, cancellationToken);
        if (cover is null) return Problems.NotFound("override");
        if (cover.From <= clock.GetUtcNow())
            return Problems.Conflict("The override has started.", "Who was on call does not change; add an override for the rest of it instead.");
        db.OnCallOverrides.Remove(cover);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> OnCallAt(Guid id, DateTimeOffset? at, TicketsDbContext db, OnCallSchedule schedule, TimeProvider clock,
        CancellationToken cancellationToken) =>
        await db.Teams.AnyAsync(t => t.Id == id, cancellationToken)
            ? TypedResults.Ok(await schedule.AtAsync(id, Utc(at) ?? clock.GetUtcNow(), cancellationToken))
            : Problems.NotFound("team");

    /// <summary>Who is on call now (or at <paramref name="at"/>) and when each layer next changes hands, to whom.</summary>
    private static async Task<IResult> Next(Guid id, DateTimeOffset? at, TicketsDbContext db, OnCallSchedule schedule, TimeProvider clock,
        CancellationToken cancellationToken) =>
        await db.Teams.AnyAsync(t => t.Id == id, cancellationToken)
            ? TypedResults.Ok(await schedule.NextAsync(id, Utc(at) ?? clock.GetUtcNow(), cancellationToken))
            : Problems.NotFound("team");

    /// <summary>From now for two weeks unless asked otherwise: a gap is reported before anyone needs to be paged in it.</summary>
    private static async Task<IResult> Gaps(Guid id, DateTimeOffset? from, DateTimeOffset? to, TicketsDbContext db, OnCallSchedule schedule,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var start = Utc(from) ?? clock.GetUtcNow();
        var end = Utc(to) ?? start.AddDays(14);
        if (end <= start) return Problems.Invalid("to", "Must be after from.");
        if (end - start > MaxGapsSpan) return Problems.Invalid("to", $"At most {MaxGapsSpan.TotalDays} days after from.");
        if (!await db.Teams.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.NotFound("team");
        var (primary, backup) = await schedule.GapsAsync(id, start, end, cancellationToken);
        return TypedResults.Ok(new OnCallGapsView(id, start, end, primary, backup));
    }

    /// <summary>
    /// An instant in a query string as PostgreSQL's timestamptz takes it (Npgsql writes only offset 0): a caller may send
    /// any offset, such as the local time of the rotation's zone, and means the same instant. Bodies need nothing: the
    /// platform's JSON options read every instant in UTC.
    /// </summary>
    private static DateTimeOffset? Utc(DateTimeOffset? instant) => instant?.ToUniversalTime();

    private const string NotInThePast = "Must not be in the past: who was on call then does not change.";

    private static Task<Rotation?> FindAsync(IQueryable<Rotation> rotations, Guid teamId, Guid rotationId, CancellationToken cancellationToken) =>
        rotations.Include(r => r.Versions).SingleOrDefaultAsync(r => r.Id == rotationId && r.TeamId == teamId, cancellationToken);

    private static RotationVersion Version(Guid rotationId, RotationRequest body, DateTimeOffset now, string subject) => new()
    {
        RotationId = rotationId,
        EffectiveFrom = body.EffectiveFrom ?? now,
        People = [.. body.People!.Select(p => p.Trim())],
        TurnDays = body.TurnDays!.Value,
        Handoff = TimeOnly.ParseExact(body.Handoff!.Trim(), HandoffFormats, CultureInfo.InvariantCulture),
        TimeZone = body.TimeZone!.Trim(),
        FirstTurn = body.FirstTurn!.Value,
        RecordedAt = now,
        RecordedBy = subject,
    };

    private static readonly string[] HandoffFormats = ["HH:mm", "HH:mm:ss"];

    /// <summary>Checks every field of a rotation version; <paramref name="layer"/> is null when absent (required on create only).</summary>
    private static Dictionary<string, string[]> Validate(RotationRequest body, DateTimeOffset now, out OnCallLayer? layer)
    {
        var errors = new Dictionary<string, string[]>();
        layer = ParseLayer(errors, body.Layer, required: false);
        if (body.People is not { Length: > 0 } people) errors["people"] = ["At least one person."];
        else if (people.Length > TicketLimits.MaxRotationPeople) errors["people"] = [$"At most {TicketLimits.MaxRotationPeople} people."];
        else
            for (var i = 0; i < people.Length; i++) Input.Text(errors, $"people[{i}]", people[i], TicketLimits.PersonSubject);
        if (body.TurnDays is not { } days) errors["turnDays"] = ["Required: whole days per turn."];
        else if (days is < 1 or > 366) errors["turnDays"] = ["From 1 to 366 days."];
        if (string.IsNullOrWhiteSpace(body.Handoff)) errors["handoff"] = ["Required: the local time turns change hands, \"08:00\"."];
        else if (!TimeOnly.TryParseExact(body.Handoff.Trim(), HandoffFormats, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
            errors["handoff"] = ["A local time, \"08:00\"."];
        if (!TimeZones.TryFind(body.TimeZone?.Trim(), out _)) errors["timeZone"] = ["An IANA time zone, \"Europe/Berlin\"."];
        if (body.FirstTurn is null) errors["firstTurn"] = ["Required: the local date the first turn starts."];
        if (body.EffectiveFrom < now) errors["effectiveFrom"] = [NotInThePast];
        return errors;
    }

    private static OnCallLayer? ParseLayer(Dictionary<string, string[]> errors, string? value, bool required)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "primary": return OnCallLayer.Primary;
            case "backup": return OnCallLayer.Backup;
            case null or "" when !required: return null;
            default:
                errors["layer"] = ["primary or backup."];
                return null;
        }
    }

    private static string Name(OnCallLayer layer) => layer.ToString().ToLowerInvariant();

    private static RotationView View(Rotation rotation) => new(rotation.Id, rotation.TeamId, Name(rotation.Layer),
        [.. rotation.Versions.OrderBy(v => v.EffectiveFrom).ThenBy(v => v.Id).Select(v => new RotationVersionView(v.EffectiveFrom, [.. v.People],
            v.TurnDays, v.Handoff.ToString("HH:mm", CultureInfo.InvariantCulture), v.TimeZone, v.FirstTurn, v.RecordedAt, v.RecordedBy))]);

    private static OverrideView View(OnCallOverride cover) =>
        new(cover.Id, cover.TeamId, Name(cover.Layer), cover.Person, cover.From, cover.To, cover.Reason, cover.CreatedAt, cover.CreatedBy);
}
