using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Endpoints;

public sealed record ContactView(string Email, string? Name);

/// <param name="State">
/// "starting" until sla has started the clock (a moment after the ticket is stored: the due times are not known yet),
/// then "running", "paused" (the due times are null while a pause suspends them) or "stopped" (resolved or closed);
/// "unknown" for a ticket from before sla reported its state.
/// </param>
public sealed record SlaView(
    DateTimeOffset? AcknowledgeDueAt,
    DateTimeOffset? AcknowledgeInternalDueAt,
    DateTimeOffset? WorkBeginsDueAt,
    DateTimeOffset? WorkBeginsInternalDueAt,
    DateTimeOffset? AcknowledgedAt,
    SlaRiskView? Risk = null,
    SlaBreachView? Breach = null,
    string State = "starting");

/// <summary>sla warned that <paramref name="Percent"/> of the target's budget is used, due at <paramref name="DueAt"/>.</summary>
public sealed record SlaRiskView(string Target, int Percent, DateTimeOffset? DueAt);

public sealed record SlaBreachView(string Target, DateTimeOffset DueAt);

/// <param name="Version">Send it back with every change; a change made from an older version is refused (409).</param>
/// <param name="EmergencyDeclared">How the client declared an emergency at the door (it opened as a P1 candidate); null when they did not.</param>
public sealed record TicketView(
    Guid Id,
    long Number,
    string Reference,
    Guid ClientId,
    ContactView Contact,
    string Channel,
    string Subject,
    string Description,
    TicketStatus Status,
    string Priority,
    string? PriorityHint,
    Guid? TeamId,
    string? Assignee,
    DateTimeOffset OpenedAt,
    uint Version,
    SlaView Sla,
    Guid? MergedIntoId = null,
    string? EmergencyDeclared = null);

/// <param name="Version">The ticket's version as last read.</param>
public sealed record ChangeStatusRequest(TicketStatus? To, uint? Version, string? Reason);

public sealed record ChangePriorityRequest(string? Priority, string? Reason, uint? Version);

/// <summary>Sets both: a null team is the unassigned (dispatch) queue, a null assignee is the team's queue.</summary>
public sealed record AssignRequest(Guid? TeamId, string? Assignee, string? Reason, uint? Version);

/// <param name="Into">The ticket that survives; the one in the path is closed as its duplicate.</param>
/// <param name="Version">The duplicate's version as last read.</param>
/// <param name="IntoNumber">Instead of <paramref name="Into"/>: the survivor's number ("SD#1234" is 1234), as people name tickets.</param>
public sealed record MergeRequest(Guid? Into, uint? Version, string? Reason, long? IntoNumber = null);

public sealed record AssignmentView(long Id, Guid? TeamId, string? Assignee, string? Reason, DateTimeOffset At, string By);

public sealed record AuditView(long Id, DateTimeOffset At, string Actor, string Channel, string Action, System.Text.Json.JsonElement Details);

public static class TicketEndpoints
{
    public static IEndpointRouteBuilder MapTicketEndpoints(this IEndpointRouteBuilder app)
    {
        var tickets = app.MapGroup("/api/tickets").WithTags("Tickets");

        tickets.MapGet("/{id:guid}", Get)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<TicketView>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        // Changes are for staff only (a client token gets 403 before anything is read), but for one: a client closes or
        // reopens its own resolved ticket (the portal).
        tickets.MapPost("/{id:guid}/status", ChangeStatus)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<TicketView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        tickets.MapPost("/{id:guid}/priority", ChangePriority)
            .RequireAuthorization(Policies.Staff)
            .Produces<TicketView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        tickets.MapPost("/{id:guid}/assignment", Assign)
            .RequireAuthorization(Policies.Staff)
            .Produces<TicketView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        tickets.MapPost("/{id:guid}/merge", Merge)
            .RequireAuthorization(Policies.Staff)
            .Produces<TicketView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        tickets.MapGet("/{id:guid}/assignments", Assignments)
            .RequireAuthorization(Policies.Staff)
            .Produces<AssignmentView[]>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        tickets.MapGet("/{id:guid}/audit", Audit)
            .RequireAuthorization(Policies.Staff)
            .Produces<AuditView[]>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    public static TicketView View(Ticket ticket)
    {
        return new TicketView(ticket.Id, ticket.Number, $"SD#{ticket.Number}", ticket.ClientId,
            new ContactView(ticket.ContactEmail, ticket.ContactName), ticket.Channel, ticket.Subject, ticket.Description,
            ticket.Status, ticket.Priority, ticket.PriorityHint, ticket.TeamId, ticket.Assignee,
            ticket.OpenedAt, ticket.Version,
            View(ticket.Sla), ticket.MergedIntoId, ticket.EmergencyDeclared);
    }

    /// <summary>The ticket's copy of its SLA clock (due times, risk, breach), as the ticket and the queue rows show it.</summary>
    public static SlaView View(SlaSnapshot sla) =>
        new(sla.AcknowledgeDueAt, sla.AcknowledgeInternalDueAt, sla.WorkBeginsDueAt,
            sla.WorkBeginsInternalDueAt, sla.AcknowledgedAt,
            sla is { RiskTarget: { } target, RiskPercent: { } percent } ? new SlaRiskView(target, percent, sla.RiskDueAt) : null,
            sla is { BreachedTarget: { } breached, BreachedAt: { } at } ? new SlaBreachView(breached, at) : null,
            SlaState(sla));

    internal static string SlaState(SlaSnapshot sla) => sla.Clock?.ToLowerInvariant()
        ?? (sla.AcknowledgeDueAt is null ? "starting" : "unknown");

    private static async Task<IResult> Get(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        return ticket is null ? Problems.TicketNotFound() : TypedResults.Ok(View(ticket));
    }

    private static async Task<IResult> ChangeStatus(Guid id, ChangeStatusRequest body, ClaimsPrincipal user, Tenant tenant, TicketsDbContext db,
        IPublishEndpoint bus, AfterHoursGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.To is not { } to || !Enum.IsDefined(to))
            errors["to"] = [$"Required: one of {string.Join(", ", Enum.GetNames<TicketStatus>())}."];
        else if (tenant.IsClient && to is not (TicketStatus.Closed or TicketStatus.Reopened))
            errors["to"] = ["A client may only close or reopen a resolved ticket: Closed or Reopened."];
        Input.Version(errors, body.Version);
        Input.Text(errors, "reason", body.Reason, TicketLimits.Reason, required: false);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.TicketAsync(db, id, cancellationToken);
        var ticket = await db.Tickets.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        if (ticket.Version != body.Version) return Problems.StaleTicket(ticket);
        var from = ticket.Status;
        if (tenant.IsClient && from != TicketStatus.Resolved)
            return Problems.Conflict($"SD#{ticket.Number} is not resolved.", "A client closes or reopens a ticket once it is resolved; until then, reply to it.");
        if (!ticket.TryMoveTo(body.To!.Value)) return Problems.InvalidTransition(from, body.To.Value);
        var at = clock.GetUtcNow();
        // Work begins: after hours only with the client's approval or pre-authorisation (docs/adr/0039).
        if (ticket.Status == TicketStatus.InProgress && await gate.RefuseToStartAsync(db, ticket, at, cancellationToken) is { } refusal)
            return Problems.AfterHours(refusal);

        var actor = Actor.Of(user);
        var reason = Input.Trimmed(body.Reason);
        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        db.Record(ticket, actor, at, "status-changed", new { from, to = ticket.Status, reason });
        // Publish, then save: the transactional outbox (issue 3) makes the pair atomic.
        var version = ticket.NextEventVersion();
        await bus.Publish(new TicketStatusChanged(ticket.Id, ticket.ClientId, from.ToString(), ticket.Status.ToString(), at,
            actor.Subject, actor.Channel, reason, version), cancellationToken);
        if (ticket.Status == TicketStatus.Resolved)
            await bus.Publish(new TicketResolved(ticket.Id, ticket.ClientId, at, version), cancellationToken);
        return await SaveAsync(db, transaction, ticket, cancellationToken);
    }

    private static async Task<IResult> ChangePriority(Guid id, ChangePriorityRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Priority is null || !Ticket.Priorities.Contains(body.Priority)) errors["priority"] = ["Required: one of P1, P2, P3, P4."];
        // The ledger records why a priority changed (DOMAIN.md): no reason, no change.
        Input.Text(errors, "reason", body.Reason, TicketLimits.Reason);
        Input.Version(errors, body.Version);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.TicketAsync(db, id, cancellationToken);
        var ticket = await db.Tickets.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        if (ticket.Version != body.Version) return Problems.StaleTicket(ticket);
        if (ticket.Priority == body.Priority) return Problems.Conflict($"The ticket is already {body.Priority}.");
        if (ticket.Status == TicketStatus.Closed) return Problems.Conflict("A closed ticket's priority cannot change.");

        var from = ticket.Priority;
        ticket.Priority = body.Priority!;
        var actor = Actor.Of(user);
        var at = clock.GetUtcNow();
        var reason = body.Reason!.Trim();
        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        db.Record(ticket, actor, at, "priority-changed", new { from, to = ticket.Priority, reason });
        await bus.Publish(new TicketPriorityChanged(ticket.Id, ticket.ClientId, from, ticket.Priority, reason, at,
            actor.Subject, actor.Channel, ticket.NextEventVersion()), cancellationToken);
        return await SaveAsync(db, transaction, ticket, cancellationToken);
    }

    private static async Task<IResult> Assign(Guid id, AssignRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Input.Text(errors, "assignee", body.Assignee, 200, required: false);
        Input.Text(errors, "reason", body.Reason, TicketLimits.Reason, required: false);
        Input.Version(errors, body.Version);
        if (body.TeamId is { } teamId && !await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken))
            errors["teamId"] = ["Unknown team."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.TicketAsync(db, id, cancellationToken);
        var ticket = await db.Tickets.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        if (ticket.Version != body.Version) return Problems.StaleTicket(ticket);
        var assignee = Input.Trimmed(body.Assignee);
        if (ticket.TeamId == body.TeamId && ticket.Assignee == assignee)
            return Problems.Conflict("The ticket is already assigned so.");
        if (ticket.Status == TicketStatus.Closed) return Problems.Conflict("A closed ticket cannot be reassigned.");

        var (previousTeam, previousAssignee) = (ticket.TeamId, ticket.Assignee);
        ticket.TeamId = body.TeamId;
        ticket.Assignee = assignee;
        var actor = Actor.Of(user);
        var at = clock.GetUtcNow();
        var reason = Input.Trimmed(body.Reason);
        // The history keeps every assignment; the ticket row holds only the current one.
        db.Assignments.Add(new TicketAssignment
        {
            TicketId = ticket.Id, ClientId = ticket.ClientId, TeamId = ticket.TeamId, Assignee = ticket.Assignee,
            Reason = reason, At = at, By = actor.Subject,
        });
        db.Record(ticket, actor, at, "assigned", new { previousTeam, previousAssignee, ticket.TeamId, ticket.Assignee, reason });
        await bus.Publish(new TicketAssigned(ticket.Id, ticket.ClientId, ticket.TeamId, ticket.Assignee, previousTeam,
            previousAssignee, reason, at, actor.Subject, actor.Channel, ticket.NextEventVersion()), cancellationToken);
        return await SaveAsync(db, transaction, ticket, cancellationToken);
    }

    /// <summary>
    /// Closes the ticket as a duplicate of another of the same client (docs/adr/0021-merging-tickets.md). Its thread
    /// shows on the survivor's conversation, and replies that name it are added to the survivor from now on.
    /// </summary>
    private static async Task<IResult> Merge(Guid id, MergeRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Into is not null && body.IntoNumber is not null) errors["into"] = ["Either into or intoNumber, not both."];
        else if (body.IntoNumber is { } number)
        {
            // The number names the survivor as people do; it is looked up like any ticket (the caller's tenant filter applies).
            if (number < 1) errors["intoNumber"] = ["A ticket number is 1 or more (\"SD#1234\" is 1234)."];
            else if (await db.Tickets.Where(t => t.Number == number).Select(t => (Guid?)t.Id).SingleOrDefaultAsync(cancellationToken) is { } found)
                body = body with { Into = found };
            else errors["intoNumber"] = [$"No ticket SD#{number}."];
        }
        else if (body.Into is null) errors["into"] = ["Required: the id of the ticket that survives (or intoNumber, its number)."];
        if (body.Into == id) errors[body.IntoNumber is null ? "into" : "intoNumber"] = ["A ticket cannot be merged into itself."];
        Input.Version(errors, body.Version);
        Input.Text(errors, "reason", body.Reason, TicketLimits.Reason, required: false);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Both rows, always in the same order: two merges of one pair in opposite directions wait instead of deadlocking.
        foreach (var locked in new[] { id, body.Into!.Value }.Order())
            await RowLocks.TicketAsync(db, locked, cancellationToken);
        var ticket = await db.Tickets.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        var survivor = await db.Tickets.SingleOrDefaultAsync(t => t.Id == body.Into, cancellationToken);
        if (survivor is null) return Problems.Invalid("into", "No such ticket.");
        if (ticket.Version != body.Version) return Problems.StaleTicket(ticket);
        if (ticket.Status == TicketStatus.Closed)
            return Problems.Conflict($"SD#{ticket.Number} is closed.", ticket.MergedIntoId is null
                ? "A closed ticket's SLA figures and invoice are final: it cannot be merged."
                : "It is already merged into another ticket.");
        if (survivor.ClientId != ticket.ClientId)
            return Problems.Conflict("The tickets belong to different clients.", "Only tickets of the same client can be merged.");
        if (survivor.Status == TicketStatus.Closed)
            return Problems.Conflict($"SD#{survivor.Number} is closed.", survivor.MergedIntoId is null
                ? "Merge into an open ticket."
                : "It was merged into another ticket: merge into that one.");

        var from = ticket.Status;
        ticket.MergeInto(survivor);
        // Duplicates merged into this ticket earlier move on to the survivor, so routing a reply follows one pointer.
        await db.Tickets.Where(t => t.MergedIntoId == ticket.Id)
            .ExecuteUpdateAsync(set => set.SetProperty(t => t.MergedIntoId, survivor.Id), cancellationToken);

        var actor = Actor.Of(user);
        var at = clock.GetUtcNow();
        var reason = Input.Trimmed(body.Reason);
        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        db.Record(ticket, actor, at, "merged", new { from, into = survivor.Id, intoNumber = survivor.Number, reason });
        db.Record(survivor, actor, at, "merge-received", new { merged = ticket.Id, mergedNumber = ticket.Number, reason });
        // The status change is what sla already follows for a closed ticket; TicketMerged says why.
        var closedBecause = $"Merged into SD#{survivor.Number}" + (reason is null ? "." : $": {reason}");
        await bus.Publish(new TicketStatusChanged(ticket.Id, ticket.ClientId, from.ToString(), ticket.Status.ToString(), at,
            actor.Subject, actor.Channel, closedBecause, ticket.NextEventVersion()), cancellationToken);
        await bus.Publish(new TicketMerged(ticket.Id, ticket.Number, survivor.Id, survivor.Number, ticket.ClientId, reason, at,
            actor.Subject, actor.Channel, ticket.NextEventVersion()), cancellationToken);
        return await SaveAsync(db, transaction, ticket, cancellationToken);
    }

    private static async Task<IResult> Assignments(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Tickets.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.TicketNotFound();
        return TypedResults.Ok(await db.Assignments.AsNoTracking().Where(a => a.TicketId == id).OrderBy(a => a.Id)
            .Select(a => new AssignmentView(a.Id, a.TeamId, a.Assignee, a.Reason, a.At, a.By))
            .ToArrayAsync(cancellationToken));
    }

    private static async Task<IResult> Audit(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Tickets.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.TicketNotFound();
        var entries = await db.Audit.AsNoTracking().Where(a => a.TicketId == id).OrderBy(a => a.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(entries.Select(a => new AuditView(a.Id, a.At, a.Actor, a.Channel, a.Action,
            System.Text.Json.JsonDocument.Parse(a.Details).RootElement.Clone())).ToArray());
    }

    /// <summary>
    /// Saves a ticket change with its audit entry and commits. The row lock (RowLocks) already makes a racing request
    /// wait and then fail the version check; the UPDATE is also conditional on the version that was read, so even a
    /// writer that took no lock cannot be overwritten: the loser gets 409 with the ticket as it now is.
    /// </summary>
    private static async Task<IResult> SaveAsync(TicketsDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction,
        Ticket ticket, CancellationToken cancellationToken)
    {
        ticket.ChangedByPerson();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            // The event is already published: from here on the caller hanging up must not undo the change.
            await transaction.CommitAsync(CancellationToken.None);
            return TypedResults.Ok(View(ticket));
        }
        catch (DbUpdateConcurrencyException)
        {
            await transaction.RollbackAsync(CancellationToken.None);
            db.ChangeTracker.Clear();
            var current = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == ticket.Id, CancellationToken.None);
            return current is null ? Problems.TicketNotFound() : Problems.StaleTicket(current);
        }
    }
}
