using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Platform;
using Sla.Api.Domain;

namespace Sla.Api.Data;

public sealed class SlaDbContext(DbContextOptions<SlaDbContext> options, Tenant tenant) : DbContext(options)
{
    /// <summary>A client caller sees only its own client's rows; staff and the service's consumers see all.</summary>
    private readonly Guid? _clientId = tenant.ClientId;

    public DbSet<SlaClock> Clocks => Set<SlaClock>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.Entity<SlaClock>(clock =>
        {
            clock.ToTable("sla_clocks");
            clock.HasKey(c => c.TicketId);
            clock.Property(c => c.Priority).HasMaxLength(2);
            clock.Property(c => c.TimeZone).HasMaxLength(64);
            clock.HasIndex(c => c.ClientId);
            clock.HasQueryFilter(c => _clientId == null || c.ClientId == _clientId);
            clock.OwnsMany(c => c.Ledger, entry =>
            {
                entry.ToTable("sla_ledger");
                entry.WithOwner().HasForeignKey("TicketId");
                entry.HasKey(e => e.Id);
                entry.Property(e => e.Kind).HasConversion<string>().HasMaxLength(20);
                entry.Property(e => e.Target).HasMaxLength(20);
                entry.Property(e => e.Cause).HasMaxLength(500);
                // A target is met once: duplicates racing each other cannot both write it.
                entry.HasIndex("TicketId", nameof(LedgerEntry.Target)).IsUnique().HasFilter("\"Kind\" = 'Met'");
            });
        });
    }
}
