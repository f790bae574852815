using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Endpoints;

public sealed record ContactView(string Email, string? Name);

public sealed record SlaView(
    DateTimeOffset? AcknowledgeDueAt,
    DateTimeOffset? AcknowledgeInternalDueAt,
    DateTimeOffset? WorkBeginsDueAt,
    DateTimeOffset? WorkBeginsInternalDueAt,
    DateTimeOffset? AcknowledgedAt,
    SlaRiskView? Risk = null,
    SlaBreachView? Breach = null);

/// <summary>sla warned that <paramref name="Percent"/> of the target's budget is used, due at <paramref name="DueAt"/>.</summary>
public sealed record SlaRiskView(string Target, int Percent, DateTimeOffset? DueAt);

public sealed record SlaBreachView(string Target, DateTimeOffset DueAt);

/// <param name="Version">Send it back with every change; a change made from an older version is refused (409).</param>
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
    string? Category,
    Guid? TeamId,
    string? Assignee,
    DateTimeOffset OpenedAt,
    uint Version,
    SlaView Sla);

/// <param name="Version">The ticket's version as last read.</param>
public sealed record ChangeStatusRequest(TicketStatus? To, uint? Version, string? Reason);

public sealed record ChangePriorityRequest(string? Priority, string? Reason, uint? Version);

/// <summary>Sets both: a null team is the unassigned (dispatch) queue, a null assignee is the team's queue.</summary>
public sealed record AssignRequest(Guid? TeamId, string? Assignee, string? Reason, uint? Version);

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

        // Changes are for staff only: a client token gets 403 before anything is read.
        tickets.MapPost("/{id:guid}/status", ChangeStatus)
            .RequireAuthorization(Policies.Staff)
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
        var sla = ticket.Sla;
        return new TicketView(ticket.Id, ticket.Number, $"SD#{ticket.Number}", ticket.ClientId,
            new ContactView(ticket.ContactEmail, ticket.ContactName), ticket.Channel, ticket.Subject, ticket.Description,
            ticket.Status, ticket.Priority, ticket.PriorityHint, ticket.Category, ticket.TeamId, ticket.Assignee,
            ticket.OpenedAt, ticket.Version,
            new SlaView(sla.AcknowledgeDueAt, sla.AcknowledgeInternalDueAt, sla.WorkBeginsDueAt,
                sla.WorkBeginsInternalDueAt, sla.AcknowledgedAt,
                sla is { RiskTarget: { } target, RiskPercent: { } percent } ? new SlaRiskView(target, percent, sla.RiskDueAt) : null,
                sla is { BreachedTarget: { } breached, BreachedAt: { } at } ? new SlaBreachView(breached, at) : null));
    }

    private static async Task<IResult> Get(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        return ticket is null ? Problems.TicketNotFound() : TypedResults.Ok(View(ticket));
    }

    private static async Task<IResult> ChangeStatus(Guid id, ChangeStatusRequest body, ClaimsPrincipal user, TicketsDbContext db,
        IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.To is not { } to || !Enum.IsDefined(to))
            errors["to"] = [$"Required: one of {string.Join(", ", Enum.GetNames<TicketStatus>())}."];
        Input.Version(errors, body.Version);
        Input.Text(errors, "reason", body.Reason, TicketLimits.Reason, required: false);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await RowLocks.TicketAsync(db, id, cancellationToken);
        var ticket = await db.Tickets.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        if (ticket.Version != body.Version) return Problems.StaleTicket(ticket);
        var from = ticket.Status;
        if (!ticket.TryMoveTo(body.To!.Value)) return Problems.InvalidTransition(from, body.To.Value);

        var actor = Actor.Of(user);
        var at = clock.GetUtcNow();
        var reason = Input.Trimmed(body.Reason);
        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        db.Record(ticket, actor, at, "status-changed", new { from, to = ticket.Status, reason });
        // Publish, then save: the transactional outbox (issue 3) makes the pair atomic.
        await bus.Publish(new TicketStatusChanged(ticket.Id, ticket.ClientId, from.ToString(), ticket.Status.ToString(), at,
            actor.Subject, actor.Channel, reason), cancellationToken);
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
            actor.Subject, actor.Channel), cancellationToken);
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
            previousAssignee, reason, at, actor.Subject, actor.Channel), cancellationToken);
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
    /// wait and then fail the version check; the UPDATE is also conditional on the version that was read (xmin), so even
    /// a writer that took no lock (a consumer) cannot be overwritten: the loser gets 409 with the ticket as it now is.
    /// </summary>
    private static async Task<IResult> SaveAsync(TicketsDbContext db, Microsoft.EntityFrameworkCore.Storage.IDbContextTransaction transaction,
        Ticket ticket, CancellationToken cancellationToken)
    {
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
