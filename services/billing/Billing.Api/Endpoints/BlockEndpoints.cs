using System.Security.Claims;
using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

/// <summary>A client's blocks of prepaid hours, and what is left of each (drawn by finalised invoices).</summary>
public static class BlockEndpoints
{
    public static IEndpointRouteBuilder MapBlockEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/billing/clients/{clientId:guid}/blocks").RequireAuthorization(Policies.Billing);
        group.MapGet("/", List).Produces<BlockView[]>();
        group.MapPost("/", Create).Produces<BlockView>(StatusCodes.Status201Created).ProducesValidationProblem();
        return app;
    }

    private static async Task<IResult> List(Guid clientId, BillingDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok(await db.Blocks.AsNoTracking().Where(b => b.ClientId == clientId).OrderBy(b => b.ExpiresOn)
            .Select(b => new BlockView(b.Id, b.ClientId, b.Minutes, b.Minutes - db.Drawdowns.Where(d => d.BlockId == b.Id).Sum(d => d.Minutes),
                b.ValidFrom, b.ExpiresOn, b.Reference, b.CreatedAt, b.CreatedBy))
            .ToListAsync(cancellationToken));

    private static async Task<IResult> Create(Guid clientId, BlockRequest body, ClaimsPrincipal user, BillingDbContext db, TimeProvider time,
        CancellationToken cancellationToken)
    {
        var errors = new Errors();
        if (body.Hours is not > 0 || body.Hours * 60 % 1 != 0) errors.Add("hours", "More than 0, in whole minutes (e.g. 10 or 2.5).");
        if (body.ValidFrom is null) errors.Add("validFrom", "Required (yyyy-MM-dd).");
        if (body.ExpiresOn is null) errors.Add("expiresOn", "Required (yyyy-MM-dd).");
        else if (body.ValidFrom is { } from && body.ExpiresOn < from) errors.Add("expiresOn", "Must not be before validFrom.");
        if (body.Reference?.Length > 200) errors.Add("reference", "At most 200 characters.");
        if (errors.Count > 0) return errors.Problem();
        var block = new BlockOfHours
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()), ClientId = clientId, Minutes = (int)(body.Hours!.Value * 60), ValidFrom = body.ValidFrom!.Value,
            ExpiresOn = body.ExpiresOn!.Value, Reference = body.Reference?.Trim(), CreatedAt = time.GetUtcNow(), CreatedBy = InvoiceEndpoints.Caller(user),
        };
        db.Blocks.Add(block);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/billing/clients/{clientId}/blocks", new BlockView(block.Id, clientId, block.Minutes, block.Minutes,
            block.ValidFrom, block.ExpiresOn, block.Reference, block.CreatedAt, block.CreatedBy));
    }
}

/// <param name="Hours">Prepaid hours (whole minutes, e.g. 2.5).</param>
/// <param name="ExpiresOn">Last day (client-local, inclusive) it covers work.</param>
public sealed record BlockRequest(decimal? Hours, DateOnly? ValidFrom, DateOnly? ExpiresOn, string? Reference);

/// <param name="RemainingMinutes">Minutes less those drawn by finalised invoices.</param>
public sealed record BlockView(Guid Id, Guid ClientId, int Minutes, int RemainingMinutes, DateOnly ValidFrom, DateOnly ExpiresOn, string? Reference,
    DateTimeOffset CreatedAt, string CreatedBy);
