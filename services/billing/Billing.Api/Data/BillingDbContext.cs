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
    public DbSet<TimeEntry> TimeEntries => Set<TimeEntry>();

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
        modelBuilder.Entity<TimeEntry>(entry =>
        {
            entry.ToTable("time_entries");
            entry.HasKey(e => e.TimeEntryId);
            entry.HasOne<BillingRecord>().WithMany().HasForeignKey(e => e.TicketId).OnDelete(DeleteBehavior.Restrict);
            entry.HasIndex(e => e.TicketId);
            entry.Property(e => e.Responder).HasMaxLength(200);
            entry.Property(e => e.RecordedBy).HasMaxLength(200);
            entry.Property(e => e.Note).HasMaxLength(2000);
            entry.Property(e => e.WorkType).HasConversion<string>().HasMaxLength(20);
            entry.HasQueryFilter(e => _clientId == null || e.ClientId == _clientId);
        });
    }
}
