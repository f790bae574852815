using System.Net.Http.Json;
using System.Text.Json;
using Billing.Api.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Testing;
using Tickets.Contracts;

namespace Billing.Tests;

[CollectionDefinition(Name)]
public sealed class BillingCollection : ICollectionFixture<BillingFixture>
{
    public const string Name = "billing";
}

/// <summary>billing in-process on its own database and virtual host; tests publish what tickets would.</summary>
public sealed class BillingFixture : IAsyncLifetime
{
    public static readonly Guid Client = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public AppFactory<BillingDbContext> App { get; private set; } = null!;

    public IBus Bus => App.Services.GetRequiredService<IBus>();

    /// <summary>billing's database, for tools/Reconcile.</summary>
    public string ConnectionString => _infrastructure.Database(App.Database);

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-billing");
        App = new AppFactory<BillingDbContext>(_infrastructure, _virtualHost, "billing");
        _ = App.Server; // start the app: migrations run, the bus connects
    }

    public static TicketOpened Opened(Guid ticketId, Guid? clientId = null) =>
        new(ticketId, 1042, clientId ?? Client, "dana@acme-dental.example", "Dana Reyes", "web", "Printer jam", "P2", DateTimeOffset.UtcNow);

    /// <summary>A billing clerk's client of the API.</summary>
    public HttpClient Clerk() => App.CreateClient().As(TestAuth.Token(Roles.Billing, subject: "bea"));

    /// <summary>Publishes with the given MessageId (a new one when null) and returns it.</summary>
    public async Task<Guid> PublishAsync<T>(T message, Guid? messageId = null) where T : class
    {
        var id = messageId ?? NewId.NextGuid();
        await Bus.Publish(message, context => context.MessageId = id);
        return id;
    }

    /// <summary>Opens the ticket's billing record as tickets' TicketOpened does, and waits for it.</summary>
    public async Task OpenAsync(Guid ticketId, Guid? clientId = null)
    {
        await PublishAsync(Opened(ticketId, clientId));
        await Eventually.TrueAsync(() => WithDbAsync(db => db.Records.AnyAsync(r => r.TicketId == ticketId)), $"billing record {ticketId}");
    }

    public async Task<T> WithDbAsync<T>(Func<BillingDbContext, Task<T>> query)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<BillingDbContext>());
    }

    /// <summary>The inbox's record of one message, once its consumer has run and finished (committed, nothing left to deliver).</summary>
    public Task<InboxState> ConsumedAsync(Guid messageId) =>
        Eventually.GetAsync(() => WithDbAsync(db => db.Set<InboxState>().AsNoTracking()
                .SingleOrDefaultAsync(i => i.MessageId == messageId && i.Consumed != null && i.Delivered != null)),
            $"message {messageId} to be consumed", explain: Explain);

    /// <summary>Waits until the inbox saw message <paramref name="messageId"/> again after <paramref name="before"/>.</summary>
    public Task RedeliveredAsync(InboxState before) =>
        Eventually.TrueAsync(() => WithDbAsync(db => db.Set<InboxState>().AsNoTracking()
                .AnyAsync(i => i.Id == before.Id && i.ReceiveCount > before.ReceiveCount)),
            $"message {before.MessageId} to be received again", explain: Explain);

    public async Task<JsonElement> RecordAsync(Guid ticketId)
    {
        using var client = App.CreateClient().As(TestAuth.Token(Roles.Billing, subject: "bea"));
        return await client.GetFromJsonAsync<JsonElement>(new Uri($"/api/billing/tickets/{ticketId}", UriKind.Relative));
    }

    public string Explain() => string.Join("\n", App.Logs.Entries.Select(e => $"{e.Level} {e.Category}: {e.Message}"));

    public async Task DisposeAsync()
    {
        if (App is not null) await App.DisposeAsync();
        if (_virtualHost is not null) await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}
