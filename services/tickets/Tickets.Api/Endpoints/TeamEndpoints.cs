using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;

namespace Tickets.Api.Endpoints;

/// <param name="Lead">The team lead's subject, paged after the backup.</param>
/// <param name="PageWaitSeconds">How long a page waits for an acknowledgement before the next is paged: 30 to 3600, 300 when absent.</param>
/// <param name="PageRounds">How many times the chain (primary, backup, lead) is walked before the dispatchers are alerted: 1 to 10, 2 when absent.</param>
public sealed record TeamRequest(string? Name, string? Description, string[]? Members, string? Lead = null, int? PageWaitSeconds = null,
    int? PageRounds = null);

public sealed record TeamView(Guid Id, string Name, string? Description, string[] Members, string? Lead, int PageWaitSeconds, int PageRounds);

/// <param name="Order">Lower wins when several rules match.</param>
/// <param name="Category">Refused: nothing gives a ticket a category, so such a rule could never match (docs/adr/0023).</param>
public sealed record RoutingRuleRequest(int? Order, Guid? ClientId, string? Channel, string? Category, Guid? TeamId);

public sealed record RoutingRuleView(Guid Id, int Order, Guid? ClientId, string? Channel, Guid TeamId);

/// <summary>
/// Teams and the rules that route new tickets to them: the MSP's own organisation, not any client's data. Every
/// staff member may read them; dispatchers and admins change them.
/// </summary>
public static class TeamEndpoints
{
    public const string Dispatchers = "dispatchers";

    public static IHostApplicationBuilder AddTeamPolicies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(Dispatchers, policy => policy.RequireRole(Roles.Dispatcher, Roles.Admin));
        return builder;
    }

    public static IEndpointRouteBuilder MapTeamEndpoints(this IEndpointRouteBuilder app)
    {
        var teams = app.MapGroup("/api/teams").WithTags("Teams").RequireAuthorization(Policies.Staff);
        teams.MapGet("", async (TicketsDbContext db, CancellationToken ct) =>
            TypedResults.Ok((await db.Teams.AsNoTracking().OrderBy(t => t.Name).ToListAsync(ct)).Select(View).ToArray()));
        teams.MapGet("/{id:guid}", async (Guid id, TicketsDbContext db, CancellationToken ct) =>
                await db.Teams.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, ct) is { } team
                    ? TypedResults.Ok(View(team)) : Problems.NotFound("team"))
            .Produces<TeamView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        teams.MapPost("", CreateTeam)
            .RequireAuthorization(Dispatchers)
            .Produces<TeamView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        teams.MapPut("/{id:guid}", UpdateTeam)
            .RequireAuthorization(Dispatchers)
            .Produces<TeamView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        teams.MapDelete("/{id:guid}", DeleteTeam)
            .RequireAuthorization(Dispatchers)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        var rules = app.MapGroup("/api/routing-rules").WithTags("Teams").RequireAuthorization(Policies.Staff);
        rules.MapGet("", async (TicketsDbContext db, CancellationToken ct) =>
            TypedResults.Ok(await db.RoutingRules.AsNoTracking().OrderBy(r => r.Order).ThenBy(r => r.Id)
                .Select(r => new RoutingRuleView(r.Id, r.Order, r.ClientId, r.Channel, r.TeamId)).ToArrayAsync(ct)))
            .Produces<RoutingRuleView[]>();
        rules.MapPost("", CreateRule)
            .RequireAuthorization(Dispatchers)
            .Produces<RoutingRuleView>(StatusCodes.Status201Created)
            .ProducesValidationProblem();
        rules.MapPut("/{id:guid}", UpdateRule)
            .RequireAuthorization(Dispatchers)
            .Produces<RoutingRuleView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        rules.MapDelete("/{id:guid}", async (Guid id, TicketsDbContext db, CancellationToken ct) =>
                await db.RoutingRules.Where(r => r.Id == id).ExecuteDeleteAsync(ct) == 0
                    ? Problems.NotFound("routing rule") : TypedResults.NoContent())
            .RequireAuthorization(Dispatchers)
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static TeamView View(Team team) =>
        new(team.Id, team.Name, team.Description, [.. team.Members], team.Lead, (int)team.PageWait.TotalSeconds, team.PageRounds);

    private static async Task<IResult> CreateTeam(TeamRequest body, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var team = new Team { Id = Guid.CreateVersion7(), Name = "" };
        Apply(team, body);
        db.Teams.Add(team);
        return await SaveTeamAsync(db, team, StatusCodes.Status201Created, cancellationToken);
    }

    private static async Task<IResult> UpdateTeam(Guid id, TeamRequest body, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var team = await db.Teams.SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (team is null) return Problems.NotFound("team");
        Apply(team, body);
        return await SaveTeamAsync(db, team, StatusCodes.Status200OK, cancellationToken);
    }

    /// <summary>A team still holding tickets or named by a rule stays: deleting it would strand them.</summary>
    private static async Task<IResult> DeleteTeam(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Teams.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.NotFound("team");
        if (await db.Tickets.AnyAsync(t => t.TeamId == id, cancellationToken))
            return Problems.Conflict("The team still has tickets.", "Reassign them first.");
        if (await db.RoutingRules.AnyAsync(r => r.TeamId == id, cancellationToken))
            return Problems.Conflict("Routing rules still send tickets to the team.", "Delete or change those rules first.");
        try
        {
            await db.Teams.Where(t => t.Id == id).ExecuteDeleteAsync(cancellationToken);
        }
        catch (Npgsql.PostgresException e) when (e.SqlState == Npgsql.PostgresErrorCodes.ForeignKeyViolation)
        {
            return Problems.Conflict("A routing rule was added for the team meanwhile.", "Delete or change those rules first.");
        }
        return TypedResults.NoContent();
    }

    private static async Task<IResult> SaveTeamAsync(TicketsDbContext db, Team team, int status, CancellationToken cancellationToken)
    {
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation())
        {
            return Problems.Conflict($"A team named '{team.Name}' exists.");
        }
        return status == StatusCodes.Status201Created ? TypedResults.Created($"/api/teams/{team.Id}", View(team)) : TypedResults.Ok(View(team));
    }

    private static void Apply(Team team, TeamRequest body)
    {
        team.Name = body.Name!.Trim();
        team.Description = Input.Trimmed(body.Description);
        team.Members = [.. (body.Members ?? []).Select(m => m.Trim()).Distinct(StringComparer.Ordinal)];
        // A PUT replaces the team: an absent setting is the default again, as an absent description is none.
        team.Lead = Input.Trimmed(body.Lead);
        team.PageWait = body.PageWaitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : Team.DefaultPageWait;
        team.PageRounds = body.PageRounds ?? Team.DefaultPageRounds;
    }

    private static Dictionary<string, string[]> Validate(TeamRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        Input.Text(errors, "name", body.Name, TicketLimits.TeamName);
        Input.Text(errors, "description", body.Description, TicketLimits.Reason, required: false);
        if (body.Members is { } members)
        {
            if (members.Length > TicketLimits.MaxTeamMembers) errors["members"] = [$"At most {TicketLimits.MaxTeamMembers} members."];
            for (var i = 0; i < members.Length && !errors.ContainsKey("members"); i++)
                Input.Text(errors, $"members[{i}]", members[i], 200);
        }
        Input.Text(errors, "lead", body.Lead, TicketLimits.PersonSubject, required: false);
        if (body.PageWaitSeconds is { } wait && (wait < Team.MinPageWait.TotalSeconds || wait > Team.MaxPageWait.TotalSeconds))
            errors["pageWaitSeconds"] = [$"From {Team.MinPageWait.TotalSeconds} to {Team.MaxPageWait.TotalSeconds} seconds."];
        if (body.PageRounds is { } rounds && rounds is < 1 or > Team.MaxPageRounds)
            errors["pageRounds"] = [$"From 1 to {Team.MaxPageRounds}."];
        return errors;
    }

    private static RoutingRuleView View(RoutingRule rule) => new(rule.Id, rule.Order, rule.ClientId, rule.Channel, rule.TeamId);

    private static async Task<IResult> CreateRule(RoutingRuleRequest body, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(body, db, cancellationToken);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var rule = new RoutingRule { Id = Guid.CreateVersion7() };
        Apply(rule, body);
        db.RoutingRules.Add(rule);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/routing-rules/{rule.Id}", View(rule));
    }

    /// <summary>Replaces the rule; tickets already opened keep the team they were routed to.</summary>
    private static async Task<IResult> UpdateRule(Guid id, RoutingRuleRequest body, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var errors = await ValidateAsync(body, db, cancellationToken);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var rule = await db.RoutingRules.SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (rule is null) return Problems.NotFound("routing rule");
        Apply(rule, body);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(View(rule));
    }

    private static void Apply(RoutingRule rule, RoutingRuleRequest body)
    {
        rule.Order = body.Order!.Value;
        rule.ClientId = body.ClientId;
        rule.Channel = Input.Trimmed(body.Channel);
        rule.TeamId = body.TeamId!.Value;
    }

    private static async Task<Dictionary<string, string[]>> ValidateAsync(RoutingRuleRequest body, TicketsDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.Order is null) errors["order"] = ["Required: lower wins when several rules match."];
        Input.Text(errors, "channel", body.Channel, TicketLimits.Channel, required: false);
        if (body.Category is not null)
            errors["category"] = ["Not supported: tickets have no category. Route by client and channel."];
        if (body.TeamId is not { } teamId) errors["teamId"] = ["Required."];
        else if (!await db.Teams.AnyAsync(t => t.Id == teamId, cancellationToken)) errors["teamId"] = ["Unknown team."];
        return errors;
    }
}
