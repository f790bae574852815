using System.Security.Claims;
using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

public static class BillingEndpoints
{
    public static IEndpointRouteBuilder MapBillingEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/billing/tickets/{id:guid}", Get)
            .RequireAuthorization(Policies.Billing)
            .Produces<BillingRecordView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> Get(Guid id, BillingDbContext db, CancellationToken cancellationToken)
    {
        var record = await db.Records.AsNoTracking().SingleOrDefaultAsync(r => r.TicketId == id, cancellationToken);
        if (record is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No billing record for this ticket.");

        var entries = await db.TimeEntries.AsNoTracking().Where(e => e.TicketId == id)
            .OrderBy(e => e.StartedAt).ThenBy(e => e.TimeEntryId)
            .Select(e => new TimeEntryView(e.TimeEntryId, e.Revision, e.Responder, e.StartedAt, e.EndedAt, e.Minutes,
                e.WorkType.ToString(), e.Note, e.RecordedAt, e.RecordedBy))
            .ToListAsync(cancellationToken);
        // Every work type is named, with 0 when it has no minutes, so a reader never has to guess a missing key.
        var byWorkType = Enum.GetValues<WorkType>().ToDictionary(type => type.ToString(),
            type => entries.Where(e => e.WorkType == type.ToString()).Sum(e => e.Minutes));
        return TypedResults.Ok(new BillingRecordView(record.TicketId, record.TicketNumber, record.ClientId, record.OpenedAt,
            record.BillableMinutes, byWorkType, entries));
    }
}

/// <param name="BillableMinutes">The sum of every time entry's latest revision.</param>
/// <param name="MinutesByWorkType">"BusinessHours", "AfterHours" and "Emergency", each always present.</param>
/// <param name="TimeEntries">Each entry at its latest revision, credited to its responder, oldest work first.</param>
public sealed record BillingRecordView(
    Guid TicketId,
    long TicketNumber,
    Guid ClientId,
    DateTimeOffset OpenedAt,
    int BillableMinutes,
    IReadOnlyDictionary<string, int> MinutesByWorkType,
    IReadOnlyList<TimeEntryView> TimeEntries);

public sealed record TimeEntryView(
    Guid TimeEntryId,
    int Revision,
    string Responder,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    int Minutes,
    string WorkType,
    string? Note,
    DateTimeOffset RecordedAt,
    string RecordedBy);
