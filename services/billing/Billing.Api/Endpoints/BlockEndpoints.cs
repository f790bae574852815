using System.Security.Claims;
using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;

namespace Billing.Api.Endpoints;

/// <summary>A client's blocks of prepaid hours, what is left of each (drawn by finalised invoices), and their rollover.</summary>
public static class BlockEndpoints
{
    public static IEndpointRouteBuilder MapBlockEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/billing/clients/{clientId:guid}/blocks").RequireAuthorization(Policies.Billing);
        group.MapGet("/", List).Produces<BlockView[]>();
        group.MapPost("/", Create).Produces<BlockView>(StatusCodes.Status201Created).ProducesValidationProblem();
        group.MapPost("/settle", Settle).Produces<BlockSettlementView[]>().ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> List(Guid clientId, BillingDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await ViewsAsync(db, clientId, cancellationToken));

    private static async Task<List<BlockView>> ViewsAsync(BillingDbContext db, Guid clientId, CancellationToken cancellationToken)
    {
        var left = await BlockSettling.Balances(db, clientId).ToDictionaryAsync(b => b.Id, b => b.RemainingMinutes, cancellationToken);
        var settlements = await db.Settlements.AsNoTracking().Where(s => s.ClientId == clientId).ToDictionaryAsync(s => s.BlockId, cancellationToken);
        var blocks = await db.Blocks.AsNoTracking().Where(b => b.ClientId == clientId).OrderBy(b => b.ExpiresOn).ThenBy(b => b.Id).ToListAsync(cancellationToken);
        return [.. blocks.Select(b => View(b, left.GetValueOrDefault(b.Id, b.Minutes), settlements.GetValueOrDefault(b.Id)))];
    }

    /// <summary>
    /// Settles, by their rules, the client's blocks that expired on or before <c>through</c> (a past day): what each has
    /// left lapses or rolls over. Finalising an invoice does this for its period; this is for a month without one.
    /// A block already settled is left as it is.
    /// </summary>
    private static async Task<IResult> Settle(Guid clientId, SettleRequest body, ClaimsPrincipal user, BillingDbContext db, CalendarCatalog calendars,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var calendar = await calendars.ForClientAsync(db, clientId, cancellationToken);
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(calendar is null ? now.UtcDateTime : TimeZoneInfo.ConvertTime(now, calendar.TimeZone).DateTime);
        var errors = new Errors();
        if (body.Through is null) errors.Add("through", "Required (yyyy-MM-dd): blocks that expired on or before it are settled.");
        else if (body.Through >= today) errors.Add("through", $"Must be a past day (before {today:yyyy-MM-dd} in the client's calendar): a block is settled once it has expired.");
        if (errors.Count > 0) return errors.Problem();
        var settled = await BlockSettling.SettleAsync(db, clientId, body.Through!.Value, InvoiceEndpoints.Caller(user), now, cancellationToken);
        return TypedResults.Ok(settled.Select(s => new BlockSettlementView(s.BlockId, s.UnusedMinutes, s.RolledMinutes, s.ExpiredMinutes, s.RolledIntoBlockId,
            s.SettledAt, s.SettledBy)));
    }

    private static readonly Dictionary<string, BlockRollover> Rules = new(StringComparer.OrdinalIgnoreCase)
    {
        ["none"] = BlockRollover.None, ["expire"] = BlockRollover.Expire, ["roll-over"] = BlockRollover.RollOver,
    };

    private static string Name(BlockRollover rule) => Rules.Single(r => r.Value == rule).Key;

    private static BlockView View(BlockOfHours b, int remaining, BlockSettlement? s) => new(b.Id, b.ClientId, b.Minutes, remaining, b.ValidFrom,
        b.ExpiresOn, b.Reference, b.CreatedAt, b.CreatedBy, Name(b.Rollover), b.RolloverCapMinutes, b.Rollover == BlockRollover.RollOver ? b.RolloverMonths : null,
        b.RolledFromBlockId,
        s is null ? null : new BlockSettlementView(s.BlockId, s.UnusedMinutes, s.RolledMinutes, s.ExpiredMinutes, s.RolledIntoBlockId, s.SettledAt, s.SettledBy));

    private static async Task<IResult> Create(Guid clientId, BlockRequest body, ClaimsPrincipal user, BillingDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Errors();
        if (body.Hours is not > 0 || body.Hours * 60 % 1 != 0) errors.Add("hours", "More than 0, in whole minutes (e.g. 10 or 2.5).");
        if (body.ValidFrom is null) errors.Add("validFrom", "Required (yyyy-MM-dd).");
        if (body.ExpiresOn is null) errors.Add("expiresOn", "Required (yyyy-MM-dd).");
        else if (body.ValidFrom is { } from && body.ExpiresOn < from) errors.Add("expiresOn", "Must not be before validFrom.");
        if (body.Reference?.Length > 200) errors.Add("reference", "At most 200 characters.");
        var rule = BlockRollover.Expire;
        if (body.Rollover is not null && !Rules.TryGetValue(body.Rollover, out rule)) errors.Add("rollover", "One of expire (the default), roll-over, none.");
        if (rule != BlockRollover.RollOver)
        {
            if (body.RolloverCapHours is not null) errors.Add("rolloverCapHours", "Only with rollover roll-over.");
            if (body.RolloverMonths is not null) errors.Add("rolloverMonths", "Only with rollover roll-over.");
        }
        if (body.RolloverCapHours is { } cap && (cap < 0 || cap * 60 % 1 != 0)) errors.Add("rolloverCapHours", "0 or more, in whole minutes.");
        if (body.RolloverMonths is < 1 or > 12) errors.Add("rolloverMonths", "From 1 to 12.");
        if (errors.Count > 0) return errors.Problem();
        var block = new BlockOfHours
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), ClientId = clientId, Minutes = (int)(body.Hours!.Value * 60), ValidFrom = body.ValidFrom!.Value,
            ExpiresOn = body.ExpiresOn!.Value, Reference = body.Reference?.Trim(), CreatedAt = time.GetUtcNow(), CreatedBy = InvoiceEndpoints.Caller(user),
            Rollover = rule, RolloverCapMinutes = body.RolloverCapHours is { } hours ? (int)(hours * 60) : null, RolloverMonths = body.RolloverMonths ?? 1,
        };
        db.Blocks.Add(block);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/billing/clients/{clientId}/blocks", View(block, block.Minutes, null));
    }
}

/// <param name="Hours">Prepaid hours (whole minutes, e.g. 2.5).</param>
/// <param name="ExpiresOn">Last day (client-local, inclusive) it covers work.</param>
/// <param name="Rollover">What happens to unused hours after expiry: "expire" (the default: they lapse), "roll-over" (up to the
/// cap they become a new block) or "none" (left for someone to settle by hand).</param>
/// <param name="RolloverCapHours">With roll-over: at most this many hours roll over; leave out for all.</param>
/// <param name="RolloverMonths">With roll-over: months the new block is valid, from the day after expiry (1 to 12, default 1).</param>
public sealed record BlockRequest(decimal? Hours, DateOnly? ValidFrom, DateOnly? ExpiresOn, string? Reference, string? Rollover = null,
    decimal? RolloverCapHours = null, int? RolloverMonths = null);

/// <param name="Through">A past day: the client's blocks with a rule that expired on or before it are settled.</param>
public sealed record SettleRequest(DateOnly? Through);

/// <param name="RemainingMinutes">Minutes less those drawn by finalised invoices, and less what its settlement rolled over or let lapse.</param>
/// <param name="RolledFromBlockId">On a block made by a rollover: the expired block it came from.</param>
/// <param name="Settlement">Once the block expired and was settled: what was left, rolled and lapsed.</param>
public sealed record BlockView(Guid Id, Guid ClientId, int Minutes, int RemainingMinutes, DateOnly ValidFrom, DateOnly ExpiresOn, string? Reference,
    DateTimeOffset CreatedAt, string CreatedBy, string Rollover, int? RolloverCapMinutes, int? RolloverMonths, Guid? RolledFromBlockId,
    BlockSettlementView? Settlement);

/// <param name="UnusedMinutes">What the block had left when settled: rolled plus expired.</param>
public sealed record BlockSettlementView(Guid BlockId, int UnusedMinutes, int RolledMinutes, int ExpiredMinutes, Guid? RolledIntoBlockId,
    DateTimeOffset SettledAt, string SettledBy);
