using System.Security.Claims;
using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

/// <summary>Each time entry's billing state, a person's no-charge or write-off, and the report of what is not billed yet.</summary>
public static class TimeEntryEndpoints
{
    public static IEndpointRouteBuilder MapTimeEntryEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/billing").RequireAuthorization(Policies.Billing);
        group.MapGet("/clients/{clientId:guid}/time-entries", Rated).Produces<RatedEntryView[]>();
        group.MapPut("/time-entries/{id:guid}/disposition", SetDisposition).Produces<RatedEntryView>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/reports/unbilled", Unbilled).Produces<RatedEntryView[]>();
        return app;
    }

    /// <summary>Every entry of the client with its state, split, rates and amounts as they stand now.</summary>
    private static async Task<IResult> Rated(Guid clientId, DateTimeOffset? from, DateTimeOffset? to, BillingDbContext db, Invoicing invoicing,
        CancellationToken cancellationToken)
    {
        var entries = db.TimeEntries.AsNoTracking().Where(e => (from == null || e.StartedAt >= from) && (to == null || e.StartedAt < to));
        var (rated, _) = await invoicing.RateAsync(db, clientId, entries, cancellationToken);
        return TypedResults.Ok(rated.Select(View));
    }

    /// <summary>
    /// Entries that are not billed and have no final state: not rated (no agreement or calendar), awaiting approval, or
    /// billable but on no invoice yet. Every other entry is invoiced, covered, no charge or written off, with its reason.
    /// </summary>
    private static async Task<IResult> Unbilled(Guid? clientId, BillingDbContext db, Invoicing invoicing, CancellationToken cancellationToken)
    {
        var clients = clientId is { } one ? [one]
            : await db.TimeEntries.AsNoTracking().Where(e => e.InvoiceId == null).Select(e => e.ClientId).Distinct().ToListAsync(cancellationToken);
        var open = new List<RatedEntryView>();
        foreach (var client in clients)
        {
            var (rated, _) = await invoicing.RateAsync(db, client, db.TimeEntries.AsNoTracking().Where(e => e.InvoiceId == null), cancellationToken);
            open.AddRange(rated.Where(r => r.State is BillingState.Unrated or BillingState.AwaitingApproval or BillingState.Billable).Select(View));
        }
        return TypedResults.Ok(open);
    }

    /// <summary>No charge or written off, with reason and who; "none" takes it back. An invoiced entry needs a credit note first.</summary>
    private static async Task<IResult> SetDisposition(Guid id, DispositionRequest body, ClaimsPrincipal user, BillingDbContext db, Invoicing invoicing,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = new Errors();
        var parsed = Enum.TryParse<Disposition>(body.Disposition?.Replace("-", "", StringComparison.Ordinal), ignoreCase: true, out var disposition);
        if (!parsed) errors.Add("disposition", "One of no-charge, written-off, none.");
        if (disposition != Disposition.None && string.IsNullOrWhiteSpace(body.Reason)) errors.Add("reason", "Required: why it is not charged.");
        else if (body.Reason?.Length > 500) errors.Add("reason", "At most 500 characters.");
        if (errors.Count > 0) return errors.Problem();

        var entry = await db.TimeEntries.SingleOrDefaultAsync(e => e.TimeEntryId == id, cancellationToken);
        if (entry is null) return Problems.NotFound("time entry");
        if (entry.InvoiceId is not null) return Problems.Conflict("The entry is invoiced: credit the invoice first.", new { entry.InvoiceId });
        entry.Disposition = disposition;
        entry.DispositionReason = disposition == Disposition.None ? null : body.Reason!.Trim();
        entry.DispositionBy = disposition == Disposition.None ? null : InvoiceEndpoints.Caller(user);
        entry.DispositionAt = disposition == Disposition.None ? null : time.GetUtcNow();
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateConcurrencyException)
        {
            return Problems.Conflict("The entry changed meanwhile: read it again.");
        }
        var (rated, _) = await invoicing.RateAsync(db, entry.ClientId, db.TimeEntries.AsNoTracking().Where(e => e.TimeEntryId == id), cancellationToken);
        return TypedResults.Ok(View(rated.Single()));
    }

    private static RatedEntryView View(RatedEntry r) => new(r.Entry.TimeEntryId, r.Entry.TicketId, r.Entry.ClientId, r.Entry.Revision,
        r.Entry.Responder, r.Entry.StartedAt, r.Entry.Minutes, r.Entry.WorkType.ToString(), r.State.ToString(), r.Reason, r.LocalDay,
        r.Agreement?.Version, r.Agreement?.Currency, r.Entry.InvoiceId,
        [.. r.Parts.Select(p => new RatedPartView(p.Hours.ToString(), p.RawMinutes, p.BilledMinutes, p.Rate, p.Amount, p.Note))], r.Amount);
}

/// <param name="Disposition">"no-charge", "written-off" or "none" (back to normal billing).</param>
public sealed record DispositionRequest(string? Disposition, string? Reason);

/// <param name="State">Unrated, Billable, AwaitingApproval, Covered, NoCharge, WrittenOff or Invoiced.</param>
/// <param name="Reason">Why, for every state but Billable and Invoiced (with who, for a person's decision).</param>
public sealed record RatedEntryView(Guid TimeEntryId, Guid TicketId, Guid ClientId, int Revision, string Responder, DateTimeOffset StartedAt,
    int Minutes, string WorkType, string State, string? Reason, DateOnly? LocalDay, int? AgreementVersion, string? Currency, Guid? InvoiceId,
    RatedPartView[] Parts, decimal Amount);

/// <param name="Hours">"BusinessHours" or "AfterHours".</param>
public sealed record RatedPartView(string Hours, int RawMinutes, int BilledMinutes, decimal Rate, decimal Amount, string? Note);
