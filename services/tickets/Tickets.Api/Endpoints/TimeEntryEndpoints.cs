using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Endpoints;

/// <summary>Give an end or a duration in minutes, not both.</summary>
/// <param name="Responder">Who did the work; the caller when left out (a dispatcher may record for a technician).</param>
/// <param name="Revision">For edits only: the entry's revision as last read.</param>
public sealed record TimeEntryRequest(
    string? Responder,
    DateTimeOffset? StartedAt,
    DateTimeOffset? EndedAt,
    int? Minutes,
    WorkType? WorkType,
    string? Note,
    int? Revision);

public sealed record TimeEntryView(
    Guid Id,
    Guid TicketId,
    string Responder,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Minutes,
    WorkType WorkType,
    string? Note,
    int Revision,
    DateTimeOffset RecordedAt,
    string RecordedBy);

public static class TimeEntryEndpoints
{
    /// <summary>How far ahead of the server's clock a start or end may be (a slightly fast laptop clock), not more.</summary>
    private static readonly TimeSpan FutureTolerance = TimeSpan.FromMinutes(5);

    public static IEndpointRouteBuilder MapTimeEntryEndpoints(this IEndpointRouteBuilder app)
    {
        var entries = app.MapGroup("/api/tickets/{id:guid}/time-entries").WithTags("Time entries").RequireAuthorization(Policies.Staff);

        entries.MapGet("", List)
            .Produces<TimeEntryView[]>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        entries.MapPost("", Record)
            .Produces<TimeEntryView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        entries.MapPut("/{entryId:guid}", Edit)
            .Produces<TimeEntryView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static TimeEntryView View(TimeEntry e) =>
        new(e.Id, e.TicketId, e.Responder, e.StartedAt, e.EndedAt, e.Minutes, e.WorkType, e.Note, e.Revision, e.RecordedAt, e.RecordedBy);

    private static TimeEntryRecorded Message(TimeEntry e, bool preAuthorised) =>
        new(e.Id, e.TicketId, e.ClientId, e.Responder, e.StartedAt, e.EndedAt, e.Minutes, e.WorkType.ToString(), e.Note,
            e.Revision, e.RecordedAt, e.RecordedBy, preAuthorised);

    private static async Task<IResult> List(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Tickets.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.TicketNotFound();
        var entries = await db.TimeEntries.AsNoTracking().Where(e => e.TicketId == id).OrderBy(e => e.StartedAt).ThenBy(e => e.Id)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(entries.Select(View).ToArray());
    }

    private static async Task<IResult> Record(Guid id, TimeEntryRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, AfterHoursGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = Validate(body, now, edit: false);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        if (ticket.Status == TicketStatus.Closed) return ClosedTicket();
        var verdict = await GateAsync(gate, db, ticket, body, null, cancellationToken);
        if (verdict.Refusal is { } refused) return Problems.AfterHours(refused);

        var actor = Actor.Of(user);
        var entry = new TimeEntry
        {
            Id = Guid.CreateVersion7(now), TicketId = ticket.Id, ClientId = ticket.ClientId, Responder = "",
            RecordedAt = now, RecordedBy = actor.Subject, Revision = 1,
        };
        Apply(entry, body, actor);
        db.TimeEntries.Add(entry);
        db.Record(ticket, actor, now, "time-recorded", View(entry));
        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        await bus.Publish(Message(entry, verdict.PreAuthorised), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/tickets/{ticket.Id}/time-entries/{entry.Id}", View(entry));
    }

    /// <summary>
    /// Replaces the entry's fields, keeps the old ones in the audit trail, and publishes the new revision so billing
    /// replaces the old line. The revision guards against two people editing the same entry at once.
    /// </summary>
    private static async Task<IResult> Edit(Guid id, Guid entryId, TimeEntryRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, AfterHoursGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var errors = Validate(body, now, edit: true);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.TimeEntryAsync(db, entryId, cancellationToken);
        var entry = await db.TimeEntries.SingleOrDefaultAsync(e => e.Id == entryId && e.TicketId == id, cancellationToken);
        if (entry is null) return Problems.NotFound("time entry");
        if (ticket.Status == TicketStatus.Closed) return ClosedTicket();
        if (entry.Revision != body.Revision) return StaleEntry(entry);
        var verdict = await GateAsync(gate, db, ticket, body, entryId, cancellationToken);
        if (verdict.Refusal is { } refused) return Problems.AfterHours(refused);

        var actor = Actor.Of(user);
        var before = View(entry);
        Apply(entry, body, actor);
        entry.Revision++;
        db.Record(ticket, actor, now, "time-edited", new { before, after = View(entry) });
        await bus.Publish(Message(entry, verdict.PreAuthorised), cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(CancellationToken.None);
        }
        catch (DbUpdateConcurrencyException)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            var current = await db.TimeEntries.AsNoTracking().SingleAsync(e => e.Id == entryId, CancellationToken.None);
            return StaleEntry(current);
        }
        return TypedResults.Ok(View(entry));
    }

    /// <summary>Time outside the client's business hours needs the client's approval or pre-authorisation (docs/adr/0039).</summary>
    private static async Task<GateVerdict> GateAsync(AfterHoursGate gate, TicketsDbContext db, Ticket ticket, TimeEntryRequest body, Guid? entryId,
        CancellationToken cancellationToken)
    {
        var start = body.StartedAt!.Value;
        var end = body.EndedAt ?? start.AddMinutes(body.Minutes!.Value);
        return await gate.RefuseToRecordAsync(db, ticket, start, end, entryId, cancellationToken);
    }

    private static void Apply(TimeEntry entry, TimeEntryRequest body, Actor actor)
    {
        entry.Responder = Input.Trimmed(body.Responder) ?? actor.Subject;
        entry.StartedAt = body.StartedAt!.Value;
        entry.EndedAt = body.EndedAt;
        // Whole minutes, rounded up: a 61-second call is two minutes of someone's time.
        entry.Minutes = body.EndedAt is { } end ? (int)Math.Ceiling((end - body.StartedAt.Value).TotalMinutes) : body.Minutes!.Value;
        entry.WorkType = body.WorkType!.Value;
        entry.Note = Input.Trimmed(body.Note);
    }

    private static Dictionary<string, string[]> Validate(TimeEntryRequest body, DateTimeOffset now, bool edit)
    {
        var errors = new Dictionary<string, string[]>();
        Input.Text(errors, "responder", body.Responder, 200, required: false);
        Input.Text(errors, "note", body.Note, TicketLimits.TimeEntryNote, required: false);
        if (body.WorkType is not { } workType || !Enum.IsDefined(workType))
            errors["workType"] = [$"Required: one of {string.Join(", ", Enum.GetNames<WorkType>())}."];
        if (body.StartedAt is not { } start) errors["startedAt"] = ["Required."];
        else if (start > now + FutureTolerance) errors["startedAt"] = ["Work cannot start in the future."];

        var max = TimeSpan.FromMinutes(TicketLimits.MaxTimeEntryMinutes);
        if ((body.EndedAt is null) == (body.Minutes is null))
            errors["endedAt"] = ["Give endedAt or minutes (the duration), exactly one of them."];
        else if (body.EndedAt is { } end)
        {
            if (body.StartedAt is { } begin && (end <= begin || end - begin > max))
                errors["endedAt"] = [$"After startedAt, by at most {TicketLimits.MaxTimeEntryMinutes} minutes."];
            else if (end > now + FutureTolerance) errors["endedAt"] = ["Work cannot end in the future."];
        }
        else if (body.Minutes is < 1 or > TicketLimits.MaxTimeEntryMinutes)
            errors["minutes"] = [$"From 1 to {TicketLimits.MaxTimeEntryMinutes}."];

        if (edit && body.Revision is null) errors["revision"] = ["Required: the entry's revision from your last read."];
        else if (!edit && body.Revision is not null) errors["revision"] = ["Only for edits."];
        return errors;
    }

    private static IResult ClosedTicket() =>
        Problems.Conflict("A closed ticket takes no more time entries.", "Its invoice lines are final.");

    private static IResult StaleEntry(TimeEntry current) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The time entry was changed by someone else.",
            detail: $"It is now at revision {current.Revision}. Read it again and retry if the change still makes sense.",
            extensions: new Dictionary<string, object?> { ["currentRevision"] = current.Revision, ["current"] = View(current) });
}
