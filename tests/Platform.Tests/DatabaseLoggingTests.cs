using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Platform.Tests;

/// <summary>
/// Normal conditions are not logged as errors, so that an error in a service's log always deserves a look: the first
/// start on a new database (EF Core looks for its migrations table before creating it) and a duplicate key (which an
/// endpoint answers with 409). The probe service's database, fresh for this class, on the real PostgreSQL.
/// </summary>
public sealed class DatabaseLoggingTests : IAsyncLifetime
{
    private readonly LogCapture _log = new(LogLevel.Information);
    private Infrastructure _infrastructure = null!;
    private string _database = null!;
    private IHost _host = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _database = Infrastructure.UniqueName("sdtest_logging");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "Probe.Api", EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Database"] = _infrastructure.Database(_database),
        });
        builder.Logging.AddProvider(_log);
        builder.AddServiceDatabase<ProbeDbContext>();
        _host = builder.Build();
        await _host.StartAsync(); // creates and migrates the new database
    }

    private IEnumerable<(string Category, LogLevel Level, string Message)> DatabaseEntries(LogLevel atLeast) =>
        _log.Entries.Where(e => e.Category.StartsWith("Microsoft.EntityFrameworkCore", StringComparison.Ordinal) && e.Level >= atLeast);

    [Fact]
    public async Task First_start_on_a_new_database_migrates_it_and_logs_no_error()
    {
        await using var scope = _host.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Empty(DatabaseEntries(LogLevel.Warning));
    }

    [Fact]
    public async Task A_duplicate_key_fails_the_save_and_is_logged_at_information_not_as_an_error()
    {
        long id;
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
            var first = new ProbeEffect { RecordId = Guid.NewGuid(), Kind = "first" };
            db.Effects.Add(first);
            await db.SaveChangesAsync();
            id = first.Id;
        }
        await using (var scope = _host.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ProbeDbContext>();
            db.Effects.Add(new ProbeEffect { Id = id, RecordId = Guid.NewGuid(), Kind = "duplicate" });
            var failure = await Assert.ThrowsAsync<DbUpdateException>(() => db.SaveChangesAsync());
            Assert.True(failure.IsUniqueViolation()); // what an endpoint turns into 409
        }

        Assert.Empty(DatabaseEntries(LogLevel.Warning));
        // Still there for whoever turns the level up.
        Assert.Contains(DatabaseEntries(LogLevel.Information), e => e.Level == LogLevel.Information && e.Message.Contains("23505", StringComparison.Ordinal));
    }

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _infrastructure.DropDatabasesAsync([_database]);
    }
}
