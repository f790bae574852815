using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Authorization.Infrastructure;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Yarp.ReverseProxy.Model;

namespace RouteInventory.Tests;

/// <summary>
/// Every route of every app, enumerated from the app itself: it requires a bearer token, or proves its caller by a
/// webhook signature, or is on the short public allow-list. A route added without thought fails here.
/// </summary>
public sealed partial class RouteInventoryTests : IAsyncLifetime
{
    /// <summary>
    /// Routes anyone may call: health for orchestrators, the API documents, and the client portal's static files
    /// (intake serves them, the gateway forwards /portal; the page's API calls carry the contact's token).
    /// </summary>
    private static readonly HashSet<string> PublicRoutes =
    [
        "/health/live", "/health/ready", "/openapi/{documentName}.json",
        "/docs/intake/openapi.json", "/docs/tickets/openapi.json", "/docs/sla/openapi.json", "/docs/billing/openapi.json",
        "/docs/notify/openapi.json", "/docs/identity/openapi.json", "/docs/{service}/openapi.json",
        "/portal/{**path}", "/portal/{**rest}",
        // The identity service (OpenID Connect): its endpoints check their own proof (client, code, PKCE, refresh token),
        // and its sign-in pages are what an anonymous person uses to stop being one.
        "/connect/{**rest}", "/account/{**rest}", "/.well-known/{**rest}",
        "/connect/authorize", "/connect/token", "/connect/endsession", "/connect/userinfo",
        "/account/login", "/account/login/code", "/account/2fa", "/account/signed-out", "/account/signed-in",
        "/account/invitation", "/account/forgot", "/account/reset", "/account/external", "/account/external/done", // staff sign-in with an outside provider (start, callback)
        // A page's one-tap acknowledgement: the link's secret (one per page, expiring) is the proof.
        "/pages/{token}",
        // A rotation's subscribable iCal feed: the URL's secret (stored hashed, revocable) is the proof (ADR 55).
        "/calendars/{file}",
        // The staff console authenticates for itself (its sign-in cookie or a bearer token; staff only on every page and
        // on its live hub: docs/adr/0043, tests/Console.Tests), like the identity service's pages.
        "/console/{**rest}",
    ];

    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-routes");
    }

    public Task DisposeAsync() => _infrastructure.DeleteVirtualHostAsync(_virtualHost);

    public static TheoryData<string> Apps => ["intake", "tickets", "sla", "billing", "notify", "identity", "gateway"];


    [Theory]
    [MemberData(nameof(Apps))]
    public async Task Every_route_is_authenticated_signature_verified_or_allow_listed(string app)
    {
        await using var factory = Create(app);
        var services = factory.Services;

        var fallback = await services.GetRequiredService<IAuthorizationPolicyProvider>().GetFallbackPolicyAsync();
        Assert.Contains(fallback!.Requirements, r => r is DenyAnonymousAuthorizationRequirement);

        var endpoints = services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>().ToList();
        Assert.NotEmpty(endpoints);
        using var anonymous = factory.CreateClient();
        foreach (var endpoint in endpoints)
        {
            var pattern = endpoint.RoutePattern.RawText!;
            var isPublic = endpoint.Metadata.GetMetadata<IAllowAnonymous>() is not null;
            var signed = endpoint.Metadata.GetMetadata<SignatureVerifiedAttribute>() is not null
                || endpoint.Metadata.GetMetadata<RouteModel>()?.Config.Metadata?.GetValueOrDefault("SignatureVerified") == "true";
            Assert.False(isPublic && !signed && !PublicRoutes.Contains(pattern), $"{app}: {pattern} is public but not on the allow-list.");

            // Behaviour, not only metadata: without a token a protected route answers 401. (At the gateway a signed
            // route is checked by intake, which this in-process gateway has no connection to.)
            if (isPublic && (!signed || app == "gateway")) continue;
            foreach (var method in endpoint.Metadata.GetMetadata<Microsoft.AspNetCore.Routing.HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
            {
                using var request = new HttpRequestMessage(new HttpMethod(method), Fill(pattern));
                if (method is "POST" or "PUT" or "PATCH") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                using var response = await anonymous.SendAsync(request);
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{app}: {method} {pattern} without a token gave {response.StatusCode}.");
            }
        }
    }

    private IAsyncDisposableFactory Create(string app) => app switch
    {
        "intake" => Wrap(new AppFactory<Intake.Api.Data.IntakeDbContext>(_infrastructure, _virtualHost, app,
            new Dictionary<string, string>
            {
                ["Channels:inventory:Secret"] = "a-secret-so-the-channel-exists-and-checks-signatures",
                ["Channels:inventory:ClientIds:0"] = Guid.NewGuid().ToString(),
            })),
        "tickets" => Wrap(new AppFactory<Tickets.Api.Data.TicketsDbContext>(_infrastructure, _virtualHost, app)),
        "sla" => Wrap(new AppFactory<Sla.Api.Data.SlaDbContext>(_infrastructure, _virtualHost, app)),
        "billing" => Wrap(new AppFactory<Billing.Api.Data.BillingDbContext>(_infrastructure, _virtualHost, app)),
        "notify" => Wrap(new AppFactory<Notify.Api.Data.NotifyDbContext>(_infrastructure, _virtualHost, app)),
        "identity" => Wrap(new AppFactory<Identity.Api.Data.IdentityDbContext>(_infrastructure, _virtualHost, app, new Dictionary<string, string>
            {
                ["Identity:Issuer"] = "http://localhost/",
                ["Identity:AllowHttp"] = "true",
                ["Identity:SigningKeys:0"] = System.Security.Cryptography.RSA.Create(2048).ExportRSAPrivateKeyPem(),
                ["Identity:EncryptionKeys:0"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            })),
        _ => Wrap(new AppFactory<Gateway.GatewayOptions>(_infrastructure, _virtualHost, app)),
    };

    /// <summary>"/api/tickets/{id:guid}" becomes a callable URL.</summary>
    private static string Fill(string pattern) => Parameter().Replace(pattern, match => match.Value switch
    {
        var p when p.Contains(":guid", StringComparison.Ordinal) => Guid.NewGuid().ToString(),
        var p when p.StartsWith("{channel", StringComparison.Ordinal) => "inventory",
        _ => "x",
    });

    [GeneratedRegex(@"\{[^}]*(\}\}[^}]*)*\}")]
    private static partial Regex Parameter();

    private static IAsyncDisposableFactory Wrap<T>(AppFactory<T> factory) where T : class => new(factory, factory.Services, factory.CreateClient);

    /// <summary>The few things the test needs of an app factory, whatever its entry type.</summary>
    private sealed record IAsyncDisposableFactory(IAsyncDisposable Factory, IServiceProvider Services, Func<HttpClient> CreateClient) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Factory.DisposeAsync();
    }
}
