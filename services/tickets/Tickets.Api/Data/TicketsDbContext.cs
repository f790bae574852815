using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Tickets.Api.Domain;
using Tickets.Api.OnCall;

namespace Tickets.Api.Data;

public sealed class TicketsDbContext(DbContextOptions<TicketsDbContext> options) : TenantDbContext(options)
{
    public DbSet<Ticket> Tickets => Set<Ticket>();
    public DbSet<AuditEntry> Audit => Set<AuditEntry>();
    public DbSet<TicketMessage> Messages => Set<TicketMessage>();
    public DbSet<MessageAttachment> MessageAttachments => Set<MessageAttachment>();
    public DbSet<ThreadReference> ThreadReferences => Set<ThreadReference>();
    public DbSet<TextThread> TextThreads => Set<TextThread>();
    public DbSet<TimeEntry> TimeEntries => Set<TimeEntry>();
    public DbSet<TicketAssignment> Assignments => Set<TicketAssignment>();
    public DbSet<Team> Teams => Set<Team>();
    public DbSet<RoutingRule> RoutingRules => Set<RoutingRule>();
    public DbSet<Client> Clients => Set<Client>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<CallDownAttempt> CallDownAttempts => Set<CallDownAttempt>();
    public DbSet<Approval> Approvals => Set<Approval>();
    public DbSet<AgreementTerms> AgreementTerms => Set<AgreementTerms>();
    public DbSet<CalendarCopy> Calendars => Set<CalendarCopy>();
    public DbSet<OnCall.EmergencyPaging> Pagings => Set<OnCall.EmergencyPaging>();
    public DbSet<OnCall.Page> Pages => Set<OnCall.Page>();
    public DbSet<Rotation> Rotations => Set<Rotation>();
    public DbSet<RotationVersion> RotationVersions => Set<RotationVersion>();
    public DbSet<OnCallOverride> OnCallOverrides => Set<OnCallOverride>();

    /// <summary>Intake's demo client (ADR 3), so both directories start alike.</summary>
    public static readonly Guid DemoClientId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    /// <summary>The demo client's first contact, Dana Reyes (dana@acme-dental.example), seeded by migration DemoContacts.</summary>
    public static readonly Guid DemoContactId = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");

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
            ticket.Property(t => t.EmergencyDeclared).HasMaxLength(200);
            ticket.Property(t => t.Channel).HasMaxLength(40);
            ticket.Property(t => t.ContactEmail).HasMaxLength(254);
            ticket.Property(t => t.ContactName).HasMaxLength(200);
            ticket.Property(t => t.Subject).HasMaxLength(200);
            ticket.Property(t => t.Assignee).HasMaxLength(200);
            // Not xmin: that moves with sla's copied due times too (docs/adr/0012). Every writer of the row locks it first.
            ticket.Property(t => t.Version).IsConcurrencyToken();
            ticket.ComplexProperty(t => t.Sla);
            ticket.HasIndex(t => new { t.ClientId, t.OpenedAt });
            // The queues: every view orders by (priority, opened_at, id) and pages by keyset on the same columns, so
            // each index below serves one view's filter and its order without a sort (QueueIndexTests).
            ticket.HasIndex(t => new { t.Priority, t.OpenedAt, t.Id }).HasDatabaseName("ix_tickets_queue");
            ticket.HasIndex(t => new { t.Assignee, t.Priority, t.OpenedAt, t.Id }).HasDatabaseName("ix_tickets_assignee_queue");
            ticket.HasIndex(t => new { t.TeamId, t.Priority, t.OpenedAt, t.Id }).HasDatabaseName("ix_tickets_team_queue");
            ticket.HasIndex(t => new { t.Status, t.Priority, t.OpenedAt, t.Id }).HasDatabaseName("ix_tickets_status_queue");
            ticket.HasIndex(t => new { t.ClientId, t.Priority, t.OpenedAt, t.Id }).HasDatabaseName("ix_tickets_client_queue");
            // Few tickets are merged: the partial index finds a survivor's duplicates without indexing every NULL.
            ticket.HasIndex(t => t.MergedIntoId).HasFilter("\"MergedIntoId\" IS NOT NULL");
            ticket.HasOne<Ticket>().WithMany().HasForeignKey(t => t.MergedIntoId).OnDelete(DeleteBehavior.Restrict);
            // Tickets keep the address they were opened from, not the contact's id: the contact's current addresses decide.
            ticket.HasQueryFilter(t => ClientId == null || (t.ClientId == ClientId
                && (OwnTicketsOf == null || Contacts.Any(c => c.Id == OwnTicketsOf && c.Emails.Contains(t.ContactEmail.ToLower())))));
        });

        modelBuilder.Entity<OnCall.EmergencyPaging>(paging =>
        {
            paging.ToTable("emergency_pagings");
            paging.HasKey(p => p.Id);
            // One chain per emergency start (docs/adr/0058): a copy or a redelivery of the same start finds its chain.
            paging.HasIndex(p => new { p.TicketId, p.StartKey }).IsUnique();
            paging.Property(p => p.StartKey).HasMaxLength(100);
            paging.Property(p => p.State).HasConversion<string>().HasMaxLength(20);
            paging.Property(p => p.AcknowledgedBy).HasMaxLength(200);
            paging.Property(p => p.AcknowledgedHow).HasMaxLength(20);
            paging.HasMany(p => p.Pages).WithOne().HasForeignKey(p => p.PagingId);
            paging.HasOne<Ticket>().WithMany().HasForeignKey(p => p.TicketId);
            // No tenant filter: only staff routes, consumers and the page link (whose secret is the credential) read it.
        });

        modelBuilder.Entity<OnCall.Page>(page =>
        {
            page.ToTable("pages");
            page.Property(p => p.Layer).HasMaxLength(20);
            page.Property(p => p.Person).HasMaxLength(200);
            // The one-tap link finds its page by the hash of its secret.
            page.HasIndex(p => p.AckTokenHash).IsUnique();
        });

        modelBuilder.Entity<AuditEntry>(audit =>
        {
            audit.ToTable("ticket_audit");
            audit.Property(a => a.Actor).HasMaxLength(200);
            audit.Property(a => a.Channel).HasMaxLength(40);
            audit.Property(a => a.Action).HasMaxLength(40);
            audit.Property(a => a.Details).HasColumnType("jsonb");
            audit.HasIndex(a => new { a.TicketId, a.Id });
            audit.HasOne<Ticket>().WithMany().HasForeignKey(a => a.TicketId);
            audit.HasQueryFilter(a => ClientId == null || a.ClientId == ClientId);
        });

        modelBuilder.Entity<TicketMessage>(message =>
        {
            message.ToTable("ticket_messages");
            message.Property(m => m.Kind).HasConversion<string>().HasMaxLength(20);
            message.Property(m => m.Author).HasMaxLength(200);
            message.Property(m => m.Body).HasMaxLength(TicketLimits.ClientMessageBody);
            message.Property(m => m.Channel).HasMaxLength(TicketLimits.Channel);
            message.Property(m => m.MatchedBy).HasMaxLength(TicketLimits.MatchedBy);
            message.Property(m => m.Position).UseIdentityByDefaultColumn();
            message.HasIndex(m => new { m.TicketId, m.Position });
            message.HasOne<Ticket>().WithMany().HasForeignKey(m => m.TicketId);
            message.HasQueryFilter(m => ClientId == null || m.ClientId == ClientId);
        });

        modelBuilder.Entity<MessageAttachment>(file =>
        {
            file.ToTable("message_attachments");
            file.Property(f => f.FileName).HasMaxLength(TicketLimits.FileName);
            file.Property(f => f.ContentType).HasMaxLength(100);
            file.HasIndex(f => f.MessageId);
            file.HasOne<TicketMessage>().WithMany().HasForeignKey(f => f.MessageId);
            file.HasQueryFilter(f => ClientId == null || f.ClientId == ClientId);
        });

        modelBuilder.Entity<TextThread>(thread =>
        {
            thread.ToTable("text_threads");
            thread.HasKey(t => t.Phone);
            thread.Property(t => t.Phone).HasMaxLength(16);
            thread.HasOne<Ticket>().WithMany().HasForeignKey(t => t.TicketId);
            thread.HasQueryFilter(t => ClientId == null || t.ClientId == ClientId);
        });
        modelBuilder.Entity<ThreadReference>(reference =>
        {
            reference.ToTable("thread_references");
            reference.HasKey(r => r.MessageId);
            reference.Property(r => r.MessageId).HasMaxLength(TicketLimits.MessageId);
            reference.HasOne<Ticket>().WithMany().HasForeignKey(r => r.TicketId);
            reference.HasQueryFilter(r => ClientId == null || r.ClientId == ClientId);
        });

        modelBuilder.Entity<TimeEntry>(entry =>
        {
            entry.ToTable("time_entries");
            entry.Property(e => e.Responder).HasMaxLength(200);
            entry.Property(e => e.RecordedBy).HasMaxLength(200);
            entry.Property(e => e.WorkType).HasConversion<string>().HasMaxLength(20);
            entry.Property(e => e.Note).HasMaxLength(TicketLimits.TimeEntryNote);
            entry.Property(e => e.Revision).IsConcurrencyToken();
            entry.HasIndex(e => new { e.TicketId, e.StartedAt });
            entry.HasIndex(e => new { e.Responder, e.StartedAt });
            entry.HasOne<Ticket>().WithMany().HasForeignKey(e => e.TicketId);
            entry.HasQueryFilter(e => ClientId == null || e.ClientId == ClientId);
        });

        modelBuilder.Entity<TicketAssignment>(assignment =>
        {
            assignment.ToTable("ticket_assignments");
            assignment.Property(a => a.Assignee).HasMaxLength(200);
            assignment.Property(a => a.By).HasMaxLength(200);
            assignment.Property(a => a.Reason).HasMaxLength(TicketLimits.Reason);
            assignment.HasIndex(a => new { a.TicketId, a.Id });
            assignment.HasOne<Ticket>().WithMany().HasForeignKey(a => a.TicketId);
            assignment.HasQueryFilter(a => ClientId == null || a.ClientId == ClientId);
        });

        modelBuilder.Entity<Team>(team =>
        {
            team.ToTable("teams");
            team.Property(t => t.Name).HasMaxLength(TicketLimits.TeamName);
            team.Property(t => t.Description).HasMaxLength(TicketLimits.Reason);
            team.HasIndex(t => t.Name).IsUnique();
            team.Property(t => t.Lead).HasMaxLength(TicketLimits.PersonSubject);
        });

        // On-call: the team's own schedule, gone with the team.
        modelBuilder.Entity<Rotation>(rotation =>
        {
            rotation.ToTable("rotations");
            rotation.Property(r => r.Layer).HasConversion<string>().HasMaxLength(20);
            rotation.Property(r => r.CreatedBy).HasMaxLength(TicketLimits.PersonSubject);
            // One schedule per layer: "who is primary" has one answer.
            rotation.HasIndex(r => new { r.TeamId, r.Layer }).IsUnique();
            // The feed URL's secret is looked up by its hash alone.
            rotation.HasIndex(r => r.FeedSecretHash).IsUnique();
            rotation.HasOne<Team>().WithMany().HasForeignKey(r => r.TeamId).OnDelete(DeleteBehavior.Cascade);
            rotation.HasMany(r => r.Versions).WithOne().HasForeignKey(v => v.RotationId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<RotationVersion>(version =>
        {
            version.ToTable("rotation_versions");
            version.Property(v => v.TimeZone).HasMaxLength(TicketLimits.Reference);
            version.Property(v => v.RecordedBy).HasMaxLength(TicketLimits.PersonSubject);
            version.HasIndex(v => new { v.RotationId, v.EffectiveFrom });
        });

        modelBuilder.Entity<OnCallOverride>(cover =>
        {
            cover.ToTable("on_call_overrides");
            cover.Property(o => o.Layer).HasConversion<string>().HasMaxLength(20);
            cover.Property(o => o.Person).HasMaxLength(TicketLimits.PersonSubject);
            cover.Property(o => o.Reason).HasMaxLength(TicketLimits.Reason);
            cover.Property(o => o.CreatedBy).HasMaxLength(TicketLimits.PersonSubject);
            cover.HasIndex(o => new { o.TeamId, o.Layer, o.From });
            cover.HasOne<Team>().WithMany().HasForeignKey(o => o.TeamId).OnDelete(DeleteBehavior.Cascade);
        });

        modelBuilder.Entity<Client>(client =>
        {
            client.ToTable("clients");
            client.Property(c => c.Name).HasMaxLength(TicketLimits.ClientName);
            client.Property(c => c.Tier).HasMaxLength(TicketLimits.Reference);
            client.Property(c => c.CalendarId).HasMaxLength(TicketLimits.Reference);
            client.Property(c => c.Revision).IsConcurrencyToken();
            client.HasIndex(c => c.Name).IsUnique();
            client.HasMany(c => c.Contacts).WithOne().HasForeignKey(c => c.ClientId);
            client.HasData(new Client { Id = DemoClientId, Name = "Acme Dental", Tier = "standard", Revision = 1 });
            client.HasQueryFilter(c => ClientId == null || c.Id == ClientId);
        });

        modelBuilder.Entity<Contact>(contact =>
        {
            contact.ToTable("contacts");
            contact.Property(c => c.Name).HasMaxLength(TicketLimits.ClientName);
            // GIN: "which client is this sender?" is an array-containment lookup (Emails @> ARRAY[...]).
            contact.HasIndex(c => c.Emails).HasMethod("gin");
            contact.HasIndex(c => c.Phones).HasMethod("gin");
            // Not unique: reordering the list rewrites positions in one statement batch, which a unique index would trip over.
            contact.HasIndex(c => new { c.ClientId, c.CallDownPosition });
            contact.HasQueryFilter(c => ClientId == null || c.ClientId == ClientId);
        });

        modelBuilder.Entity<CallDownAttempt>(attempt =>
        {
            attempt.ToTable("call_down_attempts");
            attempt.Property(a => a.ContactName).HasMaxLength(TicketLimits.ClientName);
            attempt.Property(a => a.Number).HasMaxLength(TicketLimits.Reference);
            attempt.Property(a => a.Outcome).HasMaxLength(20);
            attempt.Property(a => a.Note).HasMaxLength(TicketLimits.Reason);
            attempt.Property(a => a.RecordedBy).HasMaxLength(200);
            attempt.HasIndex(a => new { a.TicketId, a.At });
            // CallDownExhausted goes out once per ticket: a second attempt marked so cannot be stored.
            attempt.HasIndex(a => a.TicketId).IsUnique().HasFilter("\"ExhaustedList\"").HasDatabaseName("ix_call_down_attempts_exhausted");
            attempt.HasOne<Ticket>().WithMany().HasForeignKey(a => a.TicketId);
            attempt.HasQueryFilter(a => ClientId == null || a.ClientId == ClientId);
        });

        modelBuilder.Entity<Approval>(approval =>
        {
            approval.ToTable("approvals");
            approval.Property(a => a.ApproverName).HasMaxLength(TicketLimits.ClientName);
            approval.Property(a => a.Method).HasMaxLength(20);
            approval.Property(a => a.Currency).HasMaxLength(3);
            approval.Property(a => a.RecordedBy).HasMaxLength(200);
            approval.HasIndex(a => new { a.TicketId, a.At });
            approval.Property(a => a.IdempotencyKey).HasMaxLength(200);
            // A retried POST finds the approval its first attempt made (docs/adr/0059).
            approval.HasIndex(a => new { a.TicketId, a.IdempotencyKey }).IsUnique().HasFilter("\"IdempotencyKey\" IS NOT NULL");
            approval.HasOne<Ticket>().WithMany().HasForeignKey(a => a.TicketId);
            approval.HasQueryFilter(a => ClientId == null || a.ClientId == ClientId);
        });

        modelBuilder.Entity<AgreementTerms>(terms =>
        {
            terms.ToTable("agreement_terms");
            terms.HasKey(t => new { t.ClientId, t.Version });
            terms.Property(t => t.Currency).HasMaxLength(3);
            terms.HasQueryFilter(t => ClientId == null || t.ClientId == ClientId);
        });

        modelBuilder.AddCalendarCopies();

        modelBuilder.Entity<RoutingRule>(rule =>
        {
            rule.ToTable("routing_rules");
            rule.Property(r => r.Channel).HasMaxLength(40);
            rule.HasIndex(r => r.Order);
            // A team with rules pointing at it cannot disappear under them.
            rule.HasOne<Team>().WithMany().HasForeignKey(r => r.TeamId).OnDelete(DeleteBehavior.Restrict);
        });
    }
}

/// <summary>Sizes of what callers write; refused with a 400 naming the field above these.</summary>
public static class TicketLimits
{
    public const int MessageBody = 10_000;

    /// <summary>What intake keeps of a request's text (its RequestLimits.Description): a client's message arrives whole.</summary>
    public const int ClientMessageBody = 20_000;

    public const int MatchedBy = 1_100;

    /// <summary>Files with a staff reply or note: as many and as large as with a client's web request (intake's UploadedFile).</summary>
    public const int MaxFiles = 3;
    public const int MaxFileBytes = 1024 * 1024;
    public const int FileName = 200;

    /// <summary>RFC 5322 lines are at most 998 characters, so is any Message-ID.</summary>
    public const int MessageId = 998;
    public const int Reason = 500;
    public const int TimeEntryNote = 2_000;
    public const int TeamName = 100;
    public const int Subject = 200;
    public const int Channel = 40;
    public const int MaxTimeEntryMinutes = 24 * 60;
    public const int MaxTeamMembers = 200;
    public const int ClientName = 200;
    public const int Reference = 60;
    public const int MaxContacts = 200;
    public const int MaxAddresses = 10;
    public const int MaxRotationPeople = 100;

    /// <summary>A person's subject (their token's "sub").</summary>
    public const int PersonSubject = 200;
}

public static class AuditTrail
{
    private static readonly System.Text.Json.JsonSerializerOptions Json = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    /// <summary>Adds the audit entry for a change; it is written by the same SaveChanges as the change itself.</summary>
    public static void Record(this TicketsDbContext db, Ticket ticket, Actor actor, DateTimeOffset at, string action, object details) =>
        db.Record(ticket.Id, ticket.ClientId, actor, at, action, details);

    public static void Record(this TicketsDbContext db, OnCall.EmergencyPaging paging, Actor actor, DateTimeOffset at, string action, object details) =>
        db.Record(paging.TicketId, paging.ClientId, actor, at, action, details);

    private static void Record(this TicketsDbContext db, Guid ticketId, Guid clientId, Actor actor, DateTimeOffset at, string action, object details) =>
        db.Audit.Add(new AuditEntry
        {
            TicketId = ticketId,
            ClientId = clientId,
            At = at,
            Actor = actor.Subject,
            Channel = actor.Channel,
            Action = action,
            Details = System.Text.Json.JsonSerializer.Serialize(details, Json),
        });
}

public static class ThreadReferences
{
    /// <summary>Adds a Message-ID to a ticket's thread unless it is already known (to this ticket or an earlier one: the first wins).</summary>
    public static async Task AddThreadReferenceAsync(this TicketsDbContext db, string messageId, Ticket ticket, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        if (await db.ThreadReferences.AnyAsync(r => r.MessageId == messageId, cancellationToken)
            || db.ThreadReferences.Local.Any(r => r.MessageId == messageId)) return;
        db.ThreadReferences.Add(new ThreadReference { MessageId = messageId, TicketId = ticket.Id, ClientId = ticket.ClientId, At = at });
    }
}
