using System.Security.Claims;
using Billing.Api.Data;
using Billing.Api.Domain;
using Billing.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

/// <summary>Agreement versions per client: stored once, never edited; a change is a new version from its effective date.</summary>
public static class AgreementEndpoints
{
    private static readonly int[] Increments = [1, 5, 6, 10, 15, 20, 30, 60];

    public static IEndpointRouteBuilder MapAgreementEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/billing/agreements").RequireAuthorization(Policies.Billing);
        group.MapGet("/", List).Produces<AgreementView[]>();
        group.MapGet("/{id:guid}", Get).Produces<AgreementView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/", Create).Produces<AgreementView>(StatusCodes.Status201Created).ProducesValidationProblem();
        app.MapGet("/api/billing/terms", Terms).RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<TermsView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// What after-hours work costs the client today, for the client to read before declaring an emergency (the portal,
    /// docs/adr/0037): the version in force today, with each work type's hourly rates as billed (an after-hours rate left
    /// out is the business rate times the multiplier), the emergency minimum charge, and whether work waits for approval.
    /// A client reads only its own; staff name the client.
    /// </summary>
    private static async Task<IResult> Terms(Guid? clientId, Tenant tenant, BillingDbContext db, TimeProvider time, CancellationToken cancellationToken)
    {
        if (tenant.IsClient) clientId = tenant.ClientId;
        else if (clientId is null)
        {
            var errors = new Errors();
            errors.Add("clientId", "Required for staff: the client whose terms to read.");
            return errors.Problem();
        }
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var versions = await db.Agreements.AsNoTracking().Where(a => a.ClientId == clientId).ToListAsync(cancellationToken);
        if (versions.LastOrDefault(v => v.Covers(today)) is not { } current) return Problems.NotFound("agreement in force today for this client");
        return TypedResults.Ok(new TermsView(current.ClientId, current.Version, current.EffectiveFrom, current.Currency,
            [.. current.BilledRates().Select(r => new TermsRate(r.WorkType, r.BusinessHours, r.AfterHours))],
            current.EmergencyMinimumCharge, current.AfterHoursApprovalRequired && !current.AfterHoursPreAuthorised));
    }

    private static async Task<IResult> List(Guid? clientId, BillingDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.Agreements.AsNoTracking().Where(a => clientId == null || a.ClientId == clientId)
            .OrderBy(a => a.ClientId).ThenBy(a => a.EffectiveFrom).ToListAsync(cancellationToken)).Select(View));

    private static async Task<IResult> Get(Guid id, BillingDbContext db, CancellationToken cancellationToken) =>
        await db.Agreements.AsNoTracking().SingleOrDefaultAsync(a => a.Id == id, cancellationToken) is { } found
            ? TypedResults.Ok(View(found))
            : Problems.NotFound("agreement");

    private static async Task<IResult> Create(AgreementRequest body, ClaimsPrincipal user, BillingDbContext db, IPublishEndpoint bus,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count > 0) return errors.Problem();
        var clientId = body.ClientId!.Value;

        // Versions of one client are stored one at a time, so the overlap check sees every earlier one.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({BitConverter.ToInt64(clientId.ToByteArray(), 0)})", cancellationToken);
        var existing = await db.Agreements.Where(a => a.ClientId == clientId).ToListAsync(cancellationToken);
        var from = body.EffectiveFrom!.Value;
        var to = body.EffectiveTo;
        // A version without an end runs until the next one starts; two versions overlap when their days intersect.
        var starts = existing.Select(e => e.EffectiveFrom).Append(from).ToList();
        var end = EndOf(from, to, starts);
        foreach (var other in existing.Where(o => o.EffectiveFrom <= end && from <= EndOf(o.EffectiveFrom, o.EffectiveTo, starts)))
            errors.Add("effectiveFrom", $"Overlaps version {other.Version} (from {other.EffectiveFrom:yyyy-MM-dd}"
                + (other.EffectiveTo is { } otherTo ? $" to {otherTo:yyyy-MM-dd})." : ")."));
        // Invoiced work keeps its amounts; a version reaching back into invoiced months would rate nothing invoiced, but
        // it would make the invoices disagree with the agreements, so it is refused.
        var invoiced = await db.TimeEntries.Where(e => e.ClientId == clientId && e.InvoiceId != null)
            .MaxAsync(e => (DateTimeOffset?)e.StartedAt, cancellationToken);
        if (invoiced is { } last && DateOnly.FromDateTime(last.UtcDateTime) >= from)
            errors.Add("effectiveFrom", $"Work up to {last:yyyy-MM-dd} is invoiced: a new version takes effect after it.");
        if (errors.Count > 0) return errors.Problem();

        var version = new AgreementVersion
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), ClientId = clientId, Version = existing.Count + 1, EffectiveFrom = from, EffectiveTo = to,
            NoticeDate = body.NoticeDate, Tier = body.Tier?.Trim(), Currency = body.Currency!, MonthlyFee = body.MonthlyFee ?? 0,
            Rates = [.. (body.Rates ?? []).Select(r => new WorkTypeRate(Enum.Parse<WorkType>(r.WorkType!), r.BusinessHours!.Value, r.AfterHours))],
            AfterHoursMultiplier = body.AfterHoursMultiplier ?? 1m, EmergencyMinimumCharge = body.EmergencyMinimumCharge ?? 0,
            RoundingIncrementMinutes = body.RoundingIncrementMinutes ?? 1,
            RoundingScope = body.RoundingScope is null ? RoundingScope.PerEntry : Enum.Parse<RoundingScope>(body.RoundingScope, ignoreCase: true),
            NonBillableWorkTypes = [.. (body.NonBillableWorkTypes ?? []).Distinct()],
            AfterHoursApprovalRequired = body.AfterHoursApprovalRequired ?? true, AfterHoursPreAuthorised = body.AfterHoursPreAuthorised ?? false,
            AfterHoursPreAuthorisedHours = body.AfterHoursPreAuthorisedHours, CreatedAt = time.GetUtcNow(), CreatedBy = user.Identity?.Name ?? "unknown",
            TermsPublishedAt = time.GetUtcNow(),
        };
        db.Agreements.Add(version);
        // Through the outbox, in this transaction: tickets learns the terms if and only if the version is stored.
        await bus.Publish(TermsChanged(version), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Created($"/api/billing/agreements/{version.Id}", View(version));
    }

    internal static AgreementTermsChanged TermsChanged(AgreementVersion a) => new(a.ClientId, a.Version, a.EffectiveFrom, a.EffectiveTo,
        a.Currency, [.. a.BilledRates().Select(r => new AgreementRate(r.WorkType.ToString(), r.BusinessHours, r.AfterHours))],
        a.EmergencyMinimumCharge, a.AfterHoursApprovalRequired, a.AfterHoursPreAuthorised, a.AfterHoursPreAuthorisedHours, a.CreatedAt);

    private static DateOnly EndOf(DateOnly start, DateOnly? to, IEnumerable<DateOnly> starts) =>
        to ?? starts.Where(s => s > start).Select(s => (DateOnly?)s.AddDays(-1)).Min() ?? DateOnly.MaxValue;

    private static Errors Validate(AgreementRequest body)
    {
        var errors = new Errors();
        if (body.ClientId is null || body.ClientId == Guid.Empty) errors.Add("clientId", "Required.");
        if (body.EffectiveFrom is null) errors.Add("effectiveFrom", "Required (yyyy-MM-dd).");
        if (body.EffectiveTo is { } to && body.EffectiveFrom is { } from && to < from) errors.Add("effectiveTo", "Must not be before effectiveFrom.");
        if (!Currencies.IsKnown(body.Currency)) errors.Add("currency", $"'{body.Currency}' is not an ISO 4217 currency code (e.g. USD, EUR).");
        NotNegative(errors, "monthlyFee", body.MonthlyFee);
        NotNegative(errors, "emergencyMinimumCharge", body.EmergencyMinimumCharge);
        if (body.AfterHoursPreAuthorisedHours is <= 0m) errors.Add("afterHoursPreAuthorisedHours", "Must be more than 0 (leave out for none).");
        if (body.AfterHoursMultiplier is < 1m) errors.Add("afterHoursMultiplier", "Must be at least 1.");
        if (body.RoundingIncrementMinutes is { } increment && !Increments.Contains(increment))
            errors.Add("roundingIncrementMinutes", $"One of {string.Join(", ", Increments)}.");
        if (body.RoundingScope is { } scope && !Enum.TryParse<RoundingScope>(scope, ignoreCase: true, out _))
            errors.Add("roundingScope", "PerEntry or PerTicketDay.");
        var rates = body.Rates ?? [];
        for (var i = 0; i < rates.Length; i++)
        {
            if (!Enum.TryParse<WorkType>(rates[i].WorkType, out _)) errors.Add($"rates[{i}].workType", WorkTypes());
            else if (rates.Take(i).Any(r => r.WorkType == rates[i].WorkType)) errors.Add($"rates[{i}].workType", "Listed twice.");
            if (rates[i].BusinessHours is null) errors.Add($"rates[{i}].businessHours", "Required.");
            NotNegative(errors, $"rates[{i}].businessHours", rates[i].BusinessHours);
            NotNegative(errors, $"rates[{i}].afterHours", rates[i].AfterHours);
        }
        var nonBillable = body.NonBillableWorkTypes ?? [];
        for (var i = 0; i < nonBillable.Length; i++)
            if (!Enum.TryParse<WorkType>(nonBillable[i], out _)) errors.Add($"nonBillableWorkTypes[{i}]", WorkTypes());
        return errors;
    }

    private static void NotNegative(Errors errors, string field, decimal? value)
    {
        if (value < 0) errors.Add(field, "Must not be negative.");
    }

    private static string WorkTypes() => $"One of {string.Join(", ", Enum.GetNames<WorkType>())}.";

    private static AgreementView View(AgreementVersion a) => new(a.Id, a.ClientId, a.Version, a.EffectiveFrom, a.EffectiveTo, a.NoticeDate,
        a.Tier, a.Currency, a.MonthlyFee, [.. a.Rates.Select(r => new RateView(r.WorkType.ToString(), r.BusinessHours, r.AfterHours))],
        a.AfterHoursMultiplier, a.EmergencyMinimumCharge, a.RoundingIncrementMinutes, a.RoundingScope.ToString(), [.. a.NonBillableWorkTypes],
        a.AfterHoursApprovalRequired, a.AfterHoursPreAuthorised, a.CreatedAt, a.CreatedBy, a.AfterHoursPreAuthorisedHours);
}

/// <param name="EffectiveFrom">First day (client-local) the version rates work.</param>
/// <param name="EffectiveTo">Last day, inclusive; leave out for "until the next version".</param>
/// <param name="RoundingIncrementMinutes">1, 5, 6, 10, 15, 20, 30 or 60; billed minutes are rounded up to it.</param>
/// <param name="RoundingScope">"PerEntry" (default) or "PerTicketDay".</param>
/// <param name="AfterHoursApprovalRequired">Default true: after-hours time waits for the client's approval.</param>
/// <param name="AfterHoursPreAuthorisedHours">"P1 up to N h pre-approved": after-hours hours per P1 ticket that need no approval.</param>
public sealed record AgreementRequest(
    Guid? ClientId,
    DateOnly? EffectiveFrom,
    DateOnly? EffectiveTo,
    DateOnly? NoticeDate,
    string? Tier,
    string? Currency,
    decimal? MonthlyFee,
    RateRequest[]? Rates,
    decimal? AfterHoursMultiplier,
    decimal? EmergencyMinimumCharge,
    int? RoundingIncrementMinutes,
    string? RoundingScope,
    string[]? NonBillableWorkTypes,
    bool? AfterHoursApprovalRequired,
    bool? AfterHoursPreAuthorised,
    decimal? AfterHoursPreAuthorisedHours = null);

/// <param name="WorkType">"BusinessHours", "AfterHours" or "Emergency" (tickets' work types).</param>
/// <param name="AfterHours">Hourly rate outside business hours; leave out for businessHours x afterHoursMultiplier.</param>
public sealed record RateRequest(string? WorkType, decimal? BusinessHours, decimal? AfterHours);

public sealed record RateView(string WorkType, decimal BusinessHours, decimal? AfterHours);

public sealed record AgreementView(Guid Id, Guid ClientId, int Version, DateOnly EffectiveFrom, DateOnly? EffectiveTo, DateOnly? NoticeDate,
    string? Tier, string Currency, decimal MonthlyFee, RateView[] Rates, decimal AfterHoursMultiplier, decimal EmergencyMinimumCharge,
    int RoundingIncrementMinutes, string RoundingScope, string[] NonBillableWorkTypes, bool AfterHoursApprovalRequired,
    bool AfterHoursPreAuthorised, DateTimeOffset CreatedAt, string CreatedBy, decimal? AfterHoursPreAuthorisedHours = null);

/// <param name="AfterHoursApprovalNeeded">After-hours work waits for the client's approval (not pre-authorised).</param>
public sealed record TermsView(Guid ClientId, int Version, DateOnly EffectiveFrom, string Currency, TermsRate[] Rates,
    decimal EmergencyMinimumCharge, bool AfterHoursApprovalNeeded);

/// <summary>Hourly rates of one work type; 0 when the fee includes it.</summary>
public sealed record TermsRate(WorkType WorkType, decimal BusinessHours, decimal AfterHours);
