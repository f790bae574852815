using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace RouteInventory.Tests;

/// <summary>
/// Billing's two staff-readable routes (docs/adr/0060) and identity's staff directory (docs/adr/0061) pass the gateway with
/// a technician's token, while the rest of billing stays closed to them at the gateway, and all three to clients.
/// </summary>
public sealed class GatewayStaffRoutesTests : IAsyncLifetime
{
    private static readonly string[] StandInServices = ["billing", "identity"];

    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-staff-routes");
    }

    public Task DisposeAsync() => _infrastructure.DeleteVirtualHostAsync(_virtualHost);

    [Fact]
    public async Task A_technician_reads_a_tickets_billing_states_unbilled_ageing_and_staff_names_through_the_gateway_and_nothing_else_of_billing()
    {
        await using var standIn = await GatewayDocsTests.StandInAsync();
        await using var gateway = new AppFactory<Gateway.GatewayOptions>(_infrastructure, _virtualHost, "gateway",
            StandInServices.ToDictionary(s => $"ReverseProxy:Clusters:{s}:Destinations:primary:Address", _ => standIn.Urls.Single()));
        using var technician = gateway.CreateClient().As(TestAuth.Token(Roles.Technician, subject: "tess"));
        using var client = gateway.CreateClient().As(TestAuth.Token(Roles.ClientUser, Guid.NewGuid(), "dana"));

        foreach (var path in new[] { $"/api/billing/tickets/{Guid.NewGuid()}/time-states", "/api/billing/reports/unbilled-ageing", "/api/identity/staff" })
        {
            var forwarded = await technician.GetFromJsonAsync<JsonElement>(new Uri(path, UriKind.Relative));
            Assert.Equal(path, forwarded.GetProperty("path").GetString());
            Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync(new Uri(path, UriKind.Relative))).StatusCode);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync(new Uri("/api/billing/reports/unbilled", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync(new Uri($"/api/billing/tickets/{Guid.NewGuid()}", UriKind.Relative))).StatusCode);
    }
}
