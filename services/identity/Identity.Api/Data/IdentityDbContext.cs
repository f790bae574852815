using Identity.Api.Domain;
using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Identity.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;

namespace Identity.Api.Data;

/// <summary>
/// Users (ASP.NET Core Identity), OpenIddict's applications, authorizations and tokens, the audit trail, and the Data
/// Protection keys that protect cookies, antiforgery and invitation links (shared by every instance, kept across restarts).
/// </summary>
public sealed class IdentityDbContext(DbContextOptions<IdentityDbContext> options)
    : IdentityDbContext<User, IdentityRole<Guid>, Guid>(options), IDataProtectionKeyContext
{
    public DbSet<AuditEvent> Audit => Set<AuditEvent>();
    public DbSet<DataProtectionKey> DataProtectionKeys => Set<DataProtectionKey>();

    protected override void OnModelCreating(ModelBuilder builder)
    {
        base.OnModelCreating(builder);
        builder.UseOpenIddict<Guid>();
        builder.Entity<User>(user =>
        {
            user.Property(u => u.DisplayName).HasMaxLength(200);
            user.Property(u => u.Role).HasMaxLength(40);
            user.HasIndex(u => u.ContactId).IsUnique().HasFilter("\"ContactId\" IS NOT NULL"); // one sign-in per contact
        });
        builder.Entity<DataProtectionKey>().ToTable("data_protection_keys");
        builder.Entity<AuditEvent>(audit =>
        {
            audit.ToTable("audit_events");
            audit.Property(a => a.Kind).HasConversion<string>().HasMaxLength(30);
            audit.Property(a => a.UserName).HasMaxLength(256);
            audit.Property(a => a.RemoteAddress).HasMaxLength(64);
            audit.Property(a => a.Detail).HasMaxLength(1000);
            audit.HasIndex(a => a.At);
            audit.HasIndex(a => a.UserId);
        });
    }
}

/// <summary>Writes audit lines; each in its own save, so a failure being audited never rides on another change.</summary>
public sealed class AuditTrail(IdentityDbContext db, TimeProvider clock, IHttpContextAccessor http)
{
    public async Task WriteAsync(AuditKind kind, User? user, string? userName, string? detail = null, CancellationToken cancellationToken = default)
    {
        db.Audit.Add(new AuditEvent
        {
            At = clock.GetUtcNow(),
            Kind = kind,
            UserId = user?.Id,
            UserName = Truncate(userName ?? user?.UserName, 256),
            RemoteAddress = http.HttpContext?.Connection.RemoteIpAddress?.ToString(),
            Detail = Truncate(detail, 1000),
        });
        await db.SaveChangesAsync(cancellationToken);
    }

    private static string? Truncate(string? value, int max) => value is null || value.Length <= max ? value : value[..max];
}
