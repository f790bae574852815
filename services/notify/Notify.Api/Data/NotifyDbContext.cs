using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Calendars;
using ServiceDesk.Platform.Outbox;
using Notify.Api.Domain;

namespace Notify.Api.Data;

public sealed class NotifyDbContext(DbContextOptions<NotifyDbContext> options) : DbContext(options)
{
    public DbSet<TicketContact> Contacts => Set<TicketContact>();
    public DbSet<SentAcknowledgement> Acknowledgements => Set<SentAcknowledgement>();
    public DbSet<SentReply> Replies => Set<SentReply>();
    public DbSet<DirectoryClient> Directory => Set<DirectoryClient>();
    public DbSet<ContactPreference> Preferences => Set<ContactPreference>();
    /// <summary>Staff members' own channels and quiet hours for alerts.</summary>
    public DbSet<StaffPreference> StaffPreferences => Set<StaffPreference>();
    /// <summary>The delivery ledger: one row per message per recipient and channel.</summary>
    public DbSet<Delivery> Deliveries => Set<Delivery>();
    /// <summary>Provider status callbacks and DSNs, raw, by their own key (applied once).</summary>
    public DbSet<DeliveryReport> Reports => Set<DeliveryReport>();
    /// <summary>Copies of sla's calendars (CalendarRevised): whether a client's business hours are open, for staff alerts.</summary>
    public DbSet<CalendarCopy> Calendars => Set<CalendarCopy>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.AddCalendarCopies();
        modelBuilder.Entity<TicketContact>(contact =>
        {
            contact.ToTable("ticket_contacts");
            contact.HasKey(c => c.TicketId);
            contact.Property(c => c.Email).HasMaxLength(254);
            contact.Property(c => c.Name).HasMaxLength(200);
            contact.Property(c => c.Subject).HasMaxLength(200);
            contact.Property(c => c.Assignee).HasMaxLength(200);
            contact.Property(c => c.TimeZone).HasMaxLength(64);
            contact.Property(c => c.Channel).HasMaxLength(32);
        });
        modelBuilder.Entity<SentAcknowledgement>(sent =>
        {
            sent.ToTable("sent_acknowledgements");
            sent.HasKey(s => s.TicketId);
            sent.Property(s => s.Recipient).HasMaxLength(254);
            sent.Property(s => s.MessageId).HasMaxLength(300);
        });
        modelBuilder.Entity<SentReply>(sent =>
        {
            sent.ToTable("sent_replies");
            sent.HasKey(s => s.ReplyId);
            sent.HasIndex(s => s.TicketId);
            sent.Property(s => s.Recipient).HasMaxLength(254);
            sent.Property(s => s.MessageId).HasMaxLength(300);
        });
        modelBuilder.Entity<DirectoryClient>(client =>
        {
            client.ToTable("directory_clients");
            client.HasKey(c => c.ClientId);
            client.Property(c => c.Language).HasMaxLength(8);
            client.Property(c => c.CalendarId).HasMaxLength(100);
            // Read and written whole with its client, never queried by contact: one jsonb column.
            client.Property(c => c.Contacts).HasColumnType("jsonb").HasConversion(
                contacts => System.Text.Json.JsonSerializer.Serialize(contacts, System.Text.Json.JsonSerializerOptions.Web),
                json => System.Text.Json.JsonSerializer.Deserialize<List<DirectoryContact>>(json, System.Text.Json.JsonSerializerOptions.Web) ?? new(),
                new Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<DirectoryContact>>(
                    (a, b) => ReferenceEquals(a, b), contacts => contacts.Count, contacts => contacts));
        });
        modelBuilder.Entity<ContactPreference>(preference =>
        {
            preference.ToTable("contact_preferences");
            preference.HasKey(p => p.ContactId);
            preference.HasIndex(p => p.ClientId);
            preference.Property(p => p.UpdatedBy).HasMaxLength(200);
            preference.Property(p => p.Language).HasMaxLength(8);
            preference.Property(p => p.TimeZone).HasMaxLength(64);
        });
        modelBuilder.Entity<StaffPreference>(preference =>
        {
            preference.ToTable("staff_preferences");
            preference.HasKey(p => p.Person);
            preference.Property(p => p.Person).HasMaxLength(200);
            preference.Property(p => p.UpdatedBy).HasMaxLength(200);
            preference.Property(p => p.TimeZone).HasMaxLength(64);
        });
        modelBuilder.Entity<Delivery>(delivery =>
        {
            delivery.ToTable("deliveries");
            delivery.HasKey(d => d.Id);
            // One message per event, recipient and channel, however often the event is redelivered or republished.
            delivery.HasIndex(d => new { d.EventKey, d.Recipient, d.Channel }).IsUnique();
            delivery.HasIndex(d => d.TicketId);
            delivery.HasIndex(d => d.ProviderId); // status callbacks and bounces find their row by it
            delivery.Property(d => d.EventKey).HasMaxLength(500);
            delivery.Property(d => d.Kind).HasMaxLength(32);
            delivery.Property(d => d.Channel).HasMaxLength(16);
            delivery.Property(d => d.Recipient).HasMaxLength(254);
            delivery.Property(d => d.RecipientName).HasMaxLength(200);
            delivery.Property(d => d.MessageId).HasMaxLength(300);
            delivery.Property(d => d.InReplyTo).HasMaxLength(300);
            delivery.Property(d => d.AutoSubmitted).HasMaxLength(32);
            delivery.Property(d => d.Subject).HasMaxLength(400);
            delivery.Property(d => d.State).HasMaxLength(16);
            delivery.Property(d => d.Provider).HasMaxLength(64);
            delivery.Property(d => d.ProviderId).HasMaxLength(300);
            delivery.Property(d => d.LastError).HasMaxLength(1000);
        });
        modelBuilder.Entity<DeliveryReport>(report =>
        {
            report.ToTable("delivery_reports");
            report.HasKey(r => r.Key);
            report.Property(r => r.Key).HasMaxLength(400);
            report.HasIndex(r => r.DeliveryId);
        });
    }
}
