using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Identity.Api.Domain;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using ServiceDesk.Testing;

namespace Identity.Tests;

/// <summary>
/// Staff sign in at the MSP's own OpenID Connect provider (Identity:External, docs/adr/0026), here a tiny fake one on
/// loopback: its account becomes the staff user with the same email, and an email with no staff account here gets in
/// nowhere. Both are audited.
/// </summary>
public sealed class ExternalSignInTests : IAsyncLifetime
{
    private const string Tess = "tess@msp.example";
    private const string ClientContact = "lou@acme-dental.example";
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;
    private FakeOidcProvider _provider = null!;
    private IdentityFactory _identity = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-identity-external");
        _provider = await FakeOidcProvider.StartAsync("servicedesk-staff");
        using var rsa = RSA.Create(2048);
        _identity = new IdentityFactory(_infrastructure, _virtualHost, TimeProvider.System, new Dictionary<string, string>
        {
            ["Identity:Issuer"] = IdentityFixture.Issuer,
            ["Identity:AllowHttp"] = "true",
            ["Identity:SigningKeys:0"] = rsa.ExportRSAPrivateKeyPem(),
            ["Identity:EncryptionKeys:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            ["Identity:External:Authority"] = _provider.Authority,
            ["Identity:External:ClientId"] = "servicedesk-staff",
            ["Identity:External:ClientSecret"] = "the-staff-directory-secret",
            ["Identity:External:DisplayName"] = "Contoso",
            ["Identity:SeedUsers:0:Email"] = Tess,
            ["Identity:SeedUsers:0:Password"] = IdentityFixture.Password,
            ["Identity:SeedUsers:0:DisplayName"] = "Tess Ng",
            ["Identity:SeedUsers:0:Role"] = "technician",
            ["Identity:SeedUsers:1:Email"] = ClientContact,
            ["Identity:SeedUsers:1:Password"] = IdentityFixture.Password,
            ["Identity:SeedUsers:1:DisplayName"] = "Lou Park",
            ["Identity:SeedUsers:1:Role"] = "client-user",
            ["Identity:SeedUsers:1:ClientId"] = Guid.NewGuid().ToString(),
            ["Identity:SeedUsers:1:ContactId"] = Guid.NewGuid().ToString(),
        });
        _ = _identity.Server;
    }

    public async Task DisposeAsync()
    {
        await _identity.DisposeAsync();
        await _provider.DisposeAsync();
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }

    /// <summary>
    /// A browser's round trip: our sign-in link, the provider (which signs in <paramref name="email"/> at once), our
    /// callback, then wherever that sends it. https, so the handler's Secure correlation cookies come back as they would.
    /// </summary>
    private async Task<HttpResponseMessage> SignInOutsideAsync(HttpClient browser, string email)
    {
        _provider.Email = email;
        var challenge = await browser.GetAsync(new Uri("/account/external?returnUrl=%2Faccount%2Fsigned-in", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, challenge.StatusCode);
        Assert.StartsWith(_provider.Authority, challenge.Headers.Location!.OriginalString, StringComparison.Ordinal);
        using var toProvider = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
        var back = await toProvider.GetAsync(challenge.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, back.StatusCode);
        var callback = await browser.GetAsync(back.Headers.Location);
        Assert.Equal(HttpStatusCode.Redirect, callback.StatusCode);
        return await browser.GetAsync(callback.Headers.Location);
    }

    private HttpClient Browser() => _identity.CreateClient(new WebApplicationFactoryClientOptions
    {
        AllowAutoRedirect = false, HandleCookies = true, BaseAddress = new Uri("https://localhost"),
    });

    private async Task<List<(AuditKind Kind, string? Detail)>> AuditOfAsync(string email)
    {
        await using var scope = _identity.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Identity.Api.Data.IdentityDbContext>();
        return [.. (await db.Audit.Where(a => a.UserName == email).OrderBy(a => a.Id).Select(a => new { a.Kind, a.Detail }).ToListAsync())
            .Select(a => (a.Kind, a.Detail))];
    }

    [Fact]
    public async Task A_staff_account_at_the_outside_provider_signs_in_as_the_staff_user_with_that_email()
    {
        using var browser = Browser();

        var done = await SignInOutsideAsync(browser, "Tess@MSP.example");

        Assert.Equal(HttpStatusCode.Redirect, done.StatusCode);
        Assert.Equal("/account/signed-in", done.Headers.Location!.OriginalString);
        var page = await (await browser.GetAsync(done.Headers.Location)).Content.ReadAsStringAsync();
        Assert.Contains("You are signed in as Tess Ng (tess@msp.example), technician.", page, StringComparison.Ordinal);
        Assert.Contains((AuditKind.SignedIn, "external provider"), await AuditOfAsync("Tess@MSP.example"));
    }

    [Fact]
    public async Task An_outside_account_without_a_staff_account_here_gets_in_nowhere_and_the_attempt_is_audited()
    {
        using var browser = Browser();

        var refused = await SignInOutsideAsync(browser, ClientContact); // a client contact: never by an outside provider

        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("not a staff account here", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Redirect, (await browser.GetAsync(new Uri("/account/signed-in", UriKind.Relative))).StatusCode);
        Assert.Contains((AuditKind.SignInFailed, "external: no staff account with this email"), await AuditOfAsync(ClientContact));
    }
}

/// <summary>
/// The least of an OpenID Connect provider on 127.0.0.1: discovery, its key, an authorization endpoint that signs in
/// <see cref="Email"/> at once, and a token endpoint that checks the code, the client secret and PKCE, then issues a
/// signed id_token with the nonce it was given.
/// </summary>
public sealed class FakeOidcProvider : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RSA _key = RSA.Create(2048);
    private readonly ConcurrentDictionary<string, (string? Nonce, string Challenge, string Email)> _codes = new();
    private readonly string _clientId;

    public string Authority { get; private set; } = "";
    public string Email { get; set; } = "";

    private FakeOidcProvider(string clientId)
    {
        _clientId = clientId;
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        _app.MapGet("/.well-known/openid-configuration", () => Results.Text($$"""
            {"issuer": "{{Authority}}", "authorization_endpoint": "{{Authority}}/authorize", "token_endpoint": "{{Authority}}/token",
             "jwks_uri": "{{Authority}}/jwks", "response_types_supported": ["code"], "subject_types_supported": ["public"],
             "id_token_signing_alg_values_supported": ["RS256"], "code_challenge_methods_supported": ["S256"]}
            """, "application/json"));
        _app.MapGet("/jwks", () =>
        {
            var key = _key.ExportParameters(false);
            return Results.Json(new { keys = new[] { new { kty = "RSA", use = "sig", alg = "RS256", kid = "fake-1",
                n = Base64UrlEncoder.Encode(key.Modulus), e = Base64UrlEncoder.Encode(key.Exponent) } } });
        });
        _app.MapGet("/authorize", (HttpRequest request) =>
        {
            var query = request.Query;
            if (query["client_id"] != _clientId || query["response_type"] != "code" || query["code_challenge_method"] != "S256")
                return Results.BadRequest();
            var code = Guid.NewGuid().ToString("N");
            _codes[code] = (query["nonce"], query["code_challenge"].ToString(), Email);
            return Results.Redirect($"{query["redirect_uri"]}?code={code}&state={Uri.EscapeDataString(query["state"].ToString())}");
        });
        _app.MapPost("/token", async (HttpRequest request) =>
        {
            var form = await request.ReadFormAsync();
            var verifier = form["code_verifier"].ToString();
            if (form["client_id"] != _clientId || form["client_secret"] != "the-staff-directory-secret"
                || !_codes.TryRemove(form["code"].ToString(), out var grant)
                || Base64UrlEncoder.Encode(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))) != grant.Challenge)
                return Results.Json(new { error = "invalid_grant" }, statusCode: 400);
            var now = DateTime.UtcNow;
            var claims = new Dictionary<string, object> { ["sub"] = $"outside-{grant.Email}", ["email"] = grant.Email, ["email_verified"] = true };
            if (grant.Nonce is { } nonce) claims["nonce"] = nonce;
            var idToken = new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
            {
                Issuer = Authority, Audience = _clientId, Claims = claims, IssuedAt = now, NotBefore = now, Expires = now.AddMinutes(5),
                SigningCredentials = new SigningCredentials(new RsaSecurityKey(_key) { KeyId = "fake-1" }, SecurityAlgorithms.RsaSha256),
            });
            return Results.Json(new { access_token = Guid.NewGuid().ToString("N"), token_type = "Bearer", expires_in = 300, id_token = idToken });
        });
    }

    public static async Task<FakeOidcProvider> StartAsync(string clientId)
    {
        var provider = new FakeOidcProvider(clientId);
        await provider._app.StartAsync();
        provider.Authority = provider._app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!
            .Addresses.Single().TrimEnd('/');
        return provider;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.DisposeAsync();
        _key.Dispose();
    }
}
