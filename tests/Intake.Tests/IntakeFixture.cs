using System.Text;
using Intake.Api.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using ServiceDesk.Testing;

namespace Intake.Tests;

/// <summary>Intake in-process on its own database and virtual host, with a queue that sees everything it publishes.</summary>
public sealed class IntakeFixture : WebApplicationFactory<Program>, IAsyncLifetime
{
    private const string RequestsExchange = "Intake.Contracts:ServiceRequestReceived";
    private Infrastructure _infrastructure = null!;
    private string _database = null!;
    private string _virtualHost = null!;
    private IConnection _connection = null!;
    private IChannel _channel = null!;
    private string _queue = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _database = Infrastructure.UniqueName("sdtest_intake");
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-intake");

        var rabbit = _infrastructure.RabbitMq;
        _connection = await new ConnectionFactory
        {
            HostName = rabbit.Host, Port = rabbit.Port, UserName = rabbit.Username, Password = rabbit.Password, VirtualHost = _virtualHost,
        }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
        // Declared as MassTransit declares it, so the two agree.
        await _channel.ExchangeDeclareAsync(RequestsExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        _queue = (await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await _channel.QueueBindAsync(_queue, RequestsExchange, "");

        _ = Server; // start the app: migrations run, the bus connects
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var rabbit = _infrastructure.RabbitMq;
        builder.UseSetting("ConnectionStrings:Database", _infrastructure.Database(_database));
        builder.UseSetting("RabbitMq:Host", rabbit.Host);
        builder.UseSetting("RabbitMq:Port", rabbit.Port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        builder.UseSetting("RabbitMq:Username", rabbit.Username);
        builder.UseSetting("RabbitMq:Password", rabbit.Password);
        builder.UseSetting("RabbitMq:VirtualHost", _virtualHost);
    }

    public async Task<T> WithDbAsync<T>(Func<IntakeDbContext, Task<T>> query)
    {
        await using var scope = Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IntakeDbContext>());
    }

    public Task<int> StoredRequestsAsync() => WithDbAsync(db => db.Requests.CountAsync());

    /// <summary>Bodies of the ServiceRequestReceived messages published since the last call.</summary>
    public async Task<List<string>> TakePublishedAsync()
    {
        var bodies = new List<string>();
        while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } message)
            bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
        return bodies;
    }

    public new async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        await base.DisposeAsync();
        await _infrastructure.DropDatabasesAsync([_database]);
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}
