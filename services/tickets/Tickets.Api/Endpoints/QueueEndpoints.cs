using System.Globalization;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;

namespace Tickets.Api.Endpoints;

/// <param name="Sla">The next due times as on the ticket (the console counts down to them in each row).</param>
public sealed record QueueItem(
    Guid Id,
    long Number,
    string Reference,
    Guid ClientId,
    string Subject,
    TicketStatus Status,
    string Priority,
    Guid? TeamId,
    string? Assignee,
    DateTimeOffset OpenedAt,
    uint Version,
    string? ContactName = null,
    DateTimeOffset? WorkBeginsDueAt = null,
    string? SlaState = null,
    SlaView? Sla = null);

/// <summary>
/// The queue's query string, bound as text so that each bad value gets a 400 naming its parameter (and so the OpenAPI
/// document lists them).
/// </summary>
/// <param name="View">all (default), mine, team, unassigned, at-risk (sla warned) or breached (a target missed).</param>
/// <param name="Status">Comma-separated statuses, or "any"; by default every status but Resolved and Closed.</param>
/// <param name="After">The previous page's "next".</param>
/// <param name="Order">"queue" (default: highest priority, then oldest first) or "newest" (newest first, as the portal lists).</param>
public sealed record QueueQuery(
    [property: FromQuery(Name = "view")] string? View,
    [property: FromQuery(Name = "status")] string? Status,
    [property: FromQuery(Name = "priority")] string? Priority,
    [property: FromQuery(Name = "teamId")] string? TeamId,
    [property: FromQuery(Name = "clientId")] string? ClientId,
    [property: FromQuery(Name = "after")] string? After,
    [property: FromQuery(Name = "limit")] string? Limit,
    [property: FromQuery(Name = "order")] string? Order = null);

/// <param name="Next">Pass as "after" for the next page; null on the last page.</param>
public sealed record QueuePage(QueueItem[] Items, string? Next);

/// <summary>What a queue view asks for, once its query string is checked.</summary>
public sealed record QueueFilter(
    string View,
    TicketStatus[] Statuses,
    string? Priority,
    Guid? TeamId,
    Guid? ClientId,
    string? Me,
    Guid[]? MyTeams,
    (string Priority, DateTimeOffset OpenedAt, Guid Id)? After,
    int Limit,
    bool Newest = false);

public static class QueueEndpoints
{
    public const int DefaultLimit = 25;
    public const int MaxLimit = 100;
    private static readonly string[] Views = ["all", "mine", "team", "unassigned", "at-risk", "breached"];

    public static IEndpointRouteBuilder MapQueueEndpoints(this IEndpointRouteBuilder app)
    {
        // Clients see their own client's tickets (the tenant filter); staff pick a view.
        app.MapGet("/api/tickets", List)
            .WithTags("Tickets")
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<QueuePage>()
            .ProducesValidationProblem();
        return app;
    }

    /// <summary>
    /// The work queue: highest priority first ("P1" sorts before "P2"), then oldest, then id so that the order is total
    /// and keyset paging ("after" = the last row's key) never skips or repeats a row however the table changes between pages.
    /// </summary>
    public static IQueryable<Ticket> Query(TicketsDbContext db, QueueFilter filter)
    {
        var query = db.Tickets.AsNoTracking();
        query = filter.View switch
        {
            "mine" => query.Where(t => t.Assignee == filter.Me),
            // With an explicit teamId the view is that team's queue (the teamId filter below), not the caller's teams.
            "team" when filter.MyTeams is { } teams => query.Where(t => t.TeamId != null && teams.Contains(t.TeamId.Value)),
            "unassigned" => query.Where(t => t.Assignee == null),
            // Both served by partial indexes on the queue order (migration SlaRiskViews).
            "at-risk" => query.Where(t => t.Sla.RiskPercent != null),
            "breached" => query.Where(t => t.Sla.BreachedAt != null),
            _ => query,
        };
        if (filter.TeamId is { } team) query = query.Where(t => t.TeamId == team);
        if (filter.ClientId is { } client) query = query.Where(t => t.ClientId == client);
        if (filter.Priority is { } priority) query = query.Where(t => t.Priority == priority);
        if (filter.Statuses.Length == 1) query = query.Where(t => t.Status == filter.Statuses[0]);
        else if (filter.Statuses.Length < Enum.GetValues<TicketStatus>().Length) query = query.Where(t => filter.Statuses.Contains(t.Status));
        if (filter.Newest)
        {
            // The portal's order: newest first, the same keyset paging on (opened_at, id) backwards.
            if (filter.After is var (_, openedAt, id))
                query = query.Where(t => EF.Functions.LessThan(ValueTuple.Create(t.OpenedAt, t.Id), ValueTuple.Create(openedAt, id)));
            return query.OrderByDescending(t => t.OpenedAt).ThenByDescending(t => t.Id).Take(filter.Limit);
        }
        if (filter.After is var (p, o, i))
            query = query.Where(t => EF.Functions.GreaterThan(ValueTuple.Create(t.Priority, t.OpenedAt, t.Id), ValueTuple.Create(p, o, i)));
        return query.OrderBy(t => t.Priority).ThenBy(t => t.OpenedAt).ThenBy(t => t.Id).Take(filter.Limit);
    }

    private static async Task<IResult> List([AsParameters] QueueQuery parameters, HttpRequest request, ClaimsPrincipal user, Tenant tenant,
        TicketsDbContext db, CancellationToken cancellationToken)
    {
        var (filter, errors) = Parse(parameters, request.Query.Keys, user, tenant);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        if (filter!.View == "team" && filter.TeamId is null)
        {
            var me = filter.Me;
            filter = filter with { MyTeams = await db.Teams.AsNoTracking().Where(t => t.Members.Contains(me!)).Select(t => t.Id).ToArrayAsync(cancellationToken) };
        }

        var rows = await Query(db, filter).ToListAsync(cancellationToken);
        var items = rows.Select(t => new QueueItem(t.Id, t.Number, $"SD#{t.Number}", t.ClientId, t.Subject, t.Status, t.Priority,
            t.TeamId, t.Assignee, t.OpenedAt, t.Version, t.ContactName, t.Sla.WorkBeginsDueAt, TicketEndpoints.SlaState(t.Sla),
            TicketEndpoints.View(t.Sla))).ToArray();
        var next = rows.Count == filter.Limit ? Cursor(rows[^1], filter.Newest) : null;
        return TypedResults.Ok(new QueuePage(items, next));
    }

    private static readonly string[] Parameters = ["view", "status", "priority", "teamId", "clientId", "after", "limit", "order"];

    /// <param name="keys">Every parameter sent: a misspelt one ("staus") is refused rather than silently ignored.</param>
    private static (QueueFilter?, Dictionary<string, string[]>) Parse(QueueQuery query, IEnumerable<string> keys, ClaimsPrincipal user, Tenant tenant)
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var key in keys.Where(k => !Parameters.Contains(k, StringComparer.OrdinalIgnoreCase)))
            errors[key] = ["Unknown parameter."];

        var view = query.View is { Length: > 0 } v ? v : "all";
        if (!Views.Contains(view)) errors["view"] = [$"One of {string.Join(", ", Views)}."];
        else if (tenant.IsClient && view != "all") errors["view"] = ["A client user's view is \"all\": their own client's tickets."];

        TicketStatus[] statuses = TicketLifecycle.Open;
        if (query.Status is { Length: > 0 } statusText)
        {
            if (statusText == "any") statuses = Enum.GetValues<TicketStatus>();
            else
            {
                var parsed = statusText.Split(',', StringSplitOptions.TrimEntries)
                    .Select(s => Enum.TryParse<TicketStatus>(s, ignoreCase: true, out var status) && Enum.IsDefined(status) && !int.TryParse(s, out _) ? status : (TicketStatus?)null)
                    .ToArray();
                if (parsed.Any(s => s is null)) errors["status"] = [$"Comma-separated statuses ({string.Join(", ", Enum.GetNames<TicketStatus>())}), or \"any\"."];
                else statuses = [.. parsed.Select(s => s!.Value).Distinct()];
            }
        }

        var priority = query.Priority is { Length: > 0 } pr ? pr : null;
        if (priority is not null && !Ticket.Priorities.Contains(priority)) errors["priority"] = ["One of P1, P2, P3, P4."];

        Guid? teamId = ParseGuid(query.TeamId, "teamId", errors);
        Guid? clientId = ParseGuid(query.ClientId, "clientId", errors);

        var limit = DefaultLimit;
        if (query.Limit is { Length: > 0 } limitText
            && (!int.TryParse(limitText, NumberStyles.None, CultureInfo.InvariantCulture, out limit) || limit is < 1 or > MaxLimit))
            errors["limit"] = [$"A number from 1 to {MaxLimit}."];

        var newest = query.Order is "newest";
        if (query.Order is { Length: > 0 } and not ("newest" or "queue")) errors["order"] = ["One of queue, newest."];

        (string, DateTimeOffset, Guid)? after = null;
        if (query.After is { Length: > 0 } cursor)
        {
            after = ParseCursor(cursor);
            // A cursor names its order, so one from the other order cannot skip or repeat rows.
            if (after is null || (after.Value.Item1 == NewestCursor) != newest)
                errors["after"] = ["Not a cursor from this API: pass a page's \"next\" value unchanged."];
        }

        var filter = new QueueFilter(view, statuses, priority, teamId, clientId, user.Identity?.Name, null, after, limit, newest);
        return (errors.Count == 0 ? filter : null, errors);
    }

    /// <summary>Stands where the priority does in a cursor of the "newest" order.</summary>
    private const string NewestCursor = "newest";

    private static Guid? ParseGuid(string? text, string key, Dictionary<string, string[]> errors)
    {
        if (text is not { Length: > 0 }) return null;
        if (Guid.TryParse(text, out var id)) return id;
        errors[key] = ["Not a valid id."];
        return null;
    }

    /// <summary>The last row's sort key, opaque to callers so that its form can change.</summary>
    private static string Cursor(Ticket last, bool newest) =>
        WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(
            $"{(newest ? NewestCursor : last.Priority)}|{last.OpenedAt.UtcTicks.ToString(CultureInfo.InvariantCulture)}|{last.Id:N}"));

    private static (string, DateTimeOffset, Guid)? ParseCursor(string cursor)
    {
        try
        {
            var parts = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor)).Split('|');
            if (parts.Length == 3 && (Ticket.Priorities.Contains(parts[0]) || parts[0] == NewestCursor)
                && long.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
                && ticks <= DateTimeOffset.MaxValue.UtcTicks
                && Guid.TryParseExact(parts[2], "N", out var id))
                return (parts[0], new DateTimeOffset(ticks, TimeSpan.Zero), id);
        }
        catch (FormatException)
        {
        }
        return null;
    }
}
