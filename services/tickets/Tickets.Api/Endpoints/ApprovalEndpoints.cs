using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Endpoints;

/// <param name="ApproverContactId">The client's contact who approved.</param>
/// <param name="Method">phone, sms, email, portal or in-person.</param>
/// <param name="CapHours">Approved hours at most; leave out for no cap.</param>
/// <param name="OnSiteRequired">The work needs a technician on site (who needs a client representative to let them in).</param>
/// <param name="RepresentativePresent">For on-site work: whether a representative will be there.</param>
/// <param name="SendConfirmation">Email the approver a written confirmation (they need an email address on record).</param>
public sealed record ApprovalRequest(Guid? ApproverContactId, string? Method, decimal? CapHours, bool? OnSiteRequired, bool? RepresentativePresent,
    bool? SendConfirmation);

/// <param name="ApproverAuthorised">The approver is on the client's authorised (call-down) list.</param>
/// <param name="QuotedRate">The hourly after-hours rate quoted, from agreement version <paramref name="AgreementVersion"/>; null when none was known.</param>
public sealed record ApprovalView(Guid Id, Guid TicketId, Guid ApproverContactId, string ApproverName, bool ApproverAuthorised, string Method,
    decimal? CapHours, bool OnSiteRequired, bool? RepresentativePresent, bool SendConfirmation, decimal? QuotedRate, decimal? QuotedMinimum,
    string? Currency, int? AgreementVersion, DateTimeOffset At, string RecordedBy);

/// <summary>
/// Approvals of after-hours work (DOMAIN.md): immutable records on the ticket, with the terms quoted from the client's
/// agreement; the only way an approval enters the system (billing learns it from AfterHoursWorkApproved). No route
/// edits or deletes one.
/// </summary>
public static class ApprovalEndpoints
{
    private const decimal MaxCapHours = 1000m;

    public static IEndpointRouteBuilder MapApprovalEndpoints(this IEndpointRouteBuilder app)
    {
        var approvals = app.MapGroup("/api/tickets/{id:guid}/approvals").WithTags("After hours").RequireAuthorization(Policies.Staff);
        approvals.MapGet("", List)
            .Produces<ApprovalView[]>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        approvals.MapPost("", Record)
            .Produces<ApprovalView>(StatusCodes.Status201Created)
            .Produces<ApprovalView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
        return app;
    }

    private static async Task<IResult> List(Guid id, TicketsDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Tickets.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.TicketNotFound();
        var approvals = await db.Approvals.AsNoTracking().Where(a => a.TicketId == id).OrderBy(a => a.At).ThenBy(a => a.Id).ToListAsync(cancellationToken);
        return TypedResults.Ok(approvals.Select(View).ToArray());
    }

    /// <summary>Optional on POST: a retry with the same key (a lost answer, a double tap) answers the approval already recorded.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    private static async Task<IResult> Record(Guid id, ApprovalRequest body, ClaimsPrincipal user, HttpRequest request, TicketsDbContext db,
        IPublishEndpoint bus, AfterHoursGate gate, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        string? key = null;
        if (request.Headers.TryGetValue(IdempotencyKeyHeader, out var keys))
        {
            key = keys.ToString();
            if (keys.Count != 1 || key.Length is 0 or > 200 || key.Any(c => c is < '!' or > '~'))
                errors[IdempotencyKeyHeader] = ["One value of 1 to 200 visible ASCII characters."];
        }
        if (body.ApproverContactId is null) errors["approverContactId"] = ["Required: the client's contact who approved."];
        if (body.Method is null || !Approval.Methods.Contains(body.Method)) errors["method"] = [$"Required: one of {string.Join(", ", Approval.Methods)}."];
        if (body.CapHours is <= 0m or > MaxCapHours) errors["capHours"] = [$"More than 0 and at most {MaxCapHours} (leave out for no cap)."];
        if (body.OnSiteRequired is null) errors["onSiteRequired"] = ["Required: whether a technician must go on site."];
        else if (body.OnSiteRequired == false && body.RepresentativePresent is not null)
            errors["representativePresent"] = ["Only for on-site work."];
        if (body.SendConfirmation is null) errors["sendConfirmation"] = ["Required: whether to email the approver a written confirmation."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        var approver = await db.Contacts.AsNoTracking().SingleOrDefaultAsync(c => c.Id == body.ApproverContactId && c.ClientId == ticket.ClientId,
            cancellationToken);
        if (approver is null) return Problems.Invalid("approverContactId", "Not a contact of this ticket's client.");
        if (body.SendConfirmation == true && approver.Emails.Count == 0)
            return Problems.Invalid("sendConfirmation", $"{approver.Name} has no email address on record to confirm to.");

        // With a key, the ticket's row lock makes a retry racing its first attempt wait for it, and find its record.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (key is not null)
        {
            await RowLocks.TicketAsync(db, ticket.Id, cancellationToken);
            if (await db.Approvals.AsNoTracking().SingleOrDefaultAsync(a => a.TicketId == ticket.Id && a.IdempotencyKey == key, cancellationToken) is { } first)
                return first.Repeats(approver.Id, body.Method!, body.CapHours, body.OnSiteRequired!.Value, body.RepresentativePresent, body.SendConfirmation!.Value)
                    ? TypedResults.Ok(View(first))
                    : Problems.On(StatusCodes.Status422UnprocessableEntity, IdempotencyKeyHeader, "Already used for other terms.",
                        "This Idempotency-Key was already used for a different approval.", $"Approval {first.Id} was recorded with it; nothing changed.");
        }
        if (ticket.Status == TicketStatus.Closed) return Problems.Conflict("A closed ticket takes no more approvals.");

        var now = clock.GetUtcNow();
        var calendar = await gate.CalendarAsync(db, ticket.ClientId, cancellationToken);
        var terms = await AfterHoursGate.TermsAsync(db, ticket.ClientId, calendar, now, cancellationToken);
        var quote = terms?.QuoteFor(ticket.Priority);
        var actor = Actor.Of(user);
        var approval = new Approval
        {
            Id = Guid.CreateVersion7(now), TicketId = ticket.Id, ClientId = ticket.ClientId, ApproverContactId = approver.Id,
            ApproverName = approver.Name, ApproverAuthorised = approver.CallDownPosition is not null, Method = body.Method!,
            CapHours = body.CapHours, OnSiteRequired = body.OnSiteRequired!.Value, RepresentativePresent = body.RepresentativePresent,
            SendConfirmation = body.SendConfirmation!.Value, QuotedRate = quote?.Rate, QuotedMinimum = quote?.Minimum, Currency = terms?.Currency,
            AgreementVersion = terms?.Version, At = now, RecordedBy = actor.Subject, IdempotencyKey = key,
        };
        db.Approvals.Add(approval);
        db.Record(ticket, actor, now, "after-hours-approved", View(approval));
        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        await bus.Publish(new AfterHoursWorkApproved(approval.Id, ticket.Id, ticket.ClientId, approver.Id, approver.Name, approval.Method,
            approval.QuotedRate, approval.Currency, now, actor.Subject)
        {
            AgreementVersion = approval.AgreementVersion, QuotedMinimum = approval.QuotedMinimum, CapHours = approval.CapHours,
            ApproverAuthorised = approval.ApproverAuthorised, OnSiteRequired = approval.OnSiteRequired,
            RepresentativePresent = approval.RepresentativePresent, SendConfirmation = approval.SendConfirmation,
            ApproverEmail = approver.Emails.FirstOrDefault(), TicketNumber = ticket.Number, Priority = ticket.Priority,
        }, cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(CancellationToken.None);
        return TypedResults.Created($"/api/tickets/{ticket.Id}/approvals", View(approval));
    }

    private static ApprovalView View(Approval a) => new(a.Id, a.TicketId, a.ApproverContactId, a.ApproverName, a.ApproverAuthorised, a.Method,
        a.CapHours, a.OnSiteRequired, a.RepresentativePresent, a.SendConfirmation, a.QuotedRate, a.QuotedMinimum, a.Currency, a.AgreementVersion,
        a.At, a.RecordedBy);
}
