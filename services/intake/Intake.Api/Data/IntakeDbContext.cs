using Intake.Api.Domain;
using Microsoft.EntityFrameworkCore;

namespace Intake.Api.Data;

public sealed class IntakeDbContext(DbContextOptions<IntakeDbContext> options) : DbContext(options)
{
    /// <summary>The demo client every fresh install has, so the system can be tried at once.</summary>
    public static readonly Guid DemoClientId = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");

    public DbSet<ServiceRequest> Requests => Set<ServiceRequest>();
    public DbSet<Client> Clients => Set<Client>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.Entity<ServiceRequest>(request =>
        {
            request.ToTable("service_requests");
            request.Property(r => r.Channel).HasMaxLength(RequestLimits.Channel);
            request.Property(r => r.ContactEmail).HasMaxLength(RequestLimits.Email);
            request.Property(r => r.ContactName).HasMaxLength(RequestLimits.Name);
            request.Property(r => r.Subject).HasMaxLength(RequestLimits.Subject);
            request.Property(r => r.Description).HasMaxLength(RequestLimits.Description);
            request.Property(r => r.PriorityHint).HasMaxLength(2);
            request.HasIndex(r => r.ReceivedAt);
        });
        modelBuilder.Entity<Client>(client =>
        {
            client.ToTable("clients");
            client.Property(c => c.Name).HasMaxLength(200);
            client.HasData(new Client { Id = DemoClientId, Name = "Acme Dental" });
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
