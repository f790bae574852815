using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Identity.Api.Data;
using Intake.Api.Data;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Testing;

namespace Identity.Tests;

/// <summary>A clock the tests can move: the identity service issues tokens by it.</summary>
public sealed class MovableClock : TimeProvider
{
    public TimeSpan Offset { get; set; }
    public override DateTimeOffset GetUtcNow() => DateTimeOffset.UtcNow + Offset;
}

/// <summary>
/// The identity service in-process on its own database, and intake trusting it as its authority (Auth:Authority, the
/// production path), so a token is proven by a service accepting or refusing it, not by the test decoding it.
/// </summary>
public sealed partial class IdentityFixture : IAsyncLifetime
{
    public const string Issuer = "http://localhost/";
    public const string Portal = "portal";
    public const string PortalRedirect = "http://localhost/portal/callback";
    public const string Machine = "acme-rmm";
    public const string MachineSecret = "the-acme-rmm-integration-secret-of-32-chars-or-more";
    public const string Password = "correct horse battery staple";
    public const string Dana = "dana@acme-dental.example";
    public const string Tess = "tess@msp.example";
    public const string Lou = "lou@acme-dental.example";

    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;

    public MovableClock Clock { get; } = new();
    public SmtpServer Mail { get; private set; } = null!;
    public IdentityFactory Identity { get; private set; } = null!;
    public TrustingIntake Intake { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-identity");
        Mail = await SmtpServer.StartAsync();
        using var rsa = RSA.Create(2048);
        Identity = new IdentityFactory(_infrastructure, _virtualHost, Clock, new Dictionary<string, string>
        {
            ["Smtp:Host"] = "127.0.0.1",
            ["Smtp:Port"] = Mail.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Smtp:Security"] = "None",
            ["Identity:Issuer"] = Issuer,
            ["Identity:AllowHttp"] = "true",
            ["Identity:SigningKeys:0"] = rsa.ExportRSAPrivateKeyPem(),
            ["Identity:EncryptionKeys:0"] = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)),
            [$"Identity:Applications:{Portal}:RedirectUris:0"] = PortalRedirect,
            [$"Identity:Applications:{Portal}:PostLogoutRedirectUris:0"] = "http://localhost/portal/",
            [$"Identity:Applications:{Machine}:Secret"] = MachineSecret,
            [$"Identity:Applications:{Machine}:Role"] = "dispatcher",
            ["Identity:SeedUsers:0:Email"] = Dana,
            ["Identity:SeedUsers:0:Password"] = Password,
            ["Identity:SeedUsers:0:DisplayName"] = "Dana Reyes",
            ["Identity:SeedUsers:0:Role"] = "client-user",
            ["Identity:SeedUsers:0:ClientId"] = IntakeDbContext.DemoClientId.ToString(),
            ["Identity:SeedUsers:0:ContactId"] = IntakeDbContext.DemoContactId.ToString(),
            ["Identity:SeedUsers:1:Email"] = Tess,
            ["Identity:SeedUsers:1:Password"] = Password,
            ["Identity:SeedUsers:1:DisplayName"] = "Tess Ng",
            ["Identity:SeedUsers:1:Role"] = "technician",
            ["Identity:SeedUsers:2:Email"] = Lou,
            ["Identity:SeedUsers:2:Password"] = Password,
            ["Identity:SeedUsers:2:DisplayName"] = "Lou Park",
            ["Identity:SeedUsers:2:Role"] = "client-user",
            ["Identity:SeedUsers:2:ClientId"] = IntakeDbContext.DemoClientId.ToString(),
            ["Identity:SeedUsers:2:ContactId"] = "16fd2706-8baf-433b-82eb-8c7fada847da",
        });
        _ = Identity.Server;
        Intake = new TrustingIntake(_infrastructure, _virtualHost, Identity);
        _ = Intake.Server;
    }

    public async Task DisposeAsync()
    {
        await Intake.DisposeAsync();
        await Identity.DisposeAsync();
        await Mail.DisposeAsync();
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }

    /// <summary>A browser: keeps cookies, and shows each redirect instead of following it.</summary>
    public HttpClient Browser() => Identity.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    /// <summary>Signs in on the login page the authorization request leads to; returns the response to the form's POST.</summary>
    public static async Task<HttpResponseMessage> SignInAsync(HttpClient browser, string loginUrl, string email, string password)
    {
        var page = await (await browser.GetAsync(loginUrl)).Content.ReadAsStringAsync();
        return await PostFormAsync(browser, "/account/login", page, new() { ["email"] = email, ["password"] = password });
    }

    /// <summary>Posts a form of <paramref name="page"/> with its hidden fields (antiforgery, return URL) and the given ones.</summary>
    public static Task<HttpResponseMessage> PostFormAsync(HttpClient browser, string action, string page, Dictionary<string, string> fields)
    {
        foreach (Match hidden in HiddenField().Matches(page)) fields.TryAdd(WebUtility(hidden.Groups["name"].Value), WebUtility(hidden.Groups["value"].Value));
        return browser.PostAsync(action, new FormUrlEncodedContent(fields));
    }

    private static string WebUtility(string value) => System.Net.WebUtility.HtmlDecode(value);

    public static string AuthorizeUrl(string challenge, string scope = "openid profile offline_access") =>
        $"/connect/authorize?client_id={Portal}&response_type=code&redirect_uri={Uri.EscapeDataString(PortalRedirect)}" +
        $"&scope={Uri.EscapeDataString(scope)}&code_challenge={challenge}&code_challenge_method=S256&state=xyz";

    public static (string Verifier, string Challenge) Pkce()
    {
        var verifier = Base64Url(RandomNumberGenerator.GetBytes(32));
        return (verifier, Base64Url(SHA256.HashData(Encoding.ASCII.GetBytes(verifier))));
    }

    /// <summary>The whole browser journey of a portal sign-in: authorize, sign in, back with a code.</summary>
    public static async Task<(string Code, string Verifier)> CodeAsync(HttpClient browser, string email)
    {
        var (verifier, challenge) = Pkce();
        var authorize = await browser.GetAsync(AuthorizeUrl(challenge));
        Assert.Equal(System.Net.HttpStatusCode.Redirect, authorize.StatusCode);
        var signedIn = await SignInAsync(browser, authorize.Headers.Location!.PathAndQuery, email, Password);
        Assert.Equal(System.Net.HttpStatusCode.Redirect, signedIn.StatusCode);
        var back = await browser.GetAsync(signedIn.Headers.Location!.OriginalString);
        return (CodeFrom(back), verifier);
    }

    public static string CodeFrom(HttpResponseMessage response)
    {
        Assert.Equal(System.Net.HttpStatusCode.Redirect, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.StartsWith(PortalRedirect, location.ToString(), StringComparison.Ordinal);
        var query = Microsoft.AspNetCore.WebUtilities.QueryHelpers.ParseQuery(location.Query);
        Assert.Equal("xyz", query["state"].ToString());
        return query["code"].ToString();
    }

    public async Task<(HttpResponseMessage Response, JsonElement Body)> TokenAsync(Dictionary<string, string> form)
    {
        using var client = Identity.CreateClient();
        var response = await client.PostAsync("/connect/token", new FormUrlEncodedContent(form));
        var text = await response.Content.ReadAsStringAsync();
        return (response, JsonDocument.Parse(text).RootElement);
    }

    public Task<(HttpResponseMessage Response, JsonElement Body)> RedeemAsync(string code, string verifier) => TokenAsync(new()
    {
        ["grant_type"] = "authorization_code", ["code"] = code, ["redirect_uri"] = PortalRedirect, ["client_id"] = Portal, ["code_verifier"] = verifier,
    });

    public Task<(HttpResponseMessage Response, JsonElement Body)> RefreshAsync(string refreshToken) => TokenAsync(new()
    {
        ["grant_type"] = "refresh_token", ["refresh_token"] = refreshToken, ["client_id"] = Portal,
    });

    public Task<(HttpResponseMessage Response, JsonElement Body)> MachineTokenAsync(string secret = MachineSecret) => TokenAsync(new()
    {
        ["grant_type"] = "client_credentials", ["client_id"] = Machine, ["client_secret"] = secret,
    });

    public static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    [GeneratedRegex("""<input type="hidden" name="(?<name>[^"]+)" value="(?<value>[^"]*)">""")]
    private static partial Regex HiddenField();
}

public sealed class IdentityFactory(Infrastructure infrastructure, string virtualHost, TimeProvider clock, IReadOnlyDictionary<string, string> settings)
    : AppFactory<IdentityDbContext>(infrastructure, virtualHost, "identity", settings)
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureTestServices(services => services.AddSingleton(clock));
    }
}

/// <summary>Intake validating tokens against the identity service as its authority, as every service does in production.</summary>
public sealed class TrustingIntake(Infrastructure infrastructure, string virtualHost, IdentityFactory identity)
    : AppFactory<IntakeDbContext>(infrastructure, virtualHost, "intake", new Dictionary<string, string>
    {
        ["Auth:SigningKey"] = "", // no local key beside the authority
        ["Auth:Authority"] = IdentityFixture.Issuer,
        ["Auth:Issuer"] = IdentityFixture.Issuer,
        ["Auth:Audience"] = "servicedesk",
    })
{
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        // The authority's metadata and keys come from the in-process identity server.
        builder.ConfigureTestServices(services => services.Configure<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme,
            jwt => jwt.BackchannelHttpHandler = identity.Server.CreateHandler()));
    }
}
