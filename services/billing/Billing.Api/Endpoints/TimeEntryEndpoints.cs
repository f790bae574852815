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
        group.MapGet("/reports/edited-after-invoicing", EditedAfterInvoicing).Produces<EditedEntryView[]>();
        group.MapPut("/time-entries/{id:guid}/edit-review", ReviewEdit).Produces<EditedEntryView>()
            .ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    /// <summary>
    /// Invoiced entries that tickets edited afterwards (minutes, start, work type or responder), with what their invoice
    /// shows beside what they say now: each needs a credit note (which reopens the entry, billed as edited on the next
    /// invoice) or a review that says why the invoice stands.
    /// </summary>
    private static async Task<IResult> EditedAfterInvoicing(Guid? clientId, BillingDbContext db, CancellationToken cancellationToken)
    {
        var entries = await db.TimeEntries.AsNoTracking()
            .Where(e => e.EditedAfterInvoicingAt != null && e.InvoiceId != null && (clientId == null || e.ClientId == clientId))
            .OrderBy(e => e.EditedAfterInvoicingAt).ToListAsync(cancellationToken);
        var views = new List<EditedEntryView>();
        foreach (var entry in entries) views.Add(await EditedViewAsync(db, entry, cancellationToken));
        return TypedResults.Ok(views);
    }

    /// <summary>A person decides the invoice stands as it is (with a reason): the flag is cleared and the review kept on the entry.</summary>
    private static async Task<IResult> ReviewEdit(Guid id, EditReviewRequest body, ClaimsPrincipal user, BillingDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Errors();
        if (string.IsNullOrWhiteSpace(body.Reason)) errors.Add("reason", "Required: why the invoice stands as it is.");
        else if (body.Reason.Length > 500) errors.Add("reason", "At most 500 characters.");
        if (errors.Count > 0) return errors.Problem();
        var entry = await db.TimeEntries.SingleOrDefaultAsync(e => e.TimeEntryId == id, cancellationToken);
        if (entry is null) return Problems.NotFound("time entry");
        if (entry.EditedAfterInvoicingAt is null || entry.InvoiceId is null)
            return Problems.Conflict("The entry is not flagged: it was not edited after invoicing, or its invoice was credited.");
        var view = await EditedViewAsync(db, entry, cancellationToken);
        entry.EditedAfterInvoicingAt = null;
        entry.EditReviewReason = body.Reason!.Trim();
        entry.EditReviewedBy = InvoiceEndpoints.Caller(user);
        entry.EditReviewedAt = time.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(view with { EditedAfterInvoicingAt = null, ReviewReason = entry.EditReviewReason, ReviewedBy = entry.EditReviewedBy });
    }

    private static async Task<EditedEntryView> EditedViewAsync(BillingDbContext db, TimeEntry entry, CancellationToken cancellationToken)
    {
        var invoice = await db.Invoices.AsNoTracking().Where(i => i.Id == entry.InvoiceId).Select(i => new { i.Number,
            Raw = i.Lines.Where(l => l.TimeEntryId == entry.TimeEntryId).Sum(l => l.RawMinutes),
            Amount = i.Lines.Where(l => l.TimeEntryId == entry.TimeEntryId).Sum(l => l.Amount) }).SingleAsync(cancellationToken);
        return new EditedEntryView(entry.TimeEntryId, entry.TicketId, entry.ClientId, entry.InvoiceId!.Value, invoice.Number, entry.InvoicedRevision,
            invoice.Raw, invoice.Amount, entry.Revision, entry.Minutes, entry.StartedAt, entry.WorkType.ToString(), entry.Responder,
            entry.EditedAfterInvoicingAt, entry.EditReviewReason, entry.EditReviewedBy);
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
    private static async Task<IResult> Unbilled(Guid? clientId, BillingDbContext db, Invoicing invoicing, CancellationToken cancellationToken) =>
        TypedResults.Ok((await invoicing.UnbilledAsync(db, clientId, cancellationToken)).Select(View).ToList());

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
/// <param name="Reason">Why, for every state but Billable (with who, for a person's decision); on an invoiced entry, only
/// when it was edited after invoicing.</param>
public sealed record RatedEntryView(Guid TimeEntryId, Guid TicketId, Guid ClientId, int Revision, string Responder, DateTimeOffset StartedAt,
    int Minutes, string WorkType, string State, string? Reason, DateOnly? LocalDay, int? AgreementVersion, string? Currency, Guid? InvoiceId,
    RatedPartView[] Parts, decimal Amount);

/// <param name="InvoicedRawMinutes">The entry's minutes as its invoice shows them (the invoice's lines for it).</param>
/// <param name="Minutes">What the entry says now.</param>
/// <param name="EditedAfterInvoicingAt">When the edit was made in tickets; null once reviewed.</param>
public sealed record EditedEntryView(Guid TimeEntryId, Guid TicketId, Guid ClientId, Guid InvoiceId, string? InvoiceNumber, int? InvoicedRevision,
    int InvoicedRawMinutes, decimal InvoicedAmount, int Revision, int Minutes, DateTimeOffset StartedAt, string WorkType, string Responder,
    DateTimeOffset? EditedAfterInvoicingAt, string? ReviewReason, string? ReviewedBy);

public sealed record EditReviewRequest(string? Reason);

/// <param name="Hours">"BusinessHours" or "AfterHours".</param>
public sealed record RatedPartView(string Hours, int RawMinutes, int BilledMinutes, decimal Rate, decimal Amount, string? Note);
