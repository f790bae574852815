using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Platform;
using Sla.Api.Reports;
using Sla.Api.StateMachines;

namespace Sla.Api.Data;

public sealed class SlaDbContext(DbContextOptions<SlaDbContext> options) : TenantDbContext(options)
{
    /// <summary>One per ticket: the SLA saga with its clock ledger.</summary>
    public DbSet<TicketSlaState> TicketSlas => Set<TicketSlaState>();

    public DbSet<TargetOutcome> TargetOutcomes => Set<TargetOutcome>();
    public DbSet<ReportTicket> ReportTickets => Set<ReportTicket>();
    public DbSet<CalendarRecord> Calendars => Set<CalendarRecord>();
    public DbSet<CalendarRevisionRecord> CalendarRevisions => Set<CalendarRevisionRecord>();
    public DbSet<TierRecord> Tiers => Set<TierRecord>();
    /// <summary>sla's copy of tickets' client directory (ClientChanged).</summary>
    public DbSet<ClientRecord> Clients => Set<ClientRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.MapPolicies();
        modelBuilder.MapTicketSla().HasQueryFilter(s => ClientId == null || s.ClientId == ClientId);
        modelBuilder.MapReports(); // staff only: the reports read across clients
    }
}
