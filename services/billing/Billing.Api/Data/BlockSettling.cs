using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Data;

/// <summary>
/// Applies each expired block's rollover rule once: what it has left (its minutes less what finalised invoices drew)
/// lapses, or up to its cap becomes a new block from the day after its expiry. The blocks are locked and their
/// settlements re-read under the lock, so two settlements at once (a finalisation and a clerk, say) settle each block
/// once; a block already settled is left alone, which makes asking again harmless. What a block has left is known only
/// once the work of its days is invoiced, so billing settles a block when the invoice of the period it expired in is
/// finalised (or when a clerk settles through a past day); work of its days invoiced later no longer draws from it.
/// </summary>
public static class BlockSettling
{
    /// <summary>Settles the client's blocks with a rule that expired on or before <paramref name="through"/>; returns the new settlements.</summary>
    public static async Task<List<BlockSettlement>> SettleAsync(BillingDbContext db, Guid clientId, DateOnly through, string by, DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var own = db.Database.CurrentTransaction is null ? await db.Database.BeginTransactionAsync(cancellationToken) : null;
        await using var _ = own;
        var settled = new List<BlockSettlement>();
        // A rolled-over block that itself expired by then is settled in a later round.
        while (true)
        {
            var due = await db.Blocks.FromSql($"""
                    SELECT * FROM block_hours WHERE "ClientId" = {clientId} AND "ExpiresOn" <= {through} AND "Rollover" <> 'None'
                    ORDER BY "ExpiresOn", "Id" FOR UPDATE
                    """).AsNoTracking().ToListAsync(cancellationToken);
            var ids = due.Select(b => b.Id).ToList();
            // Read after the lock is held: a settlement committed while this waited is seen, and its block skipped.
            var done = (await db.Settlements.AsNoTracking().Where(s => ids.Contains(s.BlockId)).Select(s => s.BlockId).ToListAsync(cancellationToken))
                .Concat(settled.Select(s => s.BlockId)).ToHashSet();
            var open = due.Where(b => !done.Contains(b.Id)).ToList();
            if (open.Count == 0) break;
            foreach (var block in open)
            {
                var drawn = await db.Drawdowns.Where(d => d.BlockId == block.Id).SumAsync(d => d.Minutes, cancellationToken);
                var unused = Math.Max(0, block.Minutes - drawn);
                var rolled = block.Rollover == BlockRollover.RollOver ? Math.Min(unused, block.RolloverCapMinutes ?? unused) : 0;
                BlockOfHours? next = null;
                if (rolled > 0)
                {
                    var from = block.ExpiresOn.AddDays(1);
                    next = new BlockOfHours
                    {
                        Id = Guid.CreateVersion7(now), ClientId = block.ClientId, Minutes = rolled, ValidFrom = from,
                        ExpiresOn = from.AddMonths(block.RolloverMonths).AddDays(-1), Rollover = BlockRollover.Expire, RolledFromBlockId = block.Id,
                        Reference = $"Rolled over from {block.Reference ?? "the block"} expired {block.ExpiresOn:yyyy-MM-dd}",
                        CreatedAt = now, CreatedBy = by,
                    };
                    db.Blocks.Add(next);
                }
                var settlement = new BlockSettlement
                {
                    BlockId = block.Id, ClientId = block.ClientId, UnusedMinutes = unused, RolledMinutes = rolled, ExpiredMinutes = unused - rolled,
                    RolledIntoBlockId = next?.Id, SettledAt = now, SettledBy = by,
                };
                db.Settlements.Add(settlement);
                settled.Add(settlement);
            }
            await db.SaveChangesAsync(cancellationToken);
        }
        if (own is not null) await own.CommitAsync(cancellationToken);
        return settled;
    }

    /// <summary>What is left of each block: its minutes, less what finalised invoices drew (a credit note gives them back),
    /// less what its settlement rolled over or let lapse.</summary>
    public static IQueryable<BlockBalance> Balances(BillingDbContext db, Guid clientId) =>
        db.Blocks.AsNoTracking().Where(b => b.ClientId == clientId)
            .Select(b => new BlockBalance(b.Id, b.ValidFrom, b.ExpiresOn, b.Minutes
                - db.Drawdowns.Where(d => d.BlockId == b.Id).Sum(d => d.Minutes)
                - db.Settlements.Where(s => s.BlockId == b.Id).Sum(s => s.UnusedMinutes)));
}
