using System.Net;
using System.Text;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Tickets.Tests;

/// <summary>
/// The gateway's own check of the tickets routes, before anything is forwarded: changes, teams and routing rules are
/// for staff. The tickets service behind it is replaced by a closed port, so a forwarded request shows as 502.
/// </summary>
public sealed class GatewayRouteTests : IAsyncLifetime
{
    private Infrastructure _infrastructure = null!;
    private AppFactory<Gateway.GatewayOptions> _gateway = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _gateway = new AppFactory<Gateway.GatewayOptions>(_infrastructure, "/", "gateway", new Dictionary<string, string>
        {
            ["ReverseProxy:Clusters:tickets:Destinations:primary:Address"] = $"http://127.0.0.1:{Ports.Free()}",
        });
    }

    public async Task DisposeAsync() => await _gateway.DisposeAsync();

    [Theory]
    // Not /status: a client closes or reopens its own resolved ticket there (the tickets service allows only that).
    [InlineData("POST", "/api/tickets/{id}/merge")]
    [InlineData("POST", "/api/tickets/{id}/priority")]
    [InlineData("POST", "/api/tickets/{id}/notes")]
    [InlineData("PUT", "/api/tickets/{id}/time-entries/{id}")]
    [InlineData("GET", "/api/teams")]
    [InlineData("POST", "/api/teams")]
    [InlineData("GET", "/api/routing-rules")]
    [InlineData("POST", "/api/clients")]
    [InlineData("PUT", "/api/clients/{id}/call-down-list")]
    public async Task Client_tokens_are_refused_at_the_gateway_on_staff_routes(string method, string path)
    {
        var url = path.Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, await SendAsync(method, url, TestAuth.Token(Roles.ClientUser, Guid.NewGuid(), "dana")));
        Assert.Equal(HttpStatusCode.BadGateway, await SendAsync(method, url, TestAuth.Token(Roles.Technician, subject: "tess")));
    }

    [Theory]
    [InlineData("/api/tickets")]
    [InlineData("/api/tickets?view=all&limit=10")]
    [InlineData("/api/tickets/{id}")]
    [InlineData("/api/tickets/{id}/conversation")]
    [InlineData("/api/clients/{id}")]
    public async Task Client_tokens_reach_the_tickets_reads(string path) =>
        Assert.Equal(HttpStatusCode.BadGateway, await SendAsync("GET", path.Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal),
            TestAuth.Token(Roles.ClientUser, Guid.NewGuid(), "dana")));

    private async Task<HttpStatusCode> SendAsync(string method, string url, string token)
    {
        using var request = new HttpRequestMessage(new HttpMethod(method), url);
        if (method != "GET") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        using var response = await _gateway.CreateClient().As(token).SendAsync(request);
        return response.StatusCode;
    }
}
