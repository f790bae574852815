using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;

namespace Sla.Api.Reports;

/// <param name="From">Tickets entered at or after this instant (ISO 8601; a date is midnight UTC). Default: 30 days before <paramref name="To"/>.</param>
/// <param name="To">Tickets entered before this instant. Default: now.</param>
/// <param name="GroupBy">priority (default), client, team or period.</param>
/// <param name="Period">For groupBy=period: day, week or month (default).</param>
/// <param name="TimeZone">IANA zone in which periods begin; default UTC.</param>
/// <param name="Format">json (default) or csv.</param>
public sealed record ReportQuery(string? From, string? To, string? GroupBy, string? Period, string? TimeZone, Guid? ClientId,
    Guid? TeamId, string? Priority, string? Format);

/// <summary>One target of one group: how many tickets, how fast in business time, and how many within each commitment.</summary>
public sealed class ReportRow
{
    public required string Group { get; init; }
    /// <summary>With groupBy=client: the client's name as sla last heard it from tickets (null if it never did).</summary>
    public string? ClientName { get; init; }
    public required string Target { get; init; }
    /// <summary>Targets met or breached in the group (an undecided target is not counted yet).</summary>
    public int Tickets { get; init; }
    public int Met { get; init; }
    public double? MedianBusinessMinutes { get; init; }
    public double? P90BusinessMinutes { get; init; }
    public double? ContractualMetPercent { get; init; }
    public double? InternalMetPercent { get; init; }
}

public sealed record Report(DateTimeOffset From, DateTimeOffset To, string GroupBy, string? Period, string TimeZone, IReadOnlyList<ReportRow> Rows);

public static class ReportEndpoints
{
    private static readonly string[] Groupings = ["priority", "client", "team", "period"];
    private static readonly string[] Periods = ["day", "week", "month"];

    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sla/reports", Get)
            .WithTags("Reports")
            .RequireAuthorization(Policies.Staff)
            .Produces<Report>()
            .Produces<string>(StatusCodes.Status200OK, "text/csv")
            .ProducesValidationProblem();
        return app;
    }

    /// <summary>
    /// Time to acknowledge, to begin work and to resolve, per priority, client, team or period: count, median, p90 and
    /// the share met against the contractual and the internal target, all in business time.
    /// </summary>
    private static async Task<IResult> Get([AsParameters] ReportQuery query, SlaDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var to = Instant(query.To, "to", errors) ?? time.GetUtcNow();
        var from = Instant(query.From, "from", errors) ?? to.AddDays(-30);
        if (!errors.ContainsKey("from") && !errors.ContainsKey("to") && from >= to) errors["from"] = ["Must be before 'to'."];
        var groupBy = query.GroupBy ?? "priority";
        if (!Groupings.Contains(groupBy)) errors["groupBy"] = [$"One of {string.Join(", ", Groupings)}."];
        var period = query.Period ?? "month";
        if (!Periods.Contains(period)) errors["period"] = [$"One of {string.Join(", ", Periods)}."];
        var timeZone = query.TimeZone ?? "UTC";
        if (!TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _)) errors["timeZone"] = [$"'{timeZone}' is not a known IANA time zone."];
        if (query.Priority is { } priority && !Enum.GetNames<Priority>().Contains(priority)) errors["priority"] = ["One of P1, P2, P3, P4."];
        var format = query.Format ?? "json";
        if (format is not ("json" or "csv")) errors["format"] = ["json or csv."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var rows = await QueryAsync(db, from, to, groupBy, period, timeZone, query, cancellationToken);
        return format == "csv"
            ? TypedResults.Text(Csv(rows), "text/csv; charset=utf-8")
            : TypedResults.Ok(new Report(from, to, groupBy, groupBy == "period" ? period : null, timeZone, rows));
    }

    private static DateTimeOffset? Instant(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null) return null;
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var instant)) return instant.ToUniversalTime();
        errors[field] = ["An ISO 8601 date or instant, e.g. 2026-11-01 or 2026-11-01T08:00:00-05:00."];
        return null;
    }

    /// <summary>
    /// One statement over the outcomes of the tickets entered in the range. The grouping is one of four fixed
    /// expressions (never caller text); every value the caller gives is a parameter.
    /// </summary>
    private static Task<List<ReportRow>> QueryAsync(SlaDbContext db, DateTimeOffset from, DateTimeOffset to, string groupBy, string period,
        string timeZone, ReportQuery query, CancellationToken cancellationToken)
    {
        var group = groupBy switch
        {
            "client" => """o."ClientId"::text""",
            "team" => """coalesce(t."TeamId"::text, 'unassigned')""",
            "period" => """to_char(date_trunc(@period, o."EnteredAt" AT TIME ZONE @zone), 'YYYY-MM-DD')""",
            _ => """o."Priority" """,
        };
        // Names are not unique; the group stays the id, and the name rides along.
        var clientName = groupBy == "client" ? """c."Name" """ : "NULL::text";
        var parameters = new List<NpgsqlParameter>
        {
            new("from", from), new("to", to), new("period", period), new("zone", timeZone),
        };
        var filters = new StringBuilder();
        if (query.ClientId is { } clientId) { filters.Append(""" AND o."ClientId" = @client"""); parameters.Add(new("client", clientId)); }
        if (query.TeamId is { } teamId) { filters.Append(""" AND t."TeamId" = @team"""); parameters.Add(new("team", teamId)); }
        if (query.Priority is { } priority) { filters.Append(""" AND o."Priority" = @priority"""); parameters.Add(new("priority", priority)); }
        var sql = $"""
            SELECT {group} AS "Group", o."Target" AS "Target", {clientName} AS "ClientName",
                   count(*)::int AS "Tickets",
                   count(o."MetAt")::int AS "Met",
                   round((percentile_cont(0.5) WITHIN GROUP (ORDER BY o."BusinessSeconds") / 60)::numeric, 2)::float8 AS "MedianBusinessMinutes",
                   round((percentile_cont(0.9) WITHIN GROUP (ORDER BY o."BusinessSeconds") / 60)::numeric, 2)::float8 AS "P90BusinessMinutes",
                   round(100.0 * count(*) FILTER (WHERE o."MetContractual") / nullif(count(o."MetContractual"), 0), 1)::float8 AS "ContractualMetPercent",
                   round(100.0 * count(*) FILTER (WHERE o."MetInternal") / nullif(count(o."MetInternal"), 0), 1)::float8 AS "InternalMetPercent"
            FROM sla_target_outcomes o LEFT JOIN sla_report_tickets t ON t."TicketId" = o."TicketId"
                 LEFT JOIN clients c ON c."Id" = o."ClientId"
            WHERE o."EnteredAt" >= @from AND o."EnteredAt" < @to AND t."Merged" IS NOT TRUE{filters}
            GROUP BY 1, 2, 3
            ORDER BY 1, 2
            """;
        return db.Database.SqlQueryRaw<ReportRow>(sql, [.. parameters]).ToListAsync(cancellationToken);
    }

    private static string Csv(IReadOnlyList<ReportRow> rows)
    {
        // clientName last: columns readers already know keep their places.
        var csv = new StringBuilder("group,target,tickets,met,medianBusinessMinutes,p90BusinessMinutes,contractualMetPercent,internalMetPercent,clientName\n");
        foreach (var row in rows)
            csv.AppendJoin(',', row.Group, row.Target, Number(row.Tickets), Number(row.Met), Number(row.MedianBusinessMinutes),
                Number(row.P90BusinessMinutes), Number(row.ContractualMetPercent), Number(row.InternalMetPercent), Text(row.ClientName)).Append('\n');
        return csv.ToString();
    }

    /// <summary>RFC 4180: a name with a comma, quote or line break is quoted, its quotes doubled.</summary>
    private static string Text(string? value) =>
        value is null ? "" : value.IndexOfAny([',', '"', '\r', '\n']) < 0 ? value : $"\"{value.Replace("\"", "\"\"")}\"";

    /// <summary>Invariant digits; empty when there is nothing to measure (no target met yet).</summary>
    private static string Number(double? value) => value?.ToString(CultureInfo.InvariantCulture) ?? "";
}
