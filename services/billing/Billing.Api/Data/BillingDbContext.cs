using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;

namespace Billing.Api.Data;

public sealed class BillingDbContext(DbContextOptions<BillingDbContext> options) : TenantDbContext(options)
{
    public DbSet<BillingRecord> Records => Set<BillingRecord>();
    public DbSet<TimeEntry> TimeEntries => Set<TimeEntry>();
    public DbSet<BillingClient> Clients => Set<BillingClient>();
    public DbSet<CalendarCopy> Calendars => Set<CalendarCopy>();
    public DbSet<Approval> Approvals => Set<Approval>();
    public DbSet<AgreementVersion> Agreements => Set<AgreementVersion>();
    public DbSet<Invoice> Invoices => Set<Invoice>();
    public DbSet<InvoiceSequence> Sequences => Set<InvoiceSequence>();
    public DbSet<BlockOfHours> Blocks => Set<BlockOfHours>();
    public DbSet<BlockDrawdown> Drawdowns => Set<BlockDrawdown>();
    public DbSet<BlockSettlement> Settlements => Set<BlockSettlement>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.Entity<BillingRecord>(record =>
        {
            record.ToTable("billing_records");
            record.HasKey(r => r.TicketId);
            record.HasIndex(r => new { r.ClientId, r.OpenedAt });
            record.HasQueryFilter(r => ClientId == null || r.ClientId == ClientId);
        });
        modelBuilder.Entity<TimeEntry>(entry =>
        {
            entry.ToTable("time_entries");
            entry.HasKey(e => e.TimeEntryId);
            entry.HasOne<BillingRecord>().WithMany().HasForeignKey(e => e.TicketId).OnDelete(DeleteBehavior.Restrict);
            entry.HasIndex(e => e.TicketId);
            entry.HasIndex(e => new { e.ClientId, e.StartedAt });
            entry.HasIndex(e => e.InvoiceId);
            entry.Property(e => e.Responder).HasMaxLength(200);
            entry.Property(e => e.RecordedBy).HasMaxLength(200);
            entry.Property(e => e.Note).HasMaxLength(2000);
            entry.Property(e => e.WorkType).HasConversion<string>().HasMaxLength(20);
            entry.Property(e => e.Disposition).HasConversion<string>().HasMaxLength(20);
            entry.Property(e => e.DispositionReason).HasMaxLength(500);
            entry.Property(e => e.DispositionBy).HasMaxLength(200);
            entry.Property(e => e.EditReviewReason).HasMaxLength(500);
            entry.Property(e => e.EditReviewedBy).HasMaxLength(200);
            entry.HasQueryFilter(e => ClientId == null || e.ClientId == ClientId);
        });
        modelBuilder.Entity<BillingClient>(client =>
        {
            client.ToTable("clients");
            client.HasKey(c => c.ClientId);
            client.Property(c => c.Name).HasMaxLength(200);
            client.Property(c => c.Tier).HasMaxLength(100);
            client.Property(c => c.CalendarId).HasMaxLength(100);
        });
        modelBuilder.AddCalendarCopies();
        modelBuilder.Entity<Approval>(approval =>
        {
            approval.ToTable("approvals");
            approval.HasKey(a => a.ApprovalId);
            approval.HasIndex(a => a.TicketId);
            approval.Property(a => a.ApproverName).HasMaxLength(200);
            approval.Property(a => a.Method).HasMaxLength(50);
            approval.Property(a => a.Currency).HasMaxLength(3);
            approval.Property(a => a.RecordedBy).HasMaxLength(200);
            approval.HasQueryFilter(a => ClientId == null || a.ClientId == ClientId);
        });
        modelBuilder.Entity<AgreementVersion>(agreement =>
        {
            agreement.ToTable("agreements");
            agreement.HasKey(a => a.Id);
            agreement.HasIndex(a => new { a.ClientId, a.Version }).IsUnique();
            agreement.HasIndex(a => new { a.ClientId, a.EffectiveFrom }).IsUnique();
            agreement.Property(a => a.Tier).HasMaxLength(100);
            agreement.Property(a => a.Currency).HasMaxLength(3);
            agreement.Property(a => a.CreatedBy).HasMaxLength(200);
            agreement.Property(a => a.RoundingScope).HasConversion<string>().HasMaxLength(20);
            agreement.OwnsMany(a => a.Rates, rates =>
            {
                rates.ToJson();
                rates.Property(r => r.WorkType).HasConversion<string>();
            });
            agreement.HasQueryFilter(a => ClientId == null || a.ClientId == ClientId);
        });
        modelBuilder.Entity<Invoice>(invoice =>
        {
            invoice.ToTable("invoices");
            invoice.HasKey(i => i.Id);
            invoice.Property(i => i.Kind).HasConversion<string>().HasMaxLength(20);
            invoice.Property(i => i.Status).HasConversion<string>().HasMaxLength(20);
            invoice.Property(i => i.Period).HasMaxLength(7);
            invoice.Property(i => i.Currency).HasMaxLength(3);
            invoice.Property(i => i.Number).HasMaxLength(20);
            invoice.Property(i => i.FinalisedBy).HasMaxLength(200);
            invoice.Property(i => i.Reason).HasMaxLength(500);
            invoice.HasIndex(i => i.Number).IsUnique();
            // One draft per client and period: asking again rebuilds it.
            invoice.HasIndex(i => new { i.ClientId, i.Period }).IsUnique().HasFilter("\"Status\" = 'Draft'");
            invoice.HasMany(i => i.Lines).WithOne().HasForeignKey(l => l.InvoiceId).OnDelete(DeleteBehavior.Cascade);
            invoice.HasQueryFilter(i => ClientId == null || i.ClientId == ClientId);
        });
        modelBuilder.Entity<InvoiceLine>(line =>
        {
            line.ToTable("invoice_lines");
            line.HasKey(l => new { l.InvoiceId, l.LineNumber });
            line.HasIndex(l => l.TimeEntryId);
            line.Property(l => l.Kind).HasConversion<string>().HasMaxLength(20);
            line.Property(l => l.Responder).HasMaxLength(200);
            line.Property(l => l.WorkType).HasMaxLength(20);
            line.Property(l => l.Hours).HasMaxLength(20);
            line.Property(l => l.Description).HasMaxLength(500);
        });
        modelBuilder.Entity<BlockOfHours>(block =>
        {
            block.ToTable("block_hours");
            block.HasKey(b => b.Id);
            block.HasIndex(b => b.ClientId);
            block.Property(b => b.Reference).HasMaxLength(200);
            block.Property(b => b.CreatedBy).HasMaxLength(200);
            // Blocks stored before rules existed got None and 1 month (migration BlockRollover): nothing about them changes.
            block.Property(b => b.Rollover).HasConversion<string>().HasMaxLength(20);
            block.HasQueryFilter(b => ClientId == null || b.ClientId == ClientId);
        });
        modelBuilder.Entity<BlockSettlement>(settlement =>
        {
            settlement.ToTable("block_settlements");
            settlement.HasKey(s => s.BlockId);
            settlement.HasIndex(s => s.ClientId);
            settlement.Property(s => s.SettledBy).HasMaxLength(200);
            settlement.HasOne<BlockOfHours>().WithOne().HasForeignKey<BlockSettlement>(s => s.BlockId).OnDelete(DeleteBehavior.Restrict);
            settlement.HasQueryFilter(s => ClientId == null || s.ClientId == ClientId);
        });
        modelBuilder.Entity<BlockDrawdown>(drawdown =>
        {
            drawdown.ToTable("block_drawdowns");
            drawdown.HasKey(d => new { d.BlockId, d.TimeEntryId, d.InvoiceId });
            drawdown.HasIndex(d => d.InvoiceId);
            drawdown.HasOne<BlockOfHours>().WithMany().HasForeignKey(d => d.BlockId).OnDelete(DeleteBehavior.Restrict);
        });
        modelBuilder.Entity<InvoiceSequence>(sequence =>
        {
            sequence.ToTable("invoice_sequences");
            sequence.HasKey(s => s.Series);
            sequence.Property(s => s.Series).HasMaxLength(10);
            sequence.HasData(new InvoiceSequence { Series = Invoicing.InvoiceSeries, Next = 1 },
                new InvoiceSequence { Series = Invoicing.CreditNoteSeries, Next = 1 });
        });
    }
}
