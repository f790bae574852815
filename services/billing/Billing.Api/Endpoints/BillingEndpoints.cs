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
        app.MapPost("/api/billing/tickets/{id:guid}/approvals", Approve)
            .RequireAuthorization(Policies.Staff)
            .Produces(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static readonly string[] Methods = ["phone", "sms", "email", "portal", "in-person"];

    /// <summary>
    /// Records a client's approval of after-hours work on the ticket, as on-call heard it. A stopgap until the after-hours
    /// work in tickets publishes AfterHoursWorkApproved: both land in the same table, and the latest approval's quoted
    /// rate is billed.
    /// </summary>
    private static async Task<IResult> Approve(Guid id, ApprovalRequest body, ClaimsPrincipal user, BillingDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Errors();
        if (string.IsNullOrWhiteSpace(body.ApproverName) || body.ApproverName.Length > 200) errors.Add("approverName", "Required, at most 200 characters.");
        if (!Methods.Contains(body.Method)) errors.Add("method", $"One of {string.Join(", ", Methods)}.");
        if (body.QuotedRate < 0) errors.Add("quotedRate", "Must not be negative.");
        if (body.QuotedRate is not null && !Currencies.IsKnown(body.Currency)) errors.Add("currency", "An ISO 4217 code, required with quotedRate.");
        if (errors.Count > 0) return errors.Problem();
        var record = await db.Records.AsNoTracking().SingleOrDefaultAsync(r => r.TicketId == id, cancellationToken);
        if (record is null) return Problems.NotFound("ticket");
        var approval = new Approval
        {
            ApprovalId = Guid.CreateVersion7(time.GetUtcNow()), TicketId = id, ClientId = record.ClientId, ApproverContactId = body.ApproverContactId,
            ApproverName = body.ApproverName!.Trim(), Method = body.Method!, QuotedRate = body.QuotedRate, Currency = body.Currency,
            At = (body.At ?? time.GetUtcNow()).ToUniversalTime(), RecordedBy = InvoiceEndpoints.Caller(user),
        };
        db.Approvals.Add(approval);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/billing/tickets/{id}", new { approval.ApprovalId });
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

/// <param name="Method">phone, sms, email, portal or in-person.</param>
/// <param name="QuotedRate">The hourly after-hours rate quoted to the approver; leave out for the agreement's.</param>
/// <param name="At">When the client approved; now when left out.</param>
public sealed record ApprovalRequest(string? ApproverName, Guid? ApproverContactId, string? Method, decimal? QuotedRate, string? Currency,
    DateTimeOffset? At);

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
