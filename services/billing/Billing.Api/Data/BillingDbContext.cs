using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Data;

public sealed class BillingDbContext(DbContextOptions<BillingDbContext> options) : DbContext(options)
{
    public DbSet<BillingRecord> Records => Set<BillingRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder) =>
        modelBuilder.Entity<BillingRecord>(record =>
        {
            record.ToTable("billing_records");
            record.HasKey(r => r.TicketId);
            record.HasIndex(r => new { r.ClientId, r.OpenedAt });
        });
}
