using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ServiceDesk.Platform.Outbox;

namespace ServiceDesk.Platform;

/// <summary>
/// A service's database whose rows belong to clients: its query filters show only <see cref="ClientId"/>'s rows. The
/// service filters every query itself, so a gateway mistake alone cannot leak another tenant's data.
/// </summary>
public abstract class TenantDbContext(DbContextOptions options) : DbContext(options)
{
    /// <summary>
    /// The <see cref="Tenant"/> of the caller: a client user's client, <see cref="Guid.Empty"/> (no rows) for an unknown
    /// caller, null (every client) for staff and for the service's own work. Set on every lease from the pool.
    /// </summary>
    public Guid? ClientId { get; set; }

    /// <summary>
    /// The contact whose own tickets a client user (not a client admin) may see (<see cref="Tenant.OwnTicketsOf"/>); null
    /// for everyone else. Each service's query filters match it against the contact's current addresses (docs/adr/0053).
    /// </summary>
    public Guid? OwnTicketsOf { get; set; }

    /// <summary>Takes the caller's view of the data: called on every lease from the pool, before any query.</summary>
    protected internal virtual void Lease(Tenant tenant) => (ClientId, OwnTicketsOf) = (tenant.ClientId, tenant.OwnTicketsOf);
}

public static class Database
{
    public const string ConnectionStringKey = "ConnectionStrings:Database";

    /// <summary>
    /// The service's own PostgreSQL database: the DbContext, a readiness check, and its migrations applied at
    /// start-up. Call before <see cref="Messaging.AddServiceBus"/> so that consumers start on a migrated schema.
    /// </summary>
    public static IHostApplicationBuilder AddServiceDatabase<TContext>(this IHostApplicationBuilder builder)
        where TContext : DbContext
    {
        var connectionString = builder.Configuration.GetConnectionString("Database");
        if (string.IsNullOrWhiteSpace(connectionString))
            throw new InvalidOperationException($"{ConnectionStringKey} is required (the service's PostgreSQL connection string).");

        // A pooled connection is reused as it was left: the services keep no session state (their locks and settings
        // are transaction-scoped), and resetting it cost a DISCARD ALL, a transaction of its own on the server, on every
        // open (about a third of all transactions per ticket in the end-to-end benchmark, docs/BENCHMARKS.md).
        // The same few dozen statements run for every message: prepared once per pooled connection, PostgreSQL parses and
        // plans each once instead of on every execution (planning was about a quarter of the statements' time in the
        // end-to-end benchmark, docs/BENCHMARKS.md). A statement is prepared after five uses (Npgsql's default), so one-off queries are not.
        var settings = new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true };
        if (settings.MaxAutoPrepare == 0) settings.MaxAutoPrepare = 100;
        connectionString = settings.ConnectionString;

        builder.Services.TryAddSingleton<OutboxSignal>();
        // Pooled: a delivery or request leases a context instead of building one (and EF Core's scoped services behind
        // it) each time. A pooled context cannot take the request's Tenant in its constructor, so the lease sets it.
        builder.Services.AddPooledDbContextFactory<TContext>((services, options) => options
            .UseNpgsql(connectionString)
            .AddInterceptors(services.GetRequiredService<OutboxSignal>())
            .AddInterceptors(services.GetServices<IInterceptor>()) // any the service (or a test) registers
            // A failed command is not an error by itself: a duplicate name (answered 409) and the first start's look
            // for the migrations table fail by design. A real fault surfaces as an exception, logged where it is handled
            // (the exception handler, MassTransit's retry), so EF Core's own line is kept at Information.
            .ConfigureWarnings(warnings => warnings.Log(
                (RelationalEventId.CommandError, LogLevel.Information),
                (CoreEventId.SaveChangesFailed, LogLevel.Information))));
        builder.Services.AddScoped(services =>
        {
            var db = services.GetRequiredService<IDbContextFactory<TContext>>().CreateDbContext();
            if (db is TenantDbContext filtered) filtered.Lease(services.GetRequiredService<Tenant>());
            return db;
        });
        builder.Services.AddHostedService<MigrateDatabase<TContext>>();
        builder.Services.AddHealthChecks().AddCheck<DatabaseHealthCheck<TContext>>("database", tags: [ServiceDefaults.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Stores the row <paramref name="create"/> makes unless a row matching <paramref name="key"/> exists, and returns
    /// the stored row. The idempotent consumer's step: a redelivered message, or a duplicate racing it, finds the
    /// first one's row (a unique violation from the race counts as "already there").
    /// </summary>
    public static async Task<T> InsertOnceAsync<T>(this DbContext db, Expression<Func<T, bool>> key, Func<T> create,
        CancellationToken cancellationToken) where T : class
    {
        if (await db.Set<T>().AsNoTracking().SingleOrDefaultAsync(key, cancellationToken) is { } existing) return existing;
        var row = create();
        db.Set<T>().Add(row);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return row;
        }
        // Inside a transaction (the consumer outbox) the violation has aborted it: the retry will find the row instead.
        catch (DbUpdateException e) when (e.IsUniqueViolation() && db.Database.CurrentTransaction is null)
        {
            db.ChangeTracker.Clear();
            return await db.Set<T>().AsNoTracking().SingleAsync(key, cancellationToken);
        }
    }

    /// <summary>True when the exception is PostgreSQL's unique violation: the row is already there.</summary>
    public static bool IsUniqueViolation(this DbUpdateException exception) =>
        exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation };

    private sealed class MigrateDatabase<TContext>(IServiceProvider services, ILogger<MigrateDatabase<TContext>> logger)
        : IHostedService where TContext : DbContext
    {
        public async Task StartAsync(CancellationToken cancellationToken)
        {
            var started = System.Diagnostics.Stopwatch.StartNew();
            await using var scope = services.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<TContext>();
            logger.LogInformation("Migrating database {Database}", db.Database.GetDbConnection().Database);
            await CreateIfMissing(db.Database.GetConnectionString()!, cancellationToken);
            logger.LogInformation("Database {Database} exists ({Elapsed} ms)", db.Database.GetDbConnection().Database, started.ElapsedMilliseconds);
            // EF Core takes a database lock, so several instances starting together migrate once.
            await db.Database.MigrateAsync(cancellationToken);
            logger.LogInformation("Database {Database} is migrated ({Elapsed} ms)", db.Database.GetDbConnection().Database, started.ElapsedMilliseconds);
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        /// <summary>
        /// Creates the service's database through the maintenance database. EF Core would create it too, but only
        /// after logging a failed connection as an error on every first start.
        /// </summary>
        private static async Task CreateIfMissing(string connectionString, CancellationToken cancellationToken)
        {
            var target = new NpgsqlConnectionStringBuilder(connectionString);
            var name = target.Database ?? throw new InvalidOperationException($"{ConnectionStringKey} must name a Database.");
            await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(connectionString) { Database = "postgres", Pooling = false }.ConnectionString);
            await connection.OpenAsync(cancellationToken);
            await using var exists = new NpgsqlCommand("SELECT 1 FROM pg_database WHERE datname = $1", connection) { Parameters = { new() { Value = name } } };
            if (await exists.ExecuteScalarAsync(cancellationToken) is not null) return;
            try
            {
                // Identifiers cannot be parameters; quoting with doubled quotes makes any name safe.
                await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name.Replace("\"", "\"\"", StringComparison.Ordinal)}\"", connection);
                await create.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DuplicateDatabase)
            {
                // Another instance created it first.
            }
        }
    }

    private sealed class DatabaseHealthCheck<TContext>(TContext db) : IHealthCheck where TContext : DbContext
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            await db.Database.CanConnectAsync(cancellationToken)
                ? HealthCheckResult.Healthy()
                : HealthCheckResult.Unhealthy("The database does not answer.");
    }
}
