using System.Net;
using System.Security.Cryptography;
using System.Text;
using Intake.Api.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using ServiceDesk.Platform.Outbox;
using ServiceDesk.Testing;
using Sms.Channel;
using Tickets.Contracts;

namespace Sms.Tests;

/// <summary>
/// Intake on a real loopback port (its own database and virtual host, a queue that sees every ServiceRequestReceived),
/// configured only with a "Channels:sms" entry; and the SMS channel in-process, posting to intake over HTTP with
/// nothing but its own settings. A directory contact has <see cref="KnownPhone"/>.
/// </summary>
public sealed class SmsFixture : IAsyncLifetime
{
    public const string ChannelSecret = "a-long-shared-secret-for-the-sms-channel-in-tests";
    public const string AuthToken = "the-twilio-account-auth-token-used-by-the-tests";
    public const string PublicUrl = "https://support.example.test/channels/sms/twilio";
    public const string KnownPhone = "+15550107788";
    public const string KnownEmail = "sam.ortiz@acme-dental.example";
    private const string RequestsExchange = "Intake.Contracts:ServiceRequestReceived";

    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;
    private IConnection _connection = null!;
    private RabbitMQ.Client.IChannel _channel = null!;
    private string _queue = null!;

    public AppFactory<IntakeDbContext> Intake { get; private set; } = null!;
    public string IntakeUrl { get; private set; } = null!;
    public AppFactory<SmsOptions> Sms { get; private set; } = null!;
    public Guid KnownContactId { get; } = Guid.NewGuid();

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-sms");

        var rabbit = _infrastructure.RabbitMq;
        _connection = await new ConnectionFactory
        {
            HostName = rabbit.Host, Port = rabbit.Port, UserName = rabbit.Username, Password = rabbit.Password, VirtualHost = _virtualHost,
        }.CreateConnectionAsync();
        _channel = await _connection.CreateChannelAsync();
        await _channel.ExchangeDeclareAsync(RequestsExchange, ExchangeType.Fanout, durable: true, autoDelete: false);
        _queue = (await _channel.QueueDeclareAsync("", durable: false, exclusive: true, autoDelete: true)).QueueName;
        await _channel.QueueBindAsync(_queue, RequestsExchange, "");

        // Intake as it ships, plus configuration: the sms channel's secret and the client it serves.
        var port = Ports.Free();
        Intake = new AppFactory<IntakeDbContext>(_infrastructure, _virtualHost, "intake", new Dictionary<string, string>
        {
            ["Channels:sms:Secret"] = ChannelSecret,
            ["Channels:sms:ClientIds:0"] = IntakeDbContext.DemoClientId.ToString(),
        });
        Intake.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        Intake.StartServer();
        IntakeUrl = $"http://127.0.0.1:{port}";

        await Intake.Services.GetRequiredService<IBus>().Publish(new ClientChanged(IntakeDbContext.DemoClientId, 1, "Acme Dental", "standard", null,
            true, [new ContactSnapshot(KnownContactId, "Sam Ortiz", [KnownEmail], [KnownPhone], 1)], DateTimeOffset.UtcNow, "test"));
        await Eventually.TrueAsync(() => WithIntakeDbAsync(db => db.Contacts.AnyAsync(c => c.Id == KnownContactId)), "intake's directory to take the contact");

        Sms = CreateSms(IntakeUrl);
        _ = Sms.Server;
    }

    /// <summary>An SMS channel in-process with the test settings; <paramref name="overrides"/> replace or add keys.</summary>
    public AppFactory<SmsOptions> CreateSms(string intakeUrl, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var settings = new Dictionary<string, string>
        {
            ["Sms:IntakeUrl"] = intakeUrl,
            ["Sms:ChannelSecret"] = ChannelSecret,
            ["Sms:PublicUrl"] = PublicUrl,
            ["Sms:Twilio:AuthToken"] = AuthToken,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string>()) settings[key] = value;
        return new AppFactory<SmsOptions>(_infrastructure, _virtualHost, "sms", settings);
    }

    public async Task<T> WithIntakeDbAsync<T>(Func<IntakeDbContext, Task<T>> query)
    {
        await using var scope = Intake.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IntakeDbContext>());
    }

    public Task<int> StoredRequestsAsync() => WithIntakeDbAsync(db => db.Requests.CountAsync());

    /// <summary>ServiceRequestReceived bodies published since the last call, once intake's outbox has delivered everything.</summary>
    public async Task<List<string>> TakePublishedAsync()
    {
        await Eventually.TrueAsync(async () => !await WithIntakeDbAsync(db => db.Set<OutboxMessage>().AnyAsync()), "intake's outbox to be delivered");
        var bodies = new List<string>();
        while (await _channel.BasicGetAsync(_queue, autoAck: true) is { } message)
            bodies.Add(Encoding.UTF8.GetString(message.Body.Span));
        return bodies;
    }

    /// <summary>
    /// Posts a form the way Twilio does, signed with <paramref name="token"/> over <paramref name="signedUrl"/>. The
    /// signature is computed here from Twilio's description, not with the channel's code (the vector test pins both).
    /// </summary>
    public static async Task<HttpResponseMessage> PostTwilioAsync(HttpClient sms, IReadOnlyList<KeyValuePair<string, string>> form,
        string token = AuthToken, string signedUrl = PublicUrl, IReadOnlyList<KeyValuePair<string, string>>? sent = null, bool sign = true)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, Extensions.WebhookPath) { Content = new FormUrlEncodedContent(sent ?? form) };
        if (sign) request.Headers.Add("X-Twilio-Signature", Sign(token, signedUrl, form));
        return await sms.SendAsync(request);
    }

    public static string Sign(string token, string url, IEnumerable<KeyValuePair<string, string>> form)
    {
        var data = url + string.Concat(form.OrderBy(p => p.Key, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Key + p.Value));
#pragma warning disable CA5350 // Twilio's scheme is HMAC-SHA1
        return Convert.ToBase64String(HMACSHA1.HashData(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(data)));
#pragma warning restore CA5350
    }

    /// <summary>Twilio's inbound-message fields for a text from <paramref name="from"/>.</summary>
    public static List<KeyValuePair<string, string>> InboundSms(string body, string from = KnownPhone, string? messageSid = null)
    {
        var sid = messageSid ?? NewSid();
        return
        [
            new("ToCountry", "US"), new("SmsMessageSid", sid), new("NumMedia", "0"), new("SmsSid", sid), new("SmsStatus", "received"),
            new("Body", body), new("To", "+15550100000"), new("NumSegments", "1"), new("MessageSid", sid),
            new("AccountSid", "AC" + new string('0', 32)), new("From", from), new("ApiVersion", "2010-04-01"),
        ];
    }

    public static string NewSid() => "SM" + Guid.NewGuid().ToString("N");

    public async Task DisposeAsync()
    {
        await Sms.DisposeAsync();
        await _channel.DisposeAsync();
        await _connection.DisposeAsync();
        await Intake.DisposeAsync();
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}
