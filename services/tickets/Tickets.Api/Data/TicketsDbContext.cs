using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Platform;
using Tickets.Api.Domain;

namespace Tickets.Api.Data;

public sealed class TicketsDbContext(DbContextOptions<TicketsDbContext> options, Tenant tenant) : DbContext(options)
{
    /// <summary>A client caller sees only its own client's rows; staff and the service's consumers see all.</summary>
    private readonly Guid? _clientId = tenant.ClientId;

    public DbSet<Ticket> Tickets => Set<Ticket>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.HasSequence<long>("ticket_numbers").StartsAt(1001);
        modelBuilder.Entity<Ticket>(ticket =>
        {
            ticket.ToTable("tickets");
            ticket.Property(t => t.Number).HasDefaultValueSql("nextval('ticket_numbers')");
            ticket.HasIndex(t => t.Number).IsUnique();
            ticket.Property(t => t.Status).HasConversion<string>().HasMaxLength(20);
            ticket.Property(t => t.Priority).HasMaxLength(2);
            ticket.Property(t => t.PriorityHint).HasMaxLength(2);
            ticket.Property(t => t.Channel).HasMaxLength(40);
            ticket.Property(t => t.ContactEmail).HasMaxLength(254);
            ticket.Property(t => t.ContactName).HasMaxLength(200);
            ticket.Property(t => t.Subject).HasMaxLength(200);
            ticket.ComplexProperty(t => t.Sla);
            ticket.HasIndex(t => new { t.ClientId, t.OpenedAt });
            ticket.HasQueryFilter(t => _clientId == null || t.ClientId == _clientId);
        });
    }
}
