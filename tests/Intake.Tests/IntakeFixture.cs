using System.Text;
using Intake.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using MassTransit;
using RabbitMQ.Client;
using Tickets.Contracts;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Testing;

namespace Intake.Tests;

/// <summary>Intake in-process on its own database and virtual host, with a queue that sees everything it publishes.</summary>
public sealed class IntakeFixture : IAsyncLifetime
{
    public const string Channel = "acme-rmm";
    public const string ChannelSecret = "a-long-shared-secret-for-the-acme-rmm-channel";
    /// <summary>A signed channel serving two clients (an MSP's one SMS number), so the directory picks between them.</summary>
    public const string SharedChannel = "shared-sms";
    public static readonly Guid[] SharedChannelClients = [Guid.NewGuid(), Guid.NewGuid()];

    public const string EmergencyAddress = "emergency@msp.example";
    /// <summary>intake's Email:EmergencySubjectPrefixes.</summary>
    public const string EmergencySubjectPrefix = "[EMERGENCY]";
    public const string EmergencyNumber = "+15550009111";
    /// <summary>intake's Phone:Ivr:Numbers: callers hear the menu and may press 1 for an emergency.</summary>
    public const string IvrNumber = "+15550004800";
    public const string EmailToken = "the-mta-pipe-token-for-the-email-channel";
    public const string TwilioAuthToken = "0123456789abcdef0123456789abcdef";
    public const string PhonePublicBaseUrl = "https://desk.example.com";
    public const string PhoneProvider = "pbx";
    public const string PhoneProviderSecret = "a-long-shared-secret-for-the-pbx-phone-provider";
    private const string RequestsExchange = "Intake.Contracts:ServiceRequestReceived";

    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;
    private IConnection _connection = null!;
    private RabbitMQ.Client.IChannel _channel = null!;
    private string _queue = null!;

    public AppFactory<IntakeDbContext> App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
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

        App = new AppFactory<IntakeDbContext>(_infrastructure, _virtualHost, "intake",
            new Dictionary<string, string>
            {
                [$"Channels:{Channel}:Secret"] = ChannelSecret,
                [$"Channels:{Channel}:ClientIds:0"] = IntakeDbContext.DemoClientId.ToString(),
                [$"Channels:{SharedChannel}:Secret"] = ChannelSecret,
                [$"Channels:{SharedChannel}:ClientIds:0"] = SharedChannelClients[0].ToString(),
                [$"Channels:{SharedChannel}:ClientIds:1"] = SharedChannelClients[1].ToString(),
                ["Email:InboundToken"] = EmailToken,
                ["Email:EmergencyAddresses:0"] = EmergencyAddress,
                ["Email:EmergencySubjectPrefixes:0"] = EmergencySubjectPrefix,
                ["Phone:EmergencyNumbers:0"] = EmergencyNumber,
                ["Phone:Ivr:Numbers:0"] = IvrNumber,
                ["Phone:PublicBaseUrl"] = PhonePublicBaseUrl,
                ["Phone:DefaultCountryCode"] = "1",
                ["Phone:Twilio:AuthToken"] = TwilioAuthToken,
                [$"Phone:Providers:{PhoneProvider}:Secret"] = PhoneProviderSecret,
            });
        _ = App.Server; // start the app: migrations run, the bus connects
    }

    /// <summary>A client calling as a technician (staff may open requests for any client).</summary>
    public HttpClient Staff() => App.CreateClient().As(TestAuth.Token(Roles.Technician));

    public async Task<T> WithDbAsync<T>(Func<IntakeDbContext, Task<T>> query)
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IntakeDbContext>());
    }

    /// <summary>Tells intake's directory about a client and its contacts the way tickets does, and waits until it has them.</summary>
    public async Task DirectoryAsync(Guid clientId, int revision, bool active = true, params ContactSnapshot[] contacts)
    {
        await App.Services.GetRequiredService<IBus>().Publish(new ClientChanged(clientId, revision, $"Client {clientId:N}"[..15], "standard", null,
            active, contacts, DateTimeOffset.UtcNow, "test"));
        await Eventually.TrueAsync(() => WithDbAsync(db => db.Clients.IgnoreQueryFilters().AnyAsync(c => c.Id == clientId && c.Revision == revision)),
            "intake's directory to take the client");
    }

    /// <summary>Posts a raw message the way tools/mail-pipe does.</summary>
    public async Task<HttpResponseMessage> PostEmailAsync(string message, string token = EmailToken, string contentType = "message/rfc822")
    {
        using var client = App.CreateClient();
        using var content = new ByteArrayContent(Encoding.UTF8.GetBytes(message.ReplaceLineEndings("\r\n")));
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/email/messages") { Content = content };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request);
    }

    public Task<int> StoredRequestsAsync() => WithDbAsync(db => db.Requests.CountAsync());

    /// <summary>
    /// Bodies of the ServiceRequestReceived messages published since the last call. Waits first until intake's outbox
    /// has delivered everything (the broker confirmed each message), so whatever was accepted is in the queue by then.
    /// </summary>
    public async Task<List<string>> TakePublishedAsync()
    {
        await Eventually.TrueAsync(async () => !await WithDbAsync(db => db.Set<OutboxMessage>().AnyAsync()), "intake's outbox to be delivered");
        var bodies = new List<string>();
        while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } message)
            bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
        return bodies;
    }

    public async Task DisposeAsync()
    {
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        await App.DisposeAsync();
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}
