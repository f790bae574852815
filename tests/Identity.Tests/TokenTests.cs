using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Identity.Api.Domain;
using Intake.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using ServiceDesk.Testing;

namespace Identity.Tests;

/// <summary>
/// Tokens from the identity service, judged by a service that trusts it (intake, with Auth:Authority): a signed-in
/// contact's token opens requests as that contact, and expired, misaddressed, replayed or revoked ones are refused.
/// </summary>
public sealed class TokenTests(IdentityFixture fixture) : IClassFixture<IdentityFixture>
{
    private async Task<HttpResponseMessage> OpenRequestAsync(string accessToken, string subject)
    {
        using var intake = fixture.Intake.CreateClient();
        intake.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", accessToken);
        return await intake.PostAsJsonAsync("/api/requests", new { subject, description = "The front desk printer jams." });
    }

    private Task<int> StoredAsync(string subject) => WithIntakeAsync(db => db.Requests.CountAsync(r => r.Subject == subject));

    private async Task<T> WithIntakeAsync<T>(Func<IntakeDbContext, Task<T>> query)
    {
        await using var scope = fixture.Intake.Services.CreateAsyncScope();
        return await query(scope.ServiceProvider.GetRequiredService<IntakeDbContext>());
    }

    [Fact]
    public async Task Contact_signs_in_with_code_and_PKCE_and_a_service_takes_the_token_as_that_contact()
    {
        using var browser = fixture.Browser();
        var (code, verifier) = await IdentityFixture.CodeAsync(browser, IdentityFixture.Dana);

        var (response, tokens) = await fixture.RedeemAsync(code, verifier);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var access = new JsonWebToken(tokens.GetProperty("access_token").GetString());
        Assert.Equal(IdentityFixture.Issuer, access.Issuer);
        Assert.Contains("servicedesk", access.Audiences);
        Assert.Equal("client-user", access.GetClaim("role").Value);
        Assert.Equal(IntakeDbContext.DemoClientId.ToString(), access.GetClaim("tenant_id").Value);
        Assert.Equal(IntakeDbContext.DemoContactId.ToString(), access.GetClaim("contact_id").Value);
        Assert.Equal(IdentityFixture.Portal, access.GetClaim("client_id").Value); // RFC 9068's client_id: the app, not the tenant
        Assert.True(tokens.TryGetProperty("refresh_token", out _));

        var subject = $"Printer jam {Guid.NewGuid():N}";
        var opened = await OpenRequestAsync(access.EncodedToken, subject);
        Assert.Equal(HttpStatusCode.Accepted, opened.StatusCode);
        var stored = await WithIntakeAsync(db => db.Requests.SingleAsync(r => r.Subject == subject));
        Assert.Equal((IntakeDbContext.DemoContactId, IdentityFixture.Dana), (stored.ContactId, stored.ContactEmail));
    }

    [Fact]
    public async Task Code_redeemed_with_the_wrong_PKCE_verifier_is_refused()
    {
        using var browser = fixture.Browser();
        var (code, _) = await IdentityFixture.CodeAsync(browser, IdentityFixture.Dana);

        var (response, body) = await fixture.RedeemAsync(code, IdentityFixture.Pkce().Verifier);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("invalid_grant", body.GetProperty("error").GetString());
        Assert.False(body.TryGetProperty("access_token", out _));
    }

    [Fact]
    public async Task Authorization_without_PKCE_is_refused()
    {
        using var browser = fixture.Browser();
        var url = $"/connect/authorize?client_id={IdentityFixture.Portal}&response_type=code&redirect_uri={Uri.EscapeDataString(IdentityFixture.PortalRedirect)}&scope=openid&state=xyz";

        var response = await browser.GetAsync(url);

        // Refused on the spot, no code issued and no sign-in page shown.
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var body = await response.Content.ReadAsStringAsync();
        Assert.Contains("invalid_request", body, StringComparison.Ordinal);
        Assert.Contains("code_challenge", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refresh_token_works_once_and_a_revoked_one_not_at_all()
    {
        using var browser = fixture.Browser();
        var (code, verifier) = await IdentityFixture.CodeAsync(browser, IdentityFixture.Dana);
        var (_, tokens) = await fixture.RedeemAsync(code, verifier);
        var first = tokens.GetProperty("refresh_token").GetString()!;

        var (refreshed, _) = await fixture.RefreshAsync(first);
        // OpenIddict lets a used refresh token be used again for 30 s (two tabs refreshing at once); a replay later is refused.
        fixture.Clock.Offset = TimeSpan.FromMinutes(1);
        (HttpResponseMessage, JsonElement) replay;
        try
        {
            replay = await fixture.RefreshAsync(first);
        }
        finally
        {
            fixture.Clock.Offset = TimeSpan.Zero;
        }
        var (replayed, replayBody) = replay;

        Assert.Equal(HttpStatusCode.OK, refreshed.StatusCode);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (replayed.StatusCode, replayBody.GetProperty("error").GetString()));

        // A fresh chain, revoked as the portal does at sign-out: then refused.
        var (code2, verifier2) = await IdentityFixture.CodeAsync(fixture.Browser(), IdentityFixture.Dana);
        var second = (await fixture.RedeemAsync(code2, verifier2)).Body.GetProperty("refresh_token").GetString()!;
        using var client = fixture.Identity.CreateClient();
        var revoked = await client.PostAsync("/connect/revoke", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["token"] = second, ["token_type_hint"] = "refresh_token", ["client_id"] = IdentityFixture.Portal,
        }));
        Assert.Equal(HttpStatusCode.OK, revoked.StatusCode);
        var (afterRevoke, afterBody) = await fixture.RefreshAsync(second);
        Assert.Equal((HttpStatusCode.BadRequest, "invalid_grant"), (afterRevoke.StatusCode, afterBody.GetProperty("error").GetString()));
    }

    [Fact]
    public async Task Integrator_gets_a_machine_token_with_its_configured_role_and_a_wrong_secret_gets_none()
    {
        var (response, tokens) = await fixture.MachineTokenAsync();
        var (refused, refusal) = await fixture.MachineTokenAsync("not-the-secret-not-the-secret-not-the-secret");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        using var intake = fixture.Intake.CreateClient();
        intake.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", tokens.GetProperty("access_token").GetString());
        Assert.Equal(HttpStatusCode.OK, (await intake.GetAsync("/api/triage")).StatusCode); // a dispatcher's route
        Assert.Equal("invalid_client", refusal.GetProperty("error").GetString());
        Assert.False(refused.IsSuccessStatusCode);
    }

    [Fact]
    public async Task Expired_token_is_refused_and_changes_nothing()
    {
        string expired;
        fixture.Clock.Offset = TimeSpan.FromHours(-2); // issued two hours ago, for 15 minutes
        try
        {
            expired = (await fixture.MachineTokenAsync()).Body.GetProperty("access_token").GetString()!;
        }
        finally
        {
            fixture.Clock.Offset = TimeSpan.Zero;
        }
        var subject = $"Too late {Guid.NewGuid():N}";

        using var intake = fixture.Intake.CreateClient();
        intake.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", expired);
        var response = await intake.PostAsJsonAsync("/api/requests", new
        {
            clientId = IntakeDbContext.DemoClientId, contactEmail = IdentityFixture.Dana, subject, description = "x",
        });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await StoredAsync(subject));
    }

    [Fact]
    public async Task Id_token_presented_as_an_access_token_is_refused_for_its_audience()
    {
        using var browser = fixture.Browser();
        var (code, verifier) = await IdentityFixture.CodeAsync(browser, IdentityFixture.Dana);
        var idToken = (await fixture.RedeemAsync(code, verifier)).Body.GetProperty("id_token").GetString()!;
        Assert.DoesNotContain("servicedesk", new JsonWebToken(idToken).Audiences); // it is for the portal
        var subject = $"Wrong audience {Guid.NewGuid():N}";

        var response = await OpenRequestAsync(idToken, subject);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal(0, await StoredAsync(subject));
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account_and_every_attempt_is_audited()
    {
        using var browser = fixture.Browser();
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            statuses.Add((await IdentityFixture.SignInAsync(browser, "/account/login", IdentityFixture.Lou, "not my password at all")).StatusCode);
        var rightPassword = await IdentityFixture.SignInAsync(browser, "/account/login", IdentityFixture.Lou, IdentityFixture.Password);

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.Unauthorized, 4), HttpStatusCode.Forbidden], statuses);
        Assert.Equal(HttpStatusCode.Forbidden, rightPassword.StatusCode); // locked, however right
        await using var scope = fixture.Identity.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Identity.Api.Data.IdentityDbContext>();
        var kinds = await db.Audit.Where(a => a.UserName == IdentityFixture.Lou).OrderBy(a => a.Id).Select(a => a.Kind).ToListAsync();
        Assert.Equal([AuditKind.UserCreated, .. Enumerable.Repeat(AuditKind.SignInFailed, 4), AuditKind.LockedOut, AuditKind.LockedOut], kinds);
    }

    [Fact]
    public async Task Staff_set_up_an_authenticator_before_their_first_token_and_need_its_code_from_then_on()
    {
        using var browser = fixture.Browser();
        var (verifier, challenge) = IdentityFixture.Pkce();
        var authorize = await browser.GetAsync(IdentityFixture.AuthorizeUrl(challenge));
        var signedIn = await IdentityFixture.SignInAsync(browser, authorize.Headers.Location!.PathAndQuery, IdentityFixture.Tess, IdentityFixture.Password);
        var back = await browser.GetAsync(signedIn.Headers.Location!.OriginalString);

        // No code yet: first the authenticator app.
        Assert.StartsWith("/account/2fa", back.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var setup = await (await browser.GetAsync(back.Headers.Location!.OriginalString)).Content.ReadAsStringAsync();
        var key = System.Text.RegularExpressions.Regex.Match(setup, """<code id="key">([A-Z2-7]+)</code>""").Groups[1].Value;
        var wrong = await IdentityFixture.PostFormAsync(browser, "/account/2fa", setup, new() { ["code"] = "000000" == Totp.Code(key) ? "111111" : "000000" });
        Assert.Equal(HttpStatusCode.BadRequest, wrong.StatusCode);
        var enabled = await IdentityFixture.PostFormAsync(browser, "/account/2fa", setup, new() { ["code"] = Totp.Code(key) });
        Assert.Equal(HttpStatusCode.Redirect, enabled.StatusCode);
        var code = IdentityFixture.CodeFrom(await browser.GetAsync(enabled.Headers.Location!.OriginalString));
        var (response, tokens) = await fixture.RedeemAsync(code, verifier);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("technician", new JsonWebToken(tokens.GetProperty("access_token").GetString()).GetClaim("role").Value);

        // Another browser: the password alone is not enough any more.
        using var other = fixture.Browser();
        var password = await IdentityFixture.SignInAsync(other, "/account/login", IdentityFixture.Tess, IdentityFixture.Password);
        Assert.StartsWith("/account/login/code", password.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var codePage = await (await other.GetAsync(password.Headers.Location!.OriginalString)).Content.ReadAsStringAsync();
        var withCode = await IdentityFixture.PostFormAsync(other, "/account/login/code", codePage, new() { ["code"] = Totp.Code(key) });
        Assert.Equal(HttpStatusCode.Redirect, withCode.StatusCode);

        // Each step is on the audit trail: the wrong code while setting up, and every sign-in.
        var kinds = await AuditOfAsync(IdentityFixture.Tess);
        Assert.Contains(AuditKind.TwoFactorFailed, kinds);
        Assert.Equal(AuditKind.SignedIn, kinds[^1]);
    }

    [Fact]
    public async Task Sign_out_ends_the_session_is_audited_and_the_next_sign_in_asks_for_the_password_again()
    {
        using var browser = fixture.Browser();
        var (code, verifier) = await IdentityFixture.CodeAsync(browser, IdentityFixture.Dana);
        var idToken = (await fixture.RedeemAsync(code, verifier)).Body.GetProperty("id_token").GetString()!;
        var signedOutBefore = (await AuditOfAsync(IdentityFixture.Dana)).Count(k => k == AuditKind.SignedOut);

        var endSession = await browser.GetAsync(new Uri($"/connect/endsession?id_token_hint={idToken}" +
            $"&post_logout_redirect_uri={Uri.EscapeDataString("http://localhost/portal/")}", UriKind.Relative));

        // Back to the portal, one more sign-out on the trail, and the browser's session is gone: no code without a password.
        Assert.Equal(HttpStatusCode.Redirect, endSession.StatusCode);
        Assert.StartsWith("http://localhost/portal/", endSession.Headers.Location!.OriginalString, StringComparison.Ordinal);
        Assert.Equal(signedOutBefore + 1, (await AuditOfAsync(IdentityFixture.Dana)).Count(k => k == AuditKind.SignedOut));
        var again = await browser.GetAsync(new Uri(IdentityFixture.AuthorizeUrl(IdentityFixture.Pkce().Challenge), UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, again.StatusCode);
        Assert.Contains("/account/login", again.Headers.Location!.OriginalString, StringComparison.Ordinal);
    }

    private async Task<List<AuditKind>> AuditOfAsync(string email)
    {
        await using var scope = fixture.Identity.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Identity.Api.Data.IdentityDbContext>();
        return await db.Audit.Where(a => a.UserName == email).OrderBy(a => a.Id).Select(a => a.Kind).ToListAsync();
    }
}

/// <summary>
/// scripts/run.sh: the services keep their local HS256 key (scripts/token.sh mints with it), and the identity service
/// signs access tokens with the same key, so a person who signs in is served too (Identity:LocalSigningKey).
/// </summary>
public sealed class LocalSigningKeyTests : IAsyncLifetime
{
    private Infrastructure _infrastructure = null!;
    private string _virtualHost = null!;
    private IdentityFactory _identity = null!;
    private AppFactory<IntakeDbContext> _intake = null!;

    public async Task InitializeAsync()
    {
        _infrastructure = await Infrastructure.Shared;
        _virtualHost = await _infrastructure.CreateVirtualHostAsync("test-identity-local");
        using var rsa = System.Security.Cryptography.RSA.Create(2048);
        _identity = new IdentityFactory(_infrastructure, _virtualHost, TimeProvider.System, new Dictionary<string, string>
        {
            ["Identity:Issuer"] = "http://localhost/",
            ["Identity:AllowHttp"] = "true",
            ["Identity:LocalSigningKey"] = TestAuth.Options.SigningKey!,
            ["Identity:SigningKeys:0"] = rsa.ExportRSAPrivateKeyPem(),
            ["Identity:EncryptionKeys:0"] = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32)),
            [$"Identity:Applications:{IdentityFixture.Machine}:Secret"] = IdentityFixture.MachineSecret,
            [$"Identity:Applications:{IdentityFixture.Machine}:Role"] = "dispatcher",
        });
        _ = _identity.Server;
        // Intake as scripts/run.sh runs it: the local key, and the identity's issuer.
        _intake = new AppFactory<IntakeDbContext>(_infrastructure, _virtualHost, "intake", new Dictionary<string, string> { ["Auth:Issuer"] = "http://localhost/" });
        _ = _intake.Server;
    }

    public async Task DisposeAsync()
    {
        await _intake.DisposeAsync();
        await _identity.DisposeAsync();
        await _infrastructure.DeleteVirtualHostAsync(_virtualHost);
    }

    [Fact]
    public async Task A_service_on_the_local_key_takes_the_identity_services_access_tokens()
    {
        using var identity = _identity.CreateClient();
        var response = await identity.PostAsync("/connect/token", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["grant_type"] = "client_credentials", ["client_id"] = IdentityFixture.Machine, ["client_secret"] = IdentityFixture.MachineSecret,
        }));
        var token = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("access_token").GetString();
        Assert.Equal("HS256", new JsonWebToken(token).Alg);

        using var intake = _intake.CreateClient();
        intake.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        Assert.Equal(HttpStatusCode.OK, (await intake.GetAsync("/api/triage")).StatusCode);
    }
}
