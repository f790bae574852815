using System.Globalization;
using Xunit;

namespace ServiceDesk.Testing;

/// <summary>
/// The whole system as separate processes — five services and the gateway — on the real broker (own virtual host)
/// and database server (own databases), exporting traces to an OTLP receiver and mail to a real SMTP server.
/// </summary>
public class RunningSystem : IAsyncLifetime
{
    public static readonly string[] Services = ["intake", "tickets", "sla", "billing", "notify"];
    public static readonly Guid DemoClient = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    public const string Channel = "e2e-rmm";
    public const string ChannelSecret = "the-e2e-rmm-channel-secret-shared-with-intake";
    /// <summary>The bearer token of the email channel (what tools/mail-pipe sends), given to intake as Email:InboundToken.</summary>
    public const string EmailToken = "the-e2e-mta-pipe-token-for-the-email-channel";

    /// <summary>The gateway's per-tenant budget in this system: low by default, so a test can exceed it tenfold quickly.</summary>
    public virtual int TenantRequestsPerWindow => 100;

    private readonly List<AppProcess> _apps = [];
    private readonly List<string> _databases = [];
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public OtlpReceiver Traces { get; private set; } = null!;
    public SmtpServer Mail { get; private set; } = null!;

    /// <summary>The apps, by name ("intake".."notify", "gateway"), to kill and restart in fault tests.</summary>
    public AppProcess App(string name) =>
        _apps.Single(a => a.Name.Equals(name == "gateway" ? "Gateway" : $"{name}.Api", StringComparison.OrdinalIgnoreCase));

    public Infrastructure Infrastructure => _infrastructure;

    public string VirtualHost => _virtualHost;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-e2e");
        Traces = await OtlpReceiver.StartAsync();
        Mail = await SmtpServer.StartAsync();

        var rabbit = _infrastructure.RabbitMq;
        var common = new Dictionary<string, string>
        {
            ["RabbitMq__Host"] = rabbit.Host,
            ["RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
            ["RabbitMq__Username"] = rabbit.Username,
            ["RabbitMq__Password"] = rabbit.Password,
            ["RabbitMq__VirtualHost"] = _virtualHost,
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Traces.Endpoint,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["Smtp__Port"] = Mail.Port.ToString(CultureInfo.InvariantCulture),
            [$"Channels__{Channel}__Secret"] = ChannelSecret,
            [$"Channels__{Channel}__ClientIds__0"] = DemoClient.ToString(),
            ["Email__InboundToken"] = EmailToken,
        };
        foreach (var (key, value) in TestAuth.Settings) common[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var starting = Services.Select(service =>
        {
            var database = Infrastructure.UniqueName($"sdtest_{service}");
            _databases.Add(database);
            var project = $"services/{service}/{char.ToUpperInvariant(service[0])}{service[1..]}.Api";
            return AppProcess.StartAsync(project, new Dictionary<string, string>(common)
            {
                ["ConnectionStrings__Database"] = _infrastructure.Database(database),
            });
        }).ToList();
        try
        {
            await Task.WhenAll(starting);
        }
        finally
        {
            // The apps that did come up are stopped by DisposeAsync (xunit disposes a fixture whose start failed),
            // instead of outliving the test run when another app did not.
            _apps.AddRange(starting.Where(app => app.IsCompletedSuccessfully).Select(app => app.Result));
        }
        var services = starting.Select(app => app.Result).ToArray();

        var gateway = new Dictionary<string, string>(common)
        {
            ["Gateway__TenantRequestsPerWindow"] = TenantRequestsPerWindow.ToString(CultureInfo.InvariantCulture),
            ["Gateway__RateLimitWindow"] = "00:00:10",
        };
        foreach (var (cluster, app) in new[] { ("intake", 0), ("tickets", 1), ("sla", 2), ("billing", 3) })
            gateway[$"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address"] = services[app].Url.ToString();
        _apps.Add(await AppProcess.StartAsync("gateway/Gateway", gateway));
    }

    /// <summary>A new client for the gateway, sending the given bearer token (or none).</summary>
    public HttpClient Client(string? token = null) => ClientFor("gateway", token);

    /// <summary>A client that talks to one app directly, bypassing the gateway (defense-in-depth tests).</summary>
    public HttpClient ClientFor(string app, string? token = null)
    {
        var client = new HttpClient { BaseAddress = App(app).Url };
        return token is null ? client : client.As(token);
    }

    /// <summary>A connection string to one service's database, e.g. to add a client the way an admin would.</summary>
    public string DatabaseOf(string service) =>
        _infrastructure.Database(_databases[Array.IndexOf(Services, service)]);

    /// <summary>What the apps printed, to explain a failure.</summary>
    public string Output => string.Join("\n\n", _apps.Select(app => $"== {app.Name} ==\n{app.Output}"));

    public async Task DisposeAsync()
    {
        foreach (var app in _apps) await app.DisposeAsync();
        if (Mail is not null) await Mail.DisposeAsync();
        if (Traces is not null) await Traces.DisposeAsync();
        if (_virtualHost is null) return; // never got as far as the broker
        await _infrastructure.DropDatabasesAsync(_databases);
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}
