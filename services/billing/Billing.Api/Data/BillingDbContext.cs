using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Platform;

namespace Billing.Api.Data;

public sealed class BillingDbContext(DbContextOptions<BillingDbContext> options, Tenant tenant) : DbContext(options)
{
    /// <summary>A client caller sees only its own client's rows; staff and the service's consumers see all.</summary>
    private readonly Guid? _clientId = tenant.ClientId;

    public DbSet<BillingRecord> Records => Set<BillingRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.Entity<BillingRecord>(record =>
        {
            record.ToTable("billing_records");
            record.HasKey(r => r.TicketId);
            record.HasIndex(r => new { r.ClientId, r.OpenedAt });
            record.HasQueryFilter(r => _clientId == null || r.ClientId == _clientId);
        });
    }
}
