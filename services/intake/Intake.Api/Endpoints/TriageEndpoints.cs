using Intake.Api.Channels;
using Intake.Api.Data;
using Intake.Contracts;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Intake.Api.Endpoints;

/// <param name="ClientId">The client the request belongs to.</param>
/// <param name="ContactEmail">Where to answer; defaults to the sender's email.</param>
public sealed record AssignTriage(Guid? ClientId, string? ContactEmail, string? ContactName);

public sealed record DiscardTriage(string? Reason);

/// <summary>
/// Requests from senders the directory does not know wait here for staff, never in the bin: staff assign each to a
/// client (it becomes a request with its original receipt time, so the clock counts from when it arrived) or discard
/// it with a reason.
/// </summary>
public static class TriageEndpoints
{
    public static IEndpointRouteBuilder MapTriageEndpoints(this IEndpointRouteBuilder app)
    {
        var triage = app.MapGroup("/api/triage").RequireAuthorization(Policies.Staff);
        triage.MapGet("/", List);
        triage.MapPost("/{id:guid}/assign", Assign).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        triage.MapPost("/{id:guid}/discard", Discard).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>Open items, oldest first (the longest-waiting sender first).</summary>
    private static async Task<IResult> List(IntakeDbContext db, CancellationToken cancellationToken, bool resolved = false) =>
        TypedResults.Ok(await db.Triage.AsNoTracking()
            .Where(t => resolved ? t.ResolvedAt != null : t.ResolvedAt == null)
            .OrderBy(t => t.ReceivedAt).Take(200)
            .Select(t => new
            {
                t.Id, t.Channel, t.ReceivedAt, t.SenderEmail, t.SenderPhone, t.SenderName, t.Subject, t.Description, t.Reason,
                t.RawPayloadId, t.RequestId, t.ResolvedAt, t.ResolvedBy, t.Resolution,
            })
            .ToListAsync(cancellationToken));

    private static async Task<IResult> Assign(Guid id, AssignTriage body, HttpContext http, IntakeDbContext db, ChannelIntake intake,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var item = await db.Triage.FromSql($"SELECT * FROM triage_items WHERE \"Id\" = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (item is null) return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such triage item.");
        if (item.ResolvedAt is not null) return AlreadyResolved(item.Resolution);
        if (body.ClientId is null || body.ClientId == Guid.Empty)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["clientId"] = ["Required."] });
        var email = body.ContactEmail?.Trim() ?? item.SenderEmail;
        if (string.IsNullOrEmpty(email))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["contactEmail"] = ["Required: the sender had no email address."] });

        var by = http.User.Identity?.Name ?? "staff";
        // The item's attachments become the request's (copied by AcceptAsync, then removed from the item below).
        var attachments = await db.Attachments.IgnoreQueryFilters().Where(a => a.RequestId == item.Id).ToListAsync(cancellationToken);
        var outcome = await intake.AcceptAsync(new InboundRequest
        {
            Channel = item.Channel,
            ExternalId = item.ExternalId,
            ReceivedAt = item.ReceivedAt,
            Sender = new Sender(email, item.SenderPhone, body.ContactName ?? item.SenderName),
            ClientId = body.ClientId,
            Subject = item.Subject,
            Text = item.Description,
            Html = item.DescriptionHtml,
            PriorityHint = item.PriorityHint,
            EmergencyDeclared = item.EmergencyDeclared,
            RawPayloadId = item.RawPayloadId,
            Thread = item.ThreadTicketId is null && item.ThreadTicketNumber is null && item.InReplyTo is null && item.References.Length == 0
                ? null
                : new ThreadHints(item.ThreadTicketId, item.ThreadTicketNumber, item.InReplyTo, item.References),
            Attachments = [.. attachments.Select(a => new InboundAttachment(a.FileName, a.ContentType, a.ContentId, a.Content))],
        }, cancellationToken, fromTriage: true);
        if (outcome.Result == IntakeResult.Refused)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["clientId"] = [outcome.Reason!] });

        item.RequestId = outcome.Id;
        item.ResolvedAt = clock.GetUtcNow();
        item.ResolvedBy = by;
        item.Resolution = $"Assigned to client {body.ClientId}.";
        db.Attachments.RemoveRange(attachments);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Accepted($"/api/tickets/{outcome.Id}", new { id = outcome.Id, status = "accepted" });
    }

    private static async Task<IResult> Discard(Guid id, DiscardTriage body, HttpContext http, IntakeDbContext db, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(body.Reason) || body.Reason.Length > 500)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["reason"] = ["Required, at most 500 characters."] });
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var item = await db.Triage.FromSql($"SELECT * FROM triage_items WHERE \"Id\" = {id} FOR UPDATE").SingleOrDefaultAsync(cancellationToken);
        if (item is null) return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such triage item.");
        if (item.ResolvedAt is not null) return AlreadyResolved(item.Resolution);
        item.ResolvedAt = clock.GetUtcNow();
        item.ResolvedBy = http.User.Identity?.Name ?? "staff";
        item.Resolution = $"Discarded: {body.Reason.Trim()}";
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.NoContent();
    }

    private static IResult AlreadyResolved(string? resolution) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"Already resolved ({resolution}).");
}
