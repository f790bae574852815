using Intake.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Platform;

namespace Intake.Api.Data;

public sealed class IntakeDbContext(DbContextOptions<IntakeDbContext> options, Tenant tenant) : DbContext(options)
{
    /// <summary>A client caller sees only its own client's rows; staff and intake itself see all.</summary>
    private readonly Guid? _clientId = tenant.ClientId;

    /// <summary>The demo client every fresh install has, so the system can be tried at once.</summary>
    public static readonly Guid DemoClientId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    public DbSet<ServiceRequest> Requests => Set<ServiceRequest>();
    public DbSet<Client> Clients => Set<Client>();

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
            request.Property(r => r.ExternalId).HasMaxLength(200);
            request.HasIndex(r => r.ReceivedAt);
            // A webhook delivered twice (same channel, same delivery id) is one request.
            request.HasIndex(r => new { r.Channel, r.ExternalId }).IsUnique().HasFilter("\"ExternalId\" IS NOT NULL");
            request.HasQueryFilter(r => _clientId == null || r.ClientId == _clientId);
        });
        modelBuilder.Entity<Client>(client =>
        {
            client.ToTable("clients");
            client.Property(c => c.Name).HasMaxLength(200);
            client.HasData(new Client { Id = DemoClientId, Name = "Acme Dental" });
            client.HasQueryFilter(c => _clientId == null || c.Id == _clientId);
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
}
