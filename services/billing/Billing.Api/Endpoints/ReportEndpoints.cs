using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

/// <summary>
/// Reports over finalised invoices and credit notes of a period. A credit note's lines are its invoice's negated, so
/// summing both counts credited work as nothing.
/// </summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/billing/reports").RequireAuthorization(Policies.Billing);
        group.MapGet("/responders", Responders).Produces<ResponderCredit[]>().ProducesValidationProblem();
        group.MapGet("/after-hours-by-tier", AfterHoursByTier).Produces<TierRevenue[]>().ProducesValidationProblem();
        return app;
    }

    /// <summary>Minutes and revenue per technician in the period: the credit each responder's work earned.</summary>
    private static async Task<IResult> Responders(string? period, BillingDbContext db, CancellationToken cancellationToken)
    {
        if (Invalid(period) is { } problem) return problem;
        var rows = await (from invoice in db.Invoices
                where invoice.Period == period && invoice.Status == InvoiceStatus.Finalised
                from line in invoice.Lines
                where line.Responder != null
                group line by new { line.Responder, invoice.Currency } into g
                select new { g.Key.Responder, g.Key.Currency, Raw = g.Sum(l => l.RawMinutes), Billed = g.Sum(l => l.BilledMinutes), Revenue = g.Sum(l => l.Amount) })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => new ResponderCredit(r.Responder!, r.Currency, r.Raw, r.Billed, r.Revenue))
            .OrderBy(r => r.Responder, StringComparer.Ordinal).ThenBy(r => r.Currency, StringComparer.Ordinal));
    }

    /// <summary>After-hours revenue per membership tier (the tier on the agreement version that rated the work).</summary>
    private static async Task<IResult> AfterHoursByTier(string? period, BillingDbContext db, CancellationToken cancellationToken)
    {
        if (Invalid(period) is { } problem) return problem;
        var afterHours = nameof(HoursKind.AfterHours);
        var rows = await (from invoice in db.Invoices
                where invoice.Period == period && invoice.Status == InvoiceStatus.Finalised
                from line in invoice.Lines
                where line.Hours == afterHours
                join agreement in db.Agreements on new { invoice.ClientId, Version = line.AgreementVersion }
                    equals new { agreement.ClientId, agreement.Version } into found
                from agreement in found.DefaultIfEmpty()
                group line by new { Tier = agreement == null ? null : agreement.Tier, invoice.Currency } into g
                select new { g.Key.Tier, g.Key.Currency, Billed = g.Sum(l => l.BilledMinutes), Revenue = g.Sum(l => l.Amount) })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Select(r => new TierRevenue(r.Tier ?? "", r.Currency, r.Billed, r.Revenue)).OrderBy(r => r.Tier, StringComparer.Ordinal));
    }

    private static IResult? Invalid(string? period)
    {
        if (Invoicing.TryParsePeriod(period, out _)) return null;
        var errors = new Errors();
        errors.Add("period", "A month, yyyy-MM (e.g. 2026-11).");
        return errors.Problem();
    }
}

public sealed record ResponderCredit(string Responder, string Currency, int RawMinutes, int BilledMinutes, decimal Revenue);

/// <param name="Tier">The agreement version's tier; empty when it names none.</param>
public sealed record TierRevenue(string Tier, string Currency, int BilledMinutes, decimal Revenue);
