using System.Globalization;
using Xunit;

namespace ServiceDesk.Testing;

/// <summary>
/// The whole system as separate processes — five services, the SMS channel and the gateway — on the real broker (own
/// virtual host) and database server (own databases), exporting traces to an OTLP receiver and mail to a real SMTP server.
/// Intake's Twilio phone channel and the SMS channel are configured as Twilio would reach them: through the gateway.
/// </summary>
public class RunningSystem : IAsyncLifetime
{
    public static readonly string[] Services = ["intake", "tickets", "sla", "billing", "notify"];
    public static readonly Guid DemoClient = Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e");
    /// <summary>The demo client's contact Dana Reyes (dana@acme-dental.example), seeded in tickets and intake.</summary>
    /// <summary>The desk's emergency email address (intake's Email:EmergencyAddresses).</summary>
    public const string EmergencyAddress = "emergency@msp.example";

    public static readonly Guid DemoContact = Guid.Parse("7c9e6679-7425-40de-944b-e07fc1f90ae7");
    public const string DemoContactEmail = "dana@acme-dental.example";
    /// <summary>The password of the identity service's users in this system (Dana, as <see cref="DemoContactEmail"/>).</summary>
    public const string DemoPassword = "a demo password long enough";

    /// <summary>Whether the identity service runs (and the gateway forwards /connect, /account, /.well-known to it).</summary>
    protected virtual bool WithIdentity => true;

    /// <summary>Whether the staff console runs behind the gateway at /console (tests/Console.Tests); off for the others' speed.</summary>
    protected virtual bool WithConsole => false;

    /// <summary>Staff of the identity service in this system (password <see cref="DemoPassword"/>; TOTP set up at first sign-in).</summary>
    public const string TechnicianEmail = "tess@msp.example";
    public const string DispatcherEmail = "dan@msp.example";
    public const string AdminEmail = "ada@msp.example";
    public const string Channel = "e2e-rmm";
    public const string ChannelSecret = "the-e2e-rmm-channel-secret-shared-with-intake";
    /// <summary>The bearer token of the email channel (what tools/mail-pipe sends), given to intake as Email:InboundToken.</summary>
    public const string EmailToken = "the-e2e-mta-pipe-token-for-the-email-channel";
    /// <summary>The Twilio account's auth token (32 characters), which signs X-Twilio-Signature for both phone and SMS webhooks.</summary>
    public const string TwilioAuthToken = "e2e0twilio0auth0token00000000032";
    /// <summary>A service number whose callers hear the IVR menu and may press 1 for an emergency (intake's Phone:Ivr:Numbers).</summary>
    public const string IvrNumber = "+15550004800";

    /// <summary>The country code of phone numbers written without "+" (Phone:DefaultCountryCode).</summary>
    public const string PhoneCountryCode = "1";
    /// <summary>Intake's signed channel that the SMS channel posts to; it serves <see cref="DemoClient"/> alone.</summary>
    public const string SmsChannel = "sms";
    public const string SmsChannelSecret = "the-e2e-sms-channel-secret-shared-with-intake";

    /// <summary>The gateway's per-tenant budget in this system: low by default, so a test can exceed it tenfold quickly.</summary>
    public virtual int TenantRequestsPerWindow => 100;

    private readonly List<AppProcess> _apps = [];
    private readonly List<string> _databases = [];
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public OtlpReceiver Traces { get; private set; } = null!;
    public SmtpServer Mail { get; private set; } = null!;

    /// <summary>The account notify texts with (Twilio:AccountSid) and its service number, the one contacts text.</summary>
    public const string TwilioAccountSid = "AC0e2e0000000000000000000000000001";
    public const string ServiceNumber = "+15557654321";

    /// <summary>Twilio's REST API as notify reaches it: every text and call notify sends lands here.</summary>
    public FakeTwilio Twilio { get; private set; } = null!;

    /// <summary>The SMS channel's webhook at the gateway, as configured at Twilio (channels/Sms/Sms.Channel).</summary>
    public const string SmsWebhookPath = "/channels/sms/twilio";

    /// <summary>The apps, by name ("intake".."notify", "sms", "identity", "gateway"), to kill and restart in fault tests.</summary>
    public AppProcess App(string name) => _apps.Single(a => a.Name.Equals(name switch
    {
        "gateway" => "Gateway",
        "sms" => "Sms.Channel",
        "console" => "StaffConsole",
        _ => $"{name}.Api",
    }, StringComparison.OrdinalIgnoreCase));

    /// <summary>Staff whom notify can page by email (name@msp.example).</summary>
    public static readonly string[] OnCallStaff = ["olga", "bert", "otto"];

    /// <summary>Staff notify also pages by text and call (Staff:People:name:Phone), outside the range ClientDirectory.NewPhone draws from.</summary>
    public static readonly IReadOnlyDictionary<string, string> OnCallPhones = new Dictionary<string, string> { ["otto"] = "+15550100042" };

    public Infrastructure Infrastructure => _infrastructure;

    public string VirtualHost => _virtualHost;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-e2e");
        Traces = await OtlpReceiver.StartAsync();
        Mail = await SmtpServer.StartAsync();
        Twilio = new FakeTwilio();

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
            // The client's terms (sla) name how to reach support; billing reads them for the terms document (ADR 48).
            ["Terms__SupportEmail"] = "support@msp.example",
            ["Terms__SupportPhone"] = "+1 202 555 0100",
            ["Terms__EmergencyPhone"] = "+1 202 555 0199",
            ["Terms__EmergencyEmail"] = EmergencyAddress,
        };
        foreach (var (key, value) in TestAuth.Settings) common[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        // Twilio calls the gateway, and the SMS channel posts to intake through it, so the gateway's address is chosen
        // first; it starts last, once it can be given the services' and the channel's addresses.
        var gatewayUrl = AppProcess.ReserveUrl();
        var publicOrigin = gatewayUrl.GetLeftPart(UriPartial.Authority);
        common["Terms__SlaUrl"] = publicOrigin;
        common["Terms__PortalUrl"] = publicOrigin + "/portal/";
        var intake = new Dictionary<string, string>
        {
            ["Phone__Twilio__AuthToken"] = TwilioAuthToken,
            ["Phone__PublicBaseUrl"] = publicOrigin,
            ["Phone__DefaultCountryCode"] = PhoneCountryCode,
            ["Phone__Ivr__Numbers__0"] = IvrNumber,
            ["Email__EmergencyAddresses__0"] = EmergencyAddress,
            [$"Channels__{SmsChannel}__Secret"] = SmsChannelSecret,
            [$"Channels__{SmsChannel}__ClientIds__0"] = DemoClient.ToString(),
        };

        // Pages carry their one-tap link on the gateway's address; the on-call staff of the paging journey have mailboxes.
        // notify texts through the fake Twilio API and is called back through the gateway, with the SMS channel's account.
        var notify = new Dictionary<string, string>
        {
            ["Notify__PublicBaseUrl"] = publicOrigin,
            ["Twilio__AccountSid"] = TwilioAccountSid,
            ["Twilio__AuthToken"] = TwilioAuthToken,
            ["Twilio__From"] = ServiceNumber,
            ["Twilio__BaseUrl"] = Twilio.BaseUrl,
            ["Twilio__PublicBaseUrl"] = publicOrigin,
            [$"Channels__{SmsChannel}__Secret"] = SmsChannelSecret, // the SMS channel's page acknowledgements (docs/adr/0046)
        };
        foreach (var person in OnCallStaff) notify[$"Staff__People__{person}__Email"] = $"{person}@msp.example";
        foreach (var (person, phone) in OnCallPhones) notify[$"Staff__People__{person}__Phone"] = phone;

        var starting = Services.Select(service =>
        {
            var database = Infrastructure.UniqueName($"sdtest_{service}");
            _databases.Add(database);
            var project = $"services/{service}/{char.ToUpperInvariant(service[0])}{service[1..]}.Api";
            var environment = new Dictionary<string, string>(common) { ["ConnectionStrings__Database"] = _infrastructure.Database(database) };
            if (service == "intake") foreach (var (key, value) in intake) environment[key] = value;
            if (service == "notify") foreach (var (key, value) in notify) environment[key] = value;
            return AppProcess.StartAsync(project, environment);
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

        // The SMS channel needs nothing from intake to start: it reaches it through the gateway only when a text arrives.
        var sms = await AppProcess.StartAsync("channels/Sms/Sms.Channel", new Dictionary<string, string>(common)
        {
            ["Sms__IntakeUrl"] = publicOrigin,
            ["Sms__Channel"] = SmsChannel,
            ["Sms__ChannelSecret"] = SmsChannelSecret,
            ["Sms__PublicUrl"] = publicOrigin + SmsWebhookPath,
            ["Sms__Twilio__AuthToken"] = TwilioAuthToken,
        });
        _apps.Add(sms);

        // The identity service signs access tokens with the test key under the test issuer (Identity:LocalSigningKey, as
        // scripts/run.sh does), so the services take the tokens of a person who signs in through the gateway.
        AppProcess? identity = null;
        if (WithIdentity)
        {
            var database = Infrastructure.UniqueName("sdtest_identity");
            _databases.Add(database);
            using var rsa = System.Security.Cryptography.RSA.Create(2048);
            identity = await AppProcess.StartAsync("services/identity/Identity.Api", new Dictionary<string, string>(common)
            {
                ["ConnectionStrings__Database"] = _infrastructure.Database(database),
                ["Identity__Issuer"] = TestAuth.Options.Issuer,
                ["Identity__AllowHttp"] = "true",
                ["Identity__LocalSigningKey"] = TestAuth.Options.SigningKey!,
                ["Identity__SigningKeys__0"] = rsa.ExportRSAPrivateKeyPem(),
                ["Identity__EncryptionKeys__0"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
                ["Identity__Applications__portal__RedirectUris__0"] = publicOrigin + "/portal/",
                ["Identity__Applications__portal__PostLogoutRedirectUris__0"] = publicOrigin + "/portal/",
                ["Identity__Applications__console__RedirectUris__0"] = publicOrigin + "/console/signin-oidc",
                ["Identity__Applications__console__PostLogoutRedirectUris__0"] = publicOrigin + "/console/signout-callback-oidc",
                ["Identity__SeedUsers__1__Email"] = TechnicianEmail,
                ["Identity__SeedUsers__1__Password"] = DemoPassword,
                ["Identity__SeedUsers__1__DisplayName"] = "Tess Ng",
                ["Identity__SeedUsers__1__Role"] = "technician",
                ["Identity__SeedUsers__2__Email"] = DispatcherEmail,
                ["Identity__SeedUsers__2__Password"] = DemoPassword,
                ["Identity__SeedUsers__2__DisplayName"] = "Dan Brooks",
                ["Identity__SeedUsers__2__Role"] = "dispatcher",
                ["Identity__SeedUsers__3__Email"] = AdminEmail,
                ["Identity__SeedUsers__3__Password"] = DemoPassword,
                ["Identity__SeedUsers__3__DisplayName"] = "Ada Lovelace",
                ["Identity__SeedUsers__3__Role"] = "admin",
                ["Identity__SeedUsers__0__Email"] = DemoContactEmail,
                ["Identity__SeedUsers__0__Password"] = DemoPassword,
                ["Identity__SeedUsers__0__DisplayName"] = "Dana Reyes",
                ["Identity__SeedUsers__0__Role"] = "client-user",
                ["Identity__SeedUsers__0__ClientId"] = DemoClient.ToString(),
                ["Identity__SeedUsers__0__ContactId"] = DemoContact.ToString(),
            });
            _apps.Add(identity);
            IdentityDatabase = _infrastructure.Database(database);
        }

        // The console reaches the services and the identity service through the gateway (which starts after it).
        AppProcess? console = null;
        if (WithConsole)
        {
            console = await AppProcess.StartAsync("console/StaffConsole", new Dictionary<string, string>(common) { ["Console__Gateway"] = gatewayUrl.ToString() });
            _apps.Add(console);
        }

        var gateway = new Dictionary<string, string>(common)
        {
            ["Gateway__TenantRequestsPerWindow"] = TenantRequestsPerWindow.ToString(CultureInfo.InvariantCulture),
            ["Gateway__RateLimitWindow"] = "00:00:10",
        };
        foreach (var (cluster, app) in new[] { ("intake", 0), ("tickets", 1), ("sla", 2), ("billing", 3), ("notify", 4) })
            gateway[$"ReverseProxy__Clusters__{cluster}__Destinations__primary__Address"] = services[app].Url.ToString();
        gateway["ReverseProxy__Clusters__sms__Destinations__primary__Address"] = sms.Url.ToString();
        if (identity is not null) gateway["ReverseProxy__Clusters__identity__Destinations__primary__Address"] = identity.Url.ToString();
        if (console is not null) gateway["ReverseProxy__Clusters__console__Destinations__primary__Address"] = console.Url.ToString();
        _apps.Add(await AppProcess.StartAsync("gateway/Gateway", gateway, gatewayUrl));
    }

    /// <summary>A new client for the gateway, sending the given bearer token (or none).</summary>
    public HttpClient Client(string? token = null) => ClientFor("gateway", token);

    /// <summary>A client that talks to one app directly, bypassing the gateway (defense-in-depth tests).</summary>
    public HttpClient ClientFor(string app, string? token = null)
    {
        var client = new HttpClient { BaseAddress = App(app).Url };
        return token is null ? client : client.As(token);
    }

    /// <summary>The identity service's database (its users' ids: the "sub" of their tokens), when it runs.</summary>
    public string? IdentityDatabase { get; private set; }

    /// <summary>A connection string to one service's database, e.g. to add a client the way an admin would.</summary>
    public string DatabaseOf(string service) =>
        _infrastructure.Database(_databases[Array.IndexOf(Services, service)]);

    /// <summary>What the apps printed, to explain a failure.</summary>
    public string Output => string.Join("\n\n", _apps.Select(app => $"== {app.Name} ==\n{app.Output}"));

    public async Task DisposeAsync()
    {
        foreach (var app in _apps) await app.DisposeAsync();
        if (Mail is not null) await Mail.DisposeAsync();
        if (Twilio is not null) await Twilio.DisposeAsync();
        if (Traces is not null) await Traces.DisposeAsync();
        if (_virtualHost is null) return; // never got as far as the broker
        await _infrastructure.DropDatabasesAsync(_databases);
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }
}
