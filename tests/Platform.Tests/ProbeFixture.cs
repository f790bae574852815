using System.Globalization;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Platform.Tests;

/// <summary>The probe service running in-process on its own database and virtual host of the real servers.</summary>
public sealed class ProbeFixture : IAsyncLifetime
{
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;
    private string _database = null!;
    private IHost _host = null!;

    public IBus Bus => _host.Services.GetRequiredService<IBus>();

    /// <summary>Every savepoint EF Core takes on the probe's database, by the records whose effects it was about to save.</summary>
    public SavepointLog Savepoints { get; } = new();

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-platform");
        _database = Infrastructure.UniqueName("sdtest_platform");
        var rabbit = _infrastructure.RabbitMq;

        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { ApplicationName = "Probe.Api", EnvironmentName = "Development" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Database"] = _infrastructure.Database(_database),
            ["RabbitMq:Host"] = rabbit.Host,
            ["RabbitMq:Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq:Username"] = rabbit.Username,
            ["RabbitMq:Password"] = rabbit.Password,
            ["RabbitMq:VirtualHost"] = _virtualHost,
        });
        builder.Services.AddSingleton<IInterceptor>(Savepoints);
        builder.AddServiceDatabase<ProbeDbContext>();
        builder.AddServiceBus<ProbeDbContext>(bus =>
        {
            // Many at once, as on a many-core machine: events for one instance meet in the repository.
            bus.AddSagaStateMachine<ProbeCounterStateMachine, ProbeCounter>().Endpoint(e => e.ConcurrentMessageLimit = 32);
            bus.AddConsumer<ProbeRecordConsumer>();
            bus.AddConsumer<ProbeRecordedConsumer>();
            bus.AddDurableScheduler<ProbeDbContext>("probe");
        });
        _host = builder.Build();
        await _host.StartAsync();
    }

    /// <summary>Runs <paramref name="work"/> in a fresh DI scope, as one HTTP request would.</summary>
    public async Task InScopeAsync(Func<IServiceProvider, Task> work)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        await work(scope.ServiceProvider);
    }

    public async Task<T> QueryAsync<T>(Func<ProbeDbContext, Task<T>> query)
    {
        await using var scope = _host.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<ProbeDbContext>());
    }

    public Task<int> EffectsAsync(Guid recordId, string kind) =>
        QueryAsync(db => db.Effects.CountAsync(e => e.RecordId == recordId && e.Kind == kind));

    public async Task DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
        await _infrastructure.DropDatabasesAsync([_database]);
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}

/// <summary>Notes, at each savepoint EF Core creates, which records' effects the context is about to save.</summary>
public sealed class SavepointLog : DbTransactionInterceptor
{
    private readonly System.Collections.Concurrent.ConcurrentBag<Guid> _records = [];

    public bool TakenFor(Guid recordId) => _records.Contains(recordId);

    public override ValueTask<InterceptionResult> CreatingSavepointAsync(System.Data.Common.DbTransaction transaction, TransactionEventData eventData,
        InterceptionResult result, CancellationToken cancellationToken = default)
    {
        foreach (var effect in eventData.Context?.ChangeTracker.Entries<ProbeEffect>() ?? []) _records.Add(effect.Entity.RecordId);
        return ValueTask.FromResult(result);
    }
}
