using Intake.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Platform;

namespace Intake.Api.Data;

public sealed class IntakeDbContext(DbContextOptions<IntakeDbContext> options) : TenantDbContext(options)
{
    /// <summary>The demo client every fresh install has, so the system can be tried at once.</summary>
    public static readonly Guid DemoClientId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    /// <summary>The demo client's first contact, Dana Reyes (dana@acme-dental.example), seeded by migration DemoContacts.</summary>
    public static readonly Guid DemoContactId = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");

    public DbSet<ServiceRequest> Requests => Set<ServiceRequest>();
    public DbSet<Client> Clients => Set<Client>();
    public DbSet<Contact> Contacts => Set<Contact>();
    public DbSet<RawPayload> RawPayloads => Set<RawPayload>();
    public DbSet<TriageItem> Triage => Set<TriageItem>();
    public DbSet<StoredAttachment> Attachments => Set<StoredAttachment>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.Entity<ServiceRequest>(request =>
        {
            request.ToTable("service_requests");
            request.Property(r => r.Channel).HasMaxLength(RequestLimits.Channel);
            request.Property(r => r.ContactEmail).HasMaxLength(RequestLimits.Email);
            request.Property(r => r.ContactName).HasMaxLength(RequestLimits.Name);
            request.Property(r => r.Subject).HasMaxLength(RequestLimits.Subject);
            request.Property(r => r.Description).HasMaxLength(RequestLimits.Description);
            request.Property(r => r.PriorityHint).HasMaxLength(2);
            request.Property(r => r.EmergencyDeclared).HasMaxLength(200);
            request.Property(r => r.ExternalId).HasMaxLength(RequestLimits.ExternalId);
            request.Property(r => r.ContactPhone).HasMaxLength(RequestLimits.Phone);
            request.Property(r => r.DescriptionHtml).HasMaxLength(RequestLimits.Html);
            request.Property(r => r.Fingerprint).HasMaxLength(64);
            request.Property(r => r.EnteredBy).HasMaxLength(RequestLimits.Name);
            request.Property(r => r.InReplyTo).HasMaxLength(RequestLimits.ExternalId);
            request.HasIndex(r => r.ReceivedAt);
            // Holds only the backlog (BacklogMonitor counts it every second), so it stays as small as the backlog.
            request.HasIndex(r => r.ReceivedAt, "ix_service_requests_awaiting_clock").HasFilter("\"AwaitingClock\"");
            // A webhook delivered twice (same channel, same delivery id) is one request.
            request.HasIndex(r => new { r.Channel, r.ExternalId }).IsUnique().HasFilter("\"ExternalId\" IS NOT NULL");
            // A client user sees only the requests sent from their contact's current addresses, as tickets shows them only
            // their tickets (docs/adr/0053): a colleague's request, and so its files, is a 404 like another client's.
            request.HasQueryFilter(r => ClientId == null || (r.ClientId == ClientId
                && (OwnTicketsOf == null || Contacts.Any(c => c.Id == OwnTicketsOf && c.Emails.Contains(r.ContactEmail.ToLower())))));
        });
        modelBuilder.Entity<Client>(client =>
        {
            client.ToTable("clients");
            client.Property(c => c.Name).HasMaxLength(200);
            client.HasData(new Client { Id = DemoClientId, Name = "Acme Dental" });
            client.HasQueryFilter(c => ClientId == null || c.Id == ClientId);
        });
        modelBuilder.Entity<Contact>(contact =>
        {
            contact.ToTable("contacts");
            contact.Property(c => c.Name).HasMaxLength(RequestLimits.Name);
            contact.Property(c => c.Id).ValueGeneratedNever();
            contact.HasIndex(c => c.ClientId);
            // GIN: "which contact has this address" is an array-contains lookup.
            contact.HasIndex(c => c.Emails).HasMethod("gin");
            contact.HasIndex(c => c.Phones).HasMethod("gin");
            contact.HasQueryFilter(c => ClientId == null || c.ClientId == ClientId);
        });
        modelBuilder.Entity<RawPayload>(raw =>
        {
            raw.ToTable("raw_payloads");
            raw.Property(r => r.Channel).HasMaxLength(RequestLimits.Channel);
            raw.Property(r => r.ContentType).HasMaxLength(200);
            raw.Property(r => r.Source).HasMaxLength(300);
            raw.Property(r => r.Outcome).HasConversion<string>().HasMaxLength(20);
            raw.Property(r => r.Reason).HasMaxLength(1000);
            raw.HasIndex(r => r.Outcome).HasFilter("\"Outcome\" IN ('Received', 'Quarantined')");
        });
        modelBuilder.Entity<TriageItem>(item =>
        {
            item.ToTable("triage_items");
            item.Property(t => t.Channel).HasMaxLength(RequestLimits.Channel);
            item.Property(t => t.ExternalId).HasMaxLength(RequestLimits.ExternalId);
            item.Property(t => t.SenderEmail).HasMaxLength(RequestLimits.Email);
            item.Property(t => t.SenderPhone).HasMaxLength(RequestLimits.Phone);
            item.Property(t => t.SenderName).HasMaxLength(RequestLimits.Name);
            item.Property(t => t.Subject).HasMaxLength(RequestLimits.Subject);
            item.Property(t => t.Description).HasMaxLength(RequestLimits.Description);
            item.Property(t => t.Reason).HasMaxLength(1000);
            item.Property(t => t.DescriptionHtml).HasMaxLength(RequestLimits.Html);
            item.Property(t => t.PriorityHint).HasMaxLength(2);
            item.Property(t => t.EmergencyDeclared).HasMaxLength(200);
            item.Property(t => t.InReplyTo).HasMaxLength(RequestLimits.ExternalId);
            item.Property(t => t.ResolvedBy).HasMaxLength(RequestLimits.Name);
            item.Property(t => t.Resolution).HasMaxLength(1000);
            item.HasIndex(t => new { t.Channel, t.ExternalId }).IsUnique().HasFilter("\"ExternalId\" IS NOT NULL");
            item.HasIndex(t => t.ReceivedAt).HasFilter("\"ResolvedAt\" IS NULL");
        });
        modelBuilder.Entity<StoredAttachment>(attachment =>
        {
            attachment.ToTable("attachments");
            attachment.Property(a => a.FileName).HasMaxLength(255);
            attachment.Property(a => a.ContentType).HasMaxLength(200);
            attachment.Property(a => a.ContentId).HasMaxLength(RequestLimits.ExternalId);
            attachment.HasIndex(a => a.RequestId);
            attachment.HasQueryFilter(a => ClientId == null || a.ClientId == ClientId);
        });
    }
}

/// <summary>Field limits shared by validation and the schema, so they cannot disagree.</summary>
public static class RequestLimits
{
    public const int Channel = 40;
    public const int Email = 254;
    public const int Name = 200;
    public const int Subject = 200;
    public const int Description = 20_000;
    public const int Html = 100_000;
    public const int Phone = 16; // E.164: "+" and at most 15 digits
    public const int ExternalId = 300; // a Message-ID may be long
}
