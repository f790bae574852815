using System.Globalization;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace ServiceDesk.Testing;

/// <summary>
/// One app in-process (any non-static type of its assembly names it), on the real broker and database server: its own
/// database, a virtual host given by the caller, and the test token issuer.
/// </summary>
public class AppFactory<TEntryPoint>(Infrastructure infrastructure, string virtualHost, string service,
    IReadOnlyDictionary<string, string>? settings = null)
    : WebApplicationFactory<TEntryPoint> where TEntryPoint : class
{
    public string Database { get; } = Infrastructure.UniqueName($"sdtest_{service}");

    /// <summary>The app's warnings and errors.</summary>
    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        var rabbit = infrastructure.RabbitMq;
        builder.UseSetting("ConnectionStrings:Database", infrastructure.Database(Database));
        builder.UseSetting("RabbitMq:Host", rabbit.Host);
        builder.UseSetting("RabbitMq:Port", rabbit.Port.ToString(CultureInfo.InvariantCulture));
        builder.UseSetting("RabbitMq:Username", rabbit.Username);
        builder.UseSetting("RabbitMq:Password", rabbit.Password);
        builder.UseSetting("RabbitMq:VirtualHost", virtualHost);
        foreach (var (key, value) in TestAuth.Settings.Concat(settings ?? new Dictionary<string, string>()))
            builder.UseSetting(key, value);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await infrastructure.DropDatabasesAsync([Database]);
        GC.SuppressFinalize(this);
    }
}
