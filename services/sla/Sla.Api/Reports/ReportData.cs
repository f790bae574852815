using Microsoft.EntityFrameworkCore;

namespace Sla.Api.Reports;

/// <summary>
/// How one target of one ticket turned out: when it was met and after how much business time, and whether that was
/// within the contractual and internal targets. A row appears when the target is met or first breached; a breached
/// target still unmet has no time yet and counts as missed for the commitment it breached.
/// </summary>
public sealed class TargetOutcome
{
    public Guid TicketId { get; init; }

    /// <summary>An Sla.Contracts.SlaTargets name: acknowledge, work-begins, resolution.</summary>
    public required string Target { get; init; }

    public Guid ClientId { get; set; }
    public required string Priority { get; set; }
    public required string Tier { get; set; }

    /// <summary>When the ticket was entered: the report's period is chosen by this.</summary>
    public DateTimeOffset EnteredAt { get; set; }

    public DateTimeOffset? MetAt { get; set; }

    /// <summary>Business time from the clock's start to <see cref="MetAt"/>, pauses not counted.</summary>
    public double? BusinessSeconds { get; set; }

    /// <summary>Null while undecided: not met yet and not breached.</summary>
    public bool? MetContractual { get; set; }

    public bool? MetInternal { get; set; }
}

/// <summary>
/// What the reports need to know of a ticket that sla's clock does not: the team it is with now (TicketOpened and
/// TicketAssigned; the highest ticket version wins, docs/adr/0023) and whether it was merged into another as a duplicate (TicketMerged),
/// which leaves it out of every report.
/// </summary>
public sealed class ReportTicket
{
    public Guid TicketId { get; init; }
    public Guid? TeamId { get; set; }
    public DateTimeOffset AssignedAt { get; set; }
    /// <summary>The ticket version of the event <see cref="TeamId"/> came from; 0 when it had none.</summary>
    public int AssignedVersion { get; set; }
    public bool Merged { get; set; }
}

public static class ReportDataMap
{
    public static void MapReports(this ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<TargetOutcome>(outcome =>
        {
            outcome.ToTable("sla_target_outcomes");
            outcome.HasKey(o => new { o.TicketId, o.Target });
            outcome.Property(o => o.Target).HasMaxLength(32);
            outcome.Property(o => o.Priority).HasMaxLength(2);
            outcome.Property(o => o.Tier).HasMaxLength(64);
            // Every report reads one period, most of them for one client.
            outcome.HasIndex(o => o.EnteredAt);
            outcome.HasIndex(o => new { o.ClientId, o.EnteredAt });
        });
        modelBuilder.Entity<ReportTicket>(ticket =>
        {
            ticket.ToTable("sla_report_tickets");
            ticket.HasKey(t => t.TicketId);
        });
    }
}
