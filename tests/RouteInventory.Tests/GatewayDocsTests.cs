using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using ServiceDesk.Testing;

namespace RouteInventory.Tests;

/// <summary>
/// The API documents through the gateway: every service's document (notify's too) is public, as /docs lists them, and
/// any other name is a 404 problem rather than a 401 that would send a reader looking for a token.
/// </summary>
public sealed class GatewayDocsTests : IAsyncLifetime
{
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-docs");
    }

    public Task DisposeAsync() => _infrastructure.DeleteVirtualHostAsync(_virtualHost);

    [Fact]
    public async Task Every_services_document_is_forwarded_to_its_service_without_a_token()
    {
        // One stand-in for every service: it answers with the path it was asked for.
        await using var standIn = await StandInAsync();
        var address = standIn.Urls.Single(); // the port it was given
        await using var gateway = new AppFactory<Gateway.GatewayOptions>(_infrastructure, "/", "gateway",
            Gateway.Extensions.DocumentedServices.ToDictionary(s => $"ReverseProxy:Clusters:{s}:Destinations:primary:Address", _ => address));
        using var anonymous = gateway.CreateClient();

        Assert.Contains("notify", Gateway.Extensions.DocumentedServices);
        foreach (var service in Gateway.Extensions.DocumentedServices)
        {
            using var response = await anonymous.GetAsync(new Uri($"/docs/{service}/openapi.json", UriKind.Relative));

            Assert.True(response.StatusCode == HttpStatusCode.OK, $"/docs/{service}/openapi.json gave {response.StatusCode}");
            var asked = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.Equal("/openapi/v1.json", asked.GetProperty("path").GetString());
        }
    }

    [Fact]
    public async Task A_service_without_a_document_gets_a_404_problem_without_a_token()
    {
        await using var gateway = new AppFactory<Gateway.GatewayOptions>(_infrastructure, "/", "gateway");
        using var anonymous = gateway.CreateClient();

        using var response = await anonymous.GetAsync(new Uri("/docs/payroll/openapi.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Contains("payroll", problem.GetProperty("title").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Notify_serves_its_document_without_a_token()
    {
        await using var notify = new AppFactory<Notify.Api.Data.NotifyDbContext>(_infrastructure, _virtualHost, "notify");
        using var anonymous = notify.CreateClient();

        var document = await anonymous.GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));

        Assert.True(document.TryGetProperty("openapi", out _));
    }

    /// <summary>One stand-in for any service: it answers with the path it was asked for.</summary>
    internal static async Task<WebApplication> StandInAsync()
    {
        var app = WebApplication.CreateSlimBuilder().Build();
        app.Urls.Add("http://127.0.0.1:0");
        app.Run(context => context.Response.WriteAsJsonAsync(new { path = context.Request.Path.Value }));
        await app.StartAsync();
        return app;
    }
}
