using Identity.Api.Data;
using Identity.Api.Domain;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using ServiceDesk.Platform;
using static OpenIddict.Abstractions.OpenIddictConstants;
using Claims = OpenIddict.Abstractions.OpenIddictConstants.Claims;

namespace Identity.Api;

public static class Extensions
{
    /// <summary>
    /// ASP.NET Core Identity for the people (passwords, lock-out, TOTP) and OpenIddict as the OpenID Connect server:
    /// authorization code + PKCE for browser apps, client credentials for integrators, refresh tokens, end session.
    /// </summary>
    public static IHostApplicationBuilder AddIdentityProvider(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IdentityProviderOptions>()
            .BindConfiguration(IdentityProviderOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(IdentityProviderOptions.Section).Get<IdentityProviderOptions>() ?? new();

        builder.Services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<Mailer>();

        builder.AddServiceDatabase<IdentityDbContext>();
        // In the database: a restart or a second instance still reads the cookies and the mailed links it issued.
        builder.Services.AddDataProtection().PersistKeysToDbContext<IdentityDbContext>().SetApplicationName("servicedesk-identity");
        builder.Services.AddScoped<AuditTrail>();
        builder.Services.AddAntiforgery(antiforgery => antiforgery.Cookie.Name = "sd.antiforgery");

        // The people's sign-in cookie, for the identity service's own pages only: the services see nothing but tokens.
        builder.Services.AddAuthentication().AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(cookie =>
        {
            cookie.Cookie.Name = "sd.identity";
            cookie.Cookie.HttpOnly = true;
            cookie.Cookie.SameSite = SameSiteMode.Lax;
            cookie.LoginPath = "/account/login";
            cookie.LogoutPath = "/connect/endsession";
            cookie.ExpireTimeSpan = TimeSpan.FromHours(8);
            cookie.SlidingExpiration = false;
        }));
        if (options.External is { } external)
        {
            // Staff only, and only people who already have an account here: the callback maps the provider's verified
            // email to a staff user (AccountEndpoints.ExternalDone); it creates nobody. docs/adr/0026.
            builder.Services.AddAuthentication().AddOpenIdConnect(ExternalProviderOptions.Scheme, external.DisplayName, oidc =>
            {
                oidc.Authority = external.Authority;
                oidc.ClientId = external.ClientId;
                oidc.ClientSecret = external.ClientSecret;
                oidc.ResponseType = "code";
                oidc.UsePkce = true;
                oidc.Scope.Add("email");
                oidc.CallbackPath = "/account/external/callback";
                oidc.SignInScheme = IdentityConstants.ExternalScheme;
                oidc.RequireHttpsMetadata = !(options.AllowHttp && Uri.TryCreate(external.Authority, UriKind.Absolute, out var uri) && uri.IsLoopback);
                oidc.MapInboundClaims = false;
            });
        }
        builder.Services.AddIdentityCore<User>(identity =>
            {
                identity.User.RequireUniqueEmail = true;
                // NIST SP 800-63B: length over composition rules.
                identity.Password.RequiredLength = 12;
                identity.Password.RequireDigit = false;
                identity.Password.RequireLowercase = false;
                identity.Password.RequireUppercase = false;
                identity.Password.RequireNonAlphanumeric = false;
                identity.Password.RequiredUniqueChars = 4;
                identity.Lockout.AllowedForNewUsers = true;
                identity.Lockout.MaxFailedAccessAttempts = options.MaxFailedSignIns;
                identity.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(options.LockoutMinutes);
                identity.SignIn.RequireConfirmedEmail = false;
                // Invitation and reset links: one day, and one use (bound to the security stamp, which a new password changes).
                identity.Tokens.PasswordResetTokenProvider = TokenOptions.DefaultProvider;
                identity.ClaimsIdentity.UserIdClaimType = Claims.Subject;
                identity.ClaimsIdentity.UserNameClaimType = Claims.Name;
                identity.ClaimsIdentity.RoleClaimType = Claims.Role;
            })
            .AddSignInManager()
            .AddEntityFrameworkStores<IdentityDbContext>()
            .AddDefaultTokenProviders();
        builder.Services.Configure<DataProtectionTokenProviderOptions>(tokens => tokens.TokenLifespan = TimeSpan.FromDays(1));

        builder.Services.AddOpenIddict()
            .AddCore(core => core.UseEntityFrameworkCore().UseDbContext<IdentityDbContext>().ReplaceDefaultEntities<Guid>())
            .AddServer(server =>
            {
                // A missing or bad issuer fails at start-up, named by the options validation.
                if (Uri.TryCreate(options.Issuer, UriKind.Absolute, out var issuer)) server.SetIssuer(issuer);
                server.SetAuthorizationEndpointUris("connect/authorize")
                    .SetTokenEndpointUris("connect/token")
                    .SetEndSessionEndpointUris("connect/endsession")
                    .SetRevocationEndpointUris("connect/revoke")
                    .SetUserInfoEndpointUris("connect/userinfo");
                server.AllowAuthorizationCodeFlow().RequireProofKeyForCodeExchange();
                server.AllowClientCredentialsFlow();
                server.AllowRefreshTokenFlow();
                server.RegisterScopes(Scopes.OpenId, Scopes.Profile, Scopes.Email, Scopes.Roles, Scopes.OfflineAccess);
                server.SetAccessTokenLifetime(TimeSpan.FromMinutes(options.AccessTokenMinutes));
                server.SetRefreshTokenLifetime(TimeSpan.FromDays(options.RefreshTokenDays));

                // Keys from configuration, newest first: the first of each kind is used, all are published or tried,
                // so rolling a key over is configuration (docs/adr/0026).
                // Registered first, so it signs the access tokens (identity tokens need the RSA key that follows).
                if (options.LocalSigningKey is { Length: >= 32 } local)
                    server.AddSigningKey(new Microsoft.IdentityModel.Tokens.SymmetricSecurityKey(System.Text.Encoding.UTF8.GetBytes(local)));
                foreach (var pem in options.SigningKeys)
                    if (IdentityProviderOptions.RsaKey(pem) is { } key) server.AddSigningKey(key);
                foreach (var base64 in options.EncryptionKeys)
                    if (IdentityProviderOptions.SymmetricKey(base64) is { } key) server.AddEncryptionKey(key);
                // The services validate access tokens as plain signed JWTs (the platform's JwtBearer), so they are not encrypted.
                server.DisableAccessTokenEncryption();

                var aspNetCore = server.UseAspNetCore()
                    .EnableAuthorizationEndpointPassthrough()
                    .EnableTokenEndpointPassthrough()
                    .EnableEndSessionEndpointPassthrough()
                    .EnableUserInfoEndpointPassthrough();
                if (options.AllowHttp) aspNetCore.DisableTransportSecurityRequirement(); // validated: loopback issuers only
            });

        // OpenIddict's clock is the service's clock: token lifetimes follow the one TimeProvider (tests move it).
        builder.Services.AddOptions<OpenIddict.Server.OpenIddictServerOptions>()
            .Configure<TimeProvider>((server, clock) => server.TimeProvider = clock);
        builder.Services.AddHostedService<IdentitySeeding>();
        return builder;
    }

    public static WebApplication UseIdentityProvider(this WebApplication app)
    {
        // Behind the gateway: redirects (to the sign-in page, back to the app) name the public host, not 127.0.0.1:5107.
        // Only from loopback proxies, or any with Identity:TrustAllProxies (a container network only the gateway reaches).
        var forwarded = new ForwardedHeadersOptions
        {
            ForwardedHeaders = Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedFor
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedProto
                | Microsoft.AspNetCore.HttpOverrides.ForwardedHeaders.XForwardedHost,
        };
        if (app.Services.GetRequiredService<IOptions<IdentityProviderOptions>>().Value.TrustAllProxies)
        {
            forwarded.KnownIPNetworks.Clear();
            forwarded.KnownProxies.Clear();
        }
        app.UseForwardedHeaders(forwarded);
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }
}

/// <summary>
/// Registers the configured applications (every start: configuration is their source of truth) and creates the seed
/// users that are missing. Runs after the database migrations (hosted services start in order).
/// </summary>
public sealed class IdentitySeeding(IServiceProvider services, IOptions<IdentityProviderOptions> options, ILogger<IdentitySeeding> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var applications = scope.ServiceProvider.GetRequiredService<IOpenIddictApplicationManager>();
        foreach (var (clientId, app) in options.Value.Applications)
        {
            var descriptor = Describe(clientId, app);
            if (await applications.FindByClientIdAsync(clientId, cancellationToken) is { } existing)
                await applications.UpdateAsync(existing, descriptor, cancellationToken);
            else
                await applications.CreateAsync(descriptor, cancellationToken);
        }

        var users = scope.ServiceProvider.GetRequiredService<UserManager<User>>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        foreach (var seed in options.Value.SeedUsers)
        {
            if (await users.FindByEmailAsync(seed.Email) is not null) continue;
            var user = new User
            {
                UserName = seed.Email, Email = seed.Email, EmailConfirmed = true, DisplayName = seed.DisplayName,
                Role = seed.Role, ClientId = seed.ClientId, ContactId = seed.ContactId,
            };
            var created = await users.CreateAsync(user, seed.Password);
            if (!created.Succeeded)
                throw new InvalidOperationException($"Identity:SeedUsers {seed.Email}: {string.Join(" ", created.Errors.Select(e => e.Description))}");
            await audit.WriteAsync(AuditKind.UserCreated, user, seed.Email, $"seeded as {seed.Role}", cancellationToken);
            logger.LogInformation("Created seed user {Email} ({Role})", seed.Email, seed.Role);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static OpenIddictApplicationDescriptor Describe(string clientId, ApplicationOptions app)
    {
        var descriptor = new OpenIddictApplicationDescriptor
        {
            ClientId = clientId,
            DisplayName = app.DisplayName ?? clientId,
            ConsentType = ConsentTypes.Implicit, // first-party apps of the MSP: nobody is asked to consent
        };
        if (app.Secret is not null)
        {
            descriptor.ClientType = ClientTypes.Confidential;
            descriptor.ClientSecret = app.Secret;
            descriptor.Permissions.UnionWith([Permissions.Endpoints.Token, Permissions.Endpoints.Revocation, Permissions.GrantTypes.ClientCredentials]);
        }
        else
        {
            descriptor.ClientType = ClientTypes.Public;
            descriptor.Permissions.UnionWith([
                Permissions.Endpoints.Authorization, Permissions.Endpoints.Token, Permissions.Endpoints.EndSession, Permissions.Endpoints.Revocation,
                Permissions.GrantTypes.AuthorizationCode, Permissions.GrantTypes.RefreshToken, Permissions.ResponseTypes.Code,
                Permissions.Scopes.Profile, Permissions.Scopes.Email, Permissions.Scopes.Roles,
            ]);
            descriptor.Requirements.Add(Requirements.Features.ProofKeyForCodeExchange);
        }
        foreach (var uri in app.RedirectUris) descriptor.RedirectUris.Add(new Uri(uri));
        foreach (var uri in app.PostLogoutRedirectUris) descriptor.PostLogoutRedirectUris.Add(new Uri(uri));
        return descriptor;
    }
}
