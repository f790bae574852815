using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using Notify.Api.Domain;

namespace Notify.Api.Data;

public sealed class NotifyDbContext(DbContextOptions<NotifyDbContext> options) : DbContext(options)
{
    public DbSet<TicketContact> Contacts => Set<TicketContact>();
    public DbSet<SentAcknowledgement> Acknowledgements => Set<SentAcknowledgement>();
    public DbSet<SentReply> Replies => Set<SentReply>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.Entity<TicketContact>(contact =>
        {
            contact.ToTable("ticket_contacts");
            contact.HasKey(c => c.TicketId);
            contact.Property(c => c.Email).HasMaxLength(254);
            contact.Property(c => c.Name).HasMaxLength(200);
            contact.Property(c => c.Subject).HasMaxLength(200);
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
    }
}
