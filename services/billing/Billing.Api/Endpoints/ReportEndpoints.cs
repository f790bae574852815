using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

/// <summary>
/// Reports over finalised invoices and credit notes of a period, and the block hours left. A credit note's lines are its invoice's negated, so
/// summing both counts credited work as nothing.
/// </summary>
public static class ReportEndpoints
{
    public static IEndpointRouteBuilder MapReportEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/billing/reports").RequireAuthorization(Policies.Billing);
        group.MapGet("/responders", Responders).Produces<ResponderCredit[]>().ProducesValidationProblem();
        group.MapGet("/after-hours-by-tier", AfterHoursByTier).Produces<TierRevenue[]>().ProducesValidationProblem();
        group.MapGet("/block-hours", BlockHours).Produces<BlockHoursLeft[]>();
        return app;
    }

    /// <summary>
    /// Block hours left, every client: each block not yet settled with minutes left (a settled block has none, its
    /// rollover is a block of its own), soonest expiry first, so finance sees what lapses or rolls over next.
    /// </summary>
    private static async Task<IResult> BlockHours(BillingDbContext db, CancellationToken cancellationToken)
    {
        var rows = await (from b in db.Blocks
                where !db.Settlements.Any(s => s.BlockId == b.Id)
                join c in db.Clients on b.ClientId equals c.ClientId into clients
                from c in clients.DefaultIfEmpty()
                select new { b.ClientId, Client = c == null ? null : c.Name, b.Id, b.Minutes, b.ValidFrom, b.ExpiresOn, b.Rollover, b.RolloverCapMinutes,
                    Drawn = db.Drawdowns.Where(d => d.BlockId == b.Id).Sum(d => d.Minutes) })
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(rows.Where(r => r.Minutes > r.Drawn).OrderBy(r => r.ExpiresOn).ThenBy(r => r.Client, StringComparer.Ordinal).ThenBy(r => r.Id)
            .Select(r => new BlockHoursLeft(r.ClientId, r.Client, r.Id, r.Minutes, r.Minutes - r.Drawn, r.ValidFrom, r.ExpiresOn,
                r.Rollover.ToString(), r.RolloverCapMinutes)));
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
        if (Invoicing.TryParsePeriod(period, out _, out _)) return null;
        var errors = new Errors();
        errors.Add("period", "A month yyyy-MM (e.g. 2026-11) or a quarter yyyy-Qn (e.g. 2026-Q4).");
        return errors.Problem();
    }
}

public sealed record ResponderCredit(string Responder, string Currency, int RawMinutes, int BilledMinutes, decimal Revenue);

/// <param name="Rollover">"None", "Expire" or "RollOver": what happens to the minutes left once it has expired.</param>
public sealed record BlockHoursLeft(Guid ClientId, string? ClientName, Guid BlockId, int Minutes, int RemainingMinutes, DateOnly ValidFrom,
    DateOnly ExpiresOn, string Rollover, int? RolloverCapMinutes);

/// <param name="Tier">The agreement version's tier; empty when it names none.</param>
public sealed record TierRevenue(string Tier, string Currency, int BilledMinutes, decimal Revenue);
