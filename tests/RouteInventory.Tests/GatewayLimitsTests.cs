using System.Net;
using System.Net.Sockets;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace RouteInventory.Tests;

/// <summary>The gateway's browser and time limits, with the gateway in-process and its services replaced.</summary>
public sealed class GatewayLimitsTests : IAsyncLifetime
{
    private const string Portal = "https://portal.acme-msp.example";
    private Infrastructure _infrastructure = null!;

    public async Task InitializeAsync() => _infrastructure = await Infrastructure.Shared;

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData(Portal, true)]
    [InlineData("https://evil.example", false)]
    public async Task Cors_admits_only_the_portals_origin(string origin, bool allowed)
    {
        await using var gateway = new AppFactory<Gateway.GatewayOptions>(_infrastructure, "/", "gateway",
            new Dictionary<string, string> { ["Gateway:PortalOrigins:0"] = Portal });
        using var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/requests");
        preflight.Headers.Add("Origin", origin);
        preflight.Headers.Add("Access-Control-Request-Method", "POST");
        preflight.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");

        using var response = await gateway.CreateClient().SendAsync(preflight);

        Assert.Equal(allowed, response.Headers.TryGetValues("Access-Control-Allow-Origin", out var origins) && origins.Single() == origin);
    }

    [Fact]
    public async Task A_service_that_hangs_gets_a_504_when_the_route_times_out()
    {
        // A "service" that accepts connections and never answers.
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        var address = $"http://127.0.0.1:{((IPEndPoint)silent.LocalEndpoint).Port}";
        await using var gateway = new AppFactory<Gateway.GatewayOptions>(_infrastructure, "/", "gateway", new Dictionary<string, string>
        {
            ["ReverseProxy:Clusters:tickets:Destinations:primary:Address"] = address,
            ["ReverseProxy:Clusters:tickets:HttpRequest:ActivityTimeout"] = "00:00:01",
        });
        var client = gateway.CreateClient().As(TestAuth.Token(Roles.Technician));

        var started = DateTime.UtcNow;
        using var response = await client.GetAsync(new Uri($"/api/tickets/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.GatewayTimeout, response.StatusCode);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the timeout did not cut the wait short");
    }
}
