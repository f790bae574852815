using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

/// <summary>
/// The little of billing that technicians and dispatchers need on their screens (docs/adr/0060): the billing state of one
/// ticket's time, and how old the time is that nobody has billed yet. Read-only, and no client's rates or invoices beyond
/// the entries asked about; everything else in billing stays with the billing role and admins.
/// </summary>
public static class StaffEndpoints
{
    /// <summary>Age buckets of the unbilled report, in whole days since the work started: [from, to).</summary>
    public static readonly (string Label, int From, int? To)[] AgeBuckets =
        [("0-7 days", 0, 8), ("8-30 days", 8, 31), ("31-60 days", 31, 61), ("over 60 days", 61, null)];

    public static IEndpointRouteBuilder MapStaffEndpoints(this IEndpointRouteBuilder app)
    {
        var staff = app.MapGroup("/api/billing").WithTags("For staff").RequireAuthorization(Policies.Staff);
        staff.MapGet("/tickets/{id:guid}/time-states", TicketTime).Produces<TicketTimeView>();
        staff.MapGet("/reports/unbilled-ageing", UnbilledAgeing).Produces<UnbilledAgeingView>();
        return app;
    }

    /// <summary>Each of the ticket's time entries with its state as billing rates it now; an empty list before any time.</summary>
    private static async Task<IResult> TicketTime(Guid id, BillingDbContext db, Invoicing invoicing, CancellationToken cancellationToken)
    {
        var clientId = await db.TimeEntries.AsNoTracking().Where(e => e.TicketId == id).Select(e => (Guid?)e.ClientId).FirstOrDefaultAsync(cancellationToken);
        if (clientId is null) return TypedResults.Ok(new TicketTimeView(id, null, [], 0m));
        var (rated, _) = await invoicing.RateAsync(db, clientId.Value, db.TimeEntries.AsNoTracking().Where(e => e.TicketId == id), cancellationToken);
        var invoiceIds = rated.Select(r => r.Entry.InvoiceId).OfType<Guid>().Distinct().ToList();
        var numbers = await db.Invoices.AsNoTracking().Where(i => invoiceIds.Contains(i.Id)).ToDictionaryAsync(i => i.Id, i => i.Number, cancellationToken);
        var entries = rated.Select(r => new TicketTimeEntryView(r.Entry.TimeEntryId, r.Entry.Responder, r.Entry.StartedAt, r.Entry.Minutes,
            r.Entry.WorkType.ToString(), r.State.ToString(), r.Reason, r.Amount,
            r.Entry.InvoiceId is { } invoice ? numbers.GetValueOrDefault(invoice) : null)).ToArray();
        return TypedResults.Ok(new TicketTimeView(id, rated.Select(r => r.Agreement?.Currency).FirstOrDefault(c => c is not null), entries,
            entries.Sum(e => e.Amount)));
    }

    /// <summary>The unbilled report's time, by how long ago the work started: the older, the likelier it is forgotten.</summary>
    private static async Task<IResult> UnbilledAgeing(BillingDbContext db, Invoicing invoicing, TimeProvider time, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var unbilled = await invoicing.UnbilledAsync(db, clientId: null, cancellationToken);
        var buckets = AgeBuckets.Select(bucket =>
        {
            var inBucket = unbilled.Where(r => (int)(now - r.Entry.StartedAt).TotalDays is var days && days >= bucket.From && (bucket.To is null || days < bucket.To))
                .ToList();
            return new AgeBucketView(bucket.Label, bucket.From, bucket.To, inBucket.Count, inBucket.Sum(r => r.Entry.Minutes),
                inBucket.Count(r => r.State == BillingState.AwaitingApproval),
                inBucket.Where(r => r.Agreement is not null).GroupBy(r => r.Agreement!.Currency).ToDictionary(g => g.Key, g => g.Sum(r => r.Amount)));
        }).ToArray();
        return TypedResults.Ok(new UnbilledAgeingView(now, buckets));
    }
}

/// <param name="Currency">The agreement's currency; null before any entry is rated.</param>
/// <param name="Total">The sum of the entries' amounts (0 for those not charged).</param>
public sealed record TicketTimeView(Guid TicketId, string? Currency, TicketTimeEntryView[] Entries, decimal Total);

/// <param name="State">Unrated, Billable, AwaitingApproval, Covered, NoCharge, WrittenOff or Invoiced.</param>
/// <param name="Reason">Why, for every state but Billable.</param>
/// <param name="InvoiceNumber">For an invoiced entry: its invoice's number (null while that invoice is a draft).</param>
public sealed record TicketTimeEntryView(Guid TimeEntryId, string Responder, DateTimeOffset StartedAt, int Minutes, string WorkType, string State,
    string? Reason, decimal Amount, string? InvoiceNumber);

public sealed record UnbilledAgeingView(DateTimeOffset At, AgeBucketView[] Buckets);

/// <param name="FromDays">Whole days since the work started, at least.</param>
/// <param name="ToDays">And fewer than; null for the oldest bucket.</param>
/// <param name="Amounts">What the billable entries come to, per currency (unrated ones have no amount).</param>
public sealed record AgeBucketView(string Label, int FromDays, int? ToDays, int Entries, int Minutes, int AwaitingApproval,
    Dictionary<string, decimal> Amounts);
