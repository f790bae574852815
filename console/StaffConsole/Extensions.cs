using MassTransit;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using MudBlazor.Services;
using ServiceDesk.Platform;
using StaffConsole.Api;
using StaffConsole.Auth;
using StaffConsole.Components;
using StaffConsole.Live;

namespace StaffConsole;

public static class Extensions
{
    /// <summary>The path the gateway routes to the console; every page, asset and the Blazor hub live under it.</summary>
    public const string PathBase = "/console";

    /// <summary>The named HttpClient that reaches the gateway (API calls, the identity service's metadata and tokens).</summary>
    public const string Gateway = "gateway";

    /// <summary>Staff only, by the console's cookie or, for scripts and the tests, a bearer token: a client's gets 403.</summary>
    public const string StaffPolicy = "console-staff";

    /// <summary>Cookie for a browser, the platform's JwtBearer when a request carries a bearer token.</summary>
    private const string CookieOrBearer = "cookie-or-bearer";

    /// <summary>Name and role in the id token; a refresh token (offline_access) renews the access token in a long session.</summary>
    private static readonly string[] Scopes = ["openid", "profile", "roles", "offline_access"];

    public static IHostApplicationBuilder AddStaffConsole(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConsoleOptions>().BindConfiguration(ConsoleOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        var options = builder.Configuration.GetSection(ConsoleOptions.Section).Get<ConsoleOptions>() ?? new();
        var gateway = options.Gateway ?? new Uri("http://127.0.0.1/"); // validated at start-up
        builder.Services.AddHttpClient(Gateway, client => client.BaseAddress = gateway);

        AddSignIn(builder, options, gateway);

        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddMudServices();
        builder.Services.AddScoped<UserSession>();
        builder.Services.AddScoped<CircuitHandler, UserSessionCircuitHandler>();
        builder.Services.AddScoped<DeskApi>();
        builder.Services.AddSingleton<TicketFeed>();
        builder.Services.AddSingleton<Presence>();
        AddLiveFeed(builder);
        return builder;
    }

    /// <summary>
    /// OpenID Connect (authorization code + PKCE) at the identity service through the gateway, then a cookie session that
    /// keeps the user's tokens for the API calls (docs/adr/0043).
    /// </summary>
    private static void AddSignIn(IHostApplicationBuilder builder, ConsoleOptions options, Uri gateway)
    {
        builder.Services.AddAuthentication(authentication =>
            {
                authentication.DefaultScheme = CookieOrBearer;
                authentication.DefaultChallengeScheme = CookieOrBearer;
                authentication.DefaultSignInScheme = CookieAuthenticationDefaults.AuthenticationScheme;
            })
            .AddPolicyScheme(CookieOrBearer, "Cookie, or a bearer token", policy => policy.ForwardDefaultSelector = context =>
                context.Request.Headers.Authorization.ToString().StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
                    ? JwtBearerDefaults.AuthenticationScheme
                    : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddCookie(cookie =>
            {
                cookie.Cookie.Name = "sd.console";
                cookie.Cookie.HttpOnly = true;
                cookie.Cookie.SameSite = SameSiteMode.Lax;
                cookie.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                cookie.Cookie.Path = PathBase;
                cookie.ExpireTimeSpan = TimeSpan.FromHours(12); // a shift; the identity service's own session is 8 h
                cookie.SlidingExpiration = false;
                cookie.ForwardChallenge = OpenIdConnectDefaults.AuthenticationScheme;
                // Signed in, but not staff (a client's contact): a plain 403, not a redirect to a page that would say the same.
                // Staff who are not admins get the same on the admin screens, which say so.
                cookie.Events.OnRedirectToAccessDenied = async context =>
                {
                    context.Response.StatusCode = StatusCodes.Status403Forbidden;
                    context.Response.ContentType = "text/html; charset=utf-8";
                    var (title, text) = context.Request.Path.StartsWithSegments("/admin")
                        ? ("Admins only", "These screens are for the desk's admins. Your other screens are in the <a href=\"/console/\">console</a>.")
                        : ("Staff only", "The console is for the service desk's staff. Clients use the <a href=\"/portal/\">portal</a>.");
                    await context.Response.WriteAsync($"""
                        <!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title} · ServiceDesk</title></head>
                        <body><main><h1>{title}</h1><p>{text}</p>
                        <form method="post" action="/console/signout"><button type="submit">Sign out</button></form></main></body></html>
                        """);
                };
            })
            .AddOpenIdConnect(oidc =>
            {
                oidc.ClientId = options.ClientId;
                oidc.ResponseType = OpenIdConnectResponseType.Code;
                // The code in the query, not form_post: the identity service's pages run no script (its CSP forbids it).
                oidc.ResponseMode = OpenIdConnectResponseMode.Query;
                oidc.UsePkce = true;
                oidc.Scope.Clear();
                foreach (var scope in Scopes) oidc.Scope.Add(scope);
                oidc.SaveTokens = true;
                oidc.MapInboundClaims = false;
                oidc.GetClaimsFromUserInfoEndpoint = false;
                oidc.TokenValidationParameters.NameClaimType = "name";
                oidc.TokenValidationParameters.RoleClaimType = "role";
                oidc.CallbackPath = "/signin-oidc";
                oidc.SignedOutCallbackPath = "/signout-callback-oidc";
                oidc.SignedOutRedirectUri = PathBase + "/";
                oidc.CorrelationCookie.SameSite = SameSiteMode.Lax;
                oidc.CorrelationCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                oidc.NonceCookie.SameSite = SameSiteMode.Lax;
                oidc.NonceCookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                oidc.RequireHttpsMetadata = gateway.Scheme == Uri.UriSchemeHttps;
                var metadata = new Uri(gateway, ".well-known/openid-configuration").ToString();
                oidc.ConfigurationManager = new ConfigurationManager<OpenIdConnectConfiguration>(metadata, new GatewayMetadata(gateway),
                    new HttpDocumentRetriever { RequireHttps = oidc.RequireHttpsMetadata });
                oidc.Events.OnRedirectToIdentityProvider = context =>
                {
                    context.ProtocolMessage.IssuerAddress = PublicUrl(context.Request, "/connect/authorize");
                    return Task.CompletedTask;
                };
                oidc.Events.OnRedirectToIdentityProviderForSignOut = context =>
                {
                    context.ProtocolMessage.IssuerAddress = PublicUrl(context.Request, "/connect/endsession");
                    return Task.CompletedTask;
                };
            });
        builder.Services.AddOptions<OpenIdConnectOptions>(OpenIdConnectDefaults.AuthenticationScheme)
            .Configure<IHttpClientFactory>((oidc, http) => oidc.Backchannel = http.CreateClient(Gateway));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(StaffPolicy, policy => policy.RequireAuthenticatedUser().RequireRole(Roles.Staff));

        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            // Behind the gateway: the redirect URI and the links name the address the browser used, not 127.0.0.1:port.
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto | ForwardedHeaders.XForwardedHost;
            if (options.TrustAllProxies)
            {
                forwarded.KnownIPNetworks.Clear();
                forwarded.KnownProxies.Clear();
            }
        });
    }

    /// <summary>The identity service's page on the origin the browser used for the console (the gateway's).</summary>
    private static string PublicUrl(HttpRequest request, string path) => $"{request.Scheme}://{request.Host}{path}";

    /// <summary>
    /// The bus, for the live feed only: one queue per console instance, deleted when the instance stops, since what it
    /// feeds lives in this process's memory (docs/adr/0044).
    /// </summary>
    private static void AddLiveFeed(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RabbitMqOptions>().BindConfiguration(RabbitMqOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<MassTransitHostOptions>().Configure(host => host.WaitUntilStarted = true);
        builder.Services.AddMassTransit(bus =>
        {
            bus.DisableUsageTelemetry();
            bus.AddConsumer<TicketEventsConsumer>();
            bus.UsingRabbitMq((context, rabbit) =>
            {
                var options = context.GetRequiredService<IOptions<RabbitMqOptions>>().Value;
                rabbit.Host(options.Host, (ushort)options.Port, options.VirtualHost, host =>
                {
                    host.Username(options.Username);
                    host.Password(options.Password);
                });
                rabbit.ReceiveEndpoint(new TemporaryEndpointDefinition("console"), endpoint =>
                {
                    endpoint.ConfigureConsumeTopology = true;
                    endpoint.ConfigureConsumer<TicketEventsConsumer>(context);
                });
            });
        });
    }

    public static WebApplication UseStaffConsole(this WebApplication app)
    {
        app.UseForwardedHeaders();
        app.UsePathBase(PathBase);
        app.UseRouting(); // after the path base, so that routes match without "/console"
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();
        return app;
    }

    public static WebApplication MapStaffConsole(this WebApplication app)
    {
        app.MapStaticAssets().AllowAnonymous();
        // The pages and the Blazor hub (the live connection) alike: staff only.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode().RequireAuthorization(StaffPolicy);
        // The conversation's files as links: the browser holds no token, so the console fetches the file through the gateway
        // with the person's own (intake decides whether they may have it) and passes it on as a download.
        app.MapGet("/files/requests/{requestId:guid}/{attachmentId:guid}", (Guid requestId, Guid attachmentId, HttpContext context, IHttpClientFactory http) =>
            DownloadAsync($"api/requests/{requestId}/attachments/{attachmentId}", context, http)).RequireAuthorization(StaffPolicy);
        app.MapGet("/files/tickets/{ticketId:guid}/{attachmentId:guid}", (Guid ticketId, Guid attachmentId, HttpContext context, IHttpClientFactory http) =>
            DownloadAsync($"api/tickets/{ticketId}/attachments/{attachmentId}", context, http)).RequireAuthorization(StaffPolicy);
        app.MapGet("/signin", () => Results.Challenge(new AuthenticationProperties { RedirectUri = PathBase + "/" },
            [OpenIdConnectDefaults.AuthenticationScheme])).AllowAnonymous();
        app.MapPost("/signout", () => Results.SignOut(new AuthenticationProperties { RedirectUri = PathBase + "/" },
            [CookieAuthenticationDefaults.AuthenticationScheme, OpenIdConnectDefaults.AuthenticationScheme])).AllowAnonymous().DisableAntiforgery();
        return app;
    }

    /// <param name="path">Intake's file of a client's request, or tickets' file of a staff reply or note.</param>
    private static async Task DownloadAsync(string path, HttpContext context, IHttpClientFactory http)
    {
        var header = context.Request.Headers.Authorization.ToString();
        var token = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? header["Bearer ".Length..].Trim()
            : await context.GetTokenAsync(CookieAuthenticationDefaults.AuthenticationScheme, "access_token");
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        using var response = await http.CreateClient(Gateway).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, context.RequestAborted);
        // A refusal keeps its status (an expired session is 401: reloading the page signs in again); the body is not passed on.
        context.Response.StatusCode = (int)response.StatusCode;
        if (!response.IsSuccessStatusCode) return;
        // Whatever a sender attached is a download, never a page of the console's (intake sends the same headers).
        context.Response.ContentType = response.Content.Headers.ContentType?.ToString() ?? "application/octet-stream";
        context.Response.Headers.ContentDisposition = response.Content.Headers.ContentDisposition?.ToString() ?? "attachment";
        context.Response.Headers.XContentTypeOptions = "nosniff";
        context.Response.Headers.ContentSecurityPolicy = "sandbox";
        await response.Content.CopyToAsync(context.Response.Body, context.RequestAborted);
    }
}
