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
    public DbSet<ContactRecord> Contacts => Set<ContactRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.MapPolicies();
        // A client user reads only the clocks of tickets opened from their contact's current addresses, as tickets lists
        // them (docs/adr/0053); a client admin the whole client's.
        modelBuilder.MapTicketSla().HasQueryFilter(s => ClientId == null || (s.ClientId == ClientId
            && (OwnTicketsOf == null || Contacts.Any(c => c.Id == OwnTicketsOf && c.ClientId == ClientId && c.Emails.Contains(s.ContactEmail)))));
        modelBuilder.MapReports(); // staff only: the reports read across clients
    }
}
