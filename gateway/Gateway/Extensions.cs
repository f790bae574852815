using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Globalization;
using System.Security.Claims;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Gateway;

/// <summary>The front door's own settings ("Gateway" section).</summary>
public sealed class GatewayOptions
{
    public const string Section = "Gateway";

    /// <summary>Origins allowed to call the API from a browser (the client portal's). None by default.</summary>
    public string[] PortalOrigins { get; set; } = [];

    /// <summary>Requests one tenant (a client, or one staff member) may make per window.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Gateway:TenantRequestsPerWindow must be at least 1.")]
    public int TenantRequestsPerWindow { get; set; } = 600;

    /// <summary>Requests one channel's webhooks may make per window.</summary>
    [Range(1, int.MaxValue, ErrorMessage = "Gateway:ChannelRequestsPerWindow must be at least 1.")]
    public int ChannelRequestsPerWindow { get; set; } = 1200;

    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Gateway:RateLimitWindow must be between 1 second and 1 hour.")]
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromMinutes(1);
}

public static class Extensions
{
    public const string PerTenant = "per-tenant";
    public const string PerChannel = "per-channel";
    public const string Portal = "portal";

    /// <summary>
    /// The services whose OpenAPI documents the gateway serves at /docs/{service}/openapi.json (a "docs-{service}" route
    /// each). notify's has no operations (it only consumes events), but it answers like the others; identity's describes
    /// its user administration only (its OpenID Connect and account pages are protocol and browser endpoints).
    /// </summary>
    public static readonly string[] DocumentedServices = ["intake", "tickets", "sla", "billing", "notify", "identity"];

    public static IHostApplicationBuilder AddGateway(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewayOptions>()
            .BindConfiguration(GatewayOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(GatewayOptions.Section).Get<GatewayOptions>() ?? new GatewayOptions();

        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));
        builder.Services.AddCors(cors => cors.AddPolicy(Portal, policy => policy
            .WithOrigins(options.PortalOrigins).WithMethods("GET", "POST").WithHeaders("Authorization", "Content-Type", "Idempotency-Key")));

        builder.Services.AddRateLimiter(limiter =>
        {
            // One noisy client cannot starve the others: each tenant and each channel has its own budget.
            limiter.AddPolicy(PerTenant, http => Window(TenantOf(http.User, http), options.TenantRequestsPerWindow, options.RateLimitWindow));
            // Keyed by caller address too: the limit is applied before the signature is checked, so an anonymous
            // flood under a real channel's name must not spend that channel's budget.
            limiter.AddPolicy(PerChannel, http => Window($"channel:{http.GetRouteValue("channel")}:{http.Connection.RemoteIpAddress}",
                options.ChannelRequestsPerWindow, options.RateLimitWindow));
            limiter.OnRejected = async (context, cancellationToken) =>
            {
                var http = context.HttpContext;
                http.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                if (context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter))
                    http.Response.Headers.RetryAfter = Math.Ceiling(retryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);
                await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = http,
                    ProblemDetails = { Status = 429, Title = "Too many requests: wait for Retry-After seconds." },
                });
            };
        });
        return builder;
    }

    /// <summary>
    /// Security headers and correlation id, CORS, the API docs, then identity and limits, before YARP
    /// forwards the request (with its Authorization header and trace context) to the service that re-checks both.
    /// </summary>
    public static WebApplication UseGateway(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            var traceId = Activity.Current?.TraceId.ToString();
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers["X-Correlation-Id"] = traceId;
                headers.XContentTypeOptions = "nosniff";
                headers.XFrameOptions = "DENY";
                headers["Referrer-Policy"] = "no-referrer";
                var path = context.Request.Path;
                headers.ContentSecurityPolicy = path.StartsWithSegments("/docs")
                    ? "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'"
                    // The portal loads its own script and style and calls the API on this origin, nothing else.
                    // The staff console (Blazor on the server): its own script and the hub's websocket on this origin;
                    // MudBlazor sets style attributes and a theme <style>, hence inline styles and nothing else.
                    : path.StartsWithSegments("/console")
                        ? "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
                    : path.StartsWithSegments("/portal")
                        ? "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
                        // The identity service's sign-in pages and the page links' acknowledgement form: forms that post to
                        // this origin and the portal's stylesheet (same origin), no script.
                        : path.StartsWithSegments("/account") || path.StartsWithSegments("/pages")
                            ? "default-src 'none'; style-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
                            : "default-src 'none'; frame-ancestors 'none'";
                return Task.CompletedTask;
            });
            return next();
        });
        app.UseCors();

        // The browsable docs are static files, public like the documents they load (/docs/{service}/openapi.json).
        app.UseSwaggerUI(ui =>
        {
            ui.RoutePrefix = "docs";
            ui.DocumentTitle = "ServiceDesk API";
            foreach (var service in DocumentedServices) ui.SwaggerEndpoint($"/docs/{service}/openapi.json", service);
        });

        // The documents of the services above are YARP routes, whose literal paths win over this one: any other
        // service name is a 404 problem, not the 401 of the fallback policy (there is nothing to authorize).
        app.MapGet("/docs/{service}/openapi.json", (string service) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound,
                title: $"There is no API document for '{service}'.", detail: $"The documents are those of {string.Join(", ", DocumentedServices)}."))
            .AllowAnonymous()
            .ExcludeFromDescription();

        app.UseAuthentication();
        app.UseRateLimiter();
        app.UseAuthorization();
        return app;
    }

    /// <summary>A client's users share their client's budget; staff each have their own; anonymous callers, their address's.</summary>
    private static string TenantOf(ClaimsPrincipal user, HttpContext http)
    {
        if (Roles.Client.Any(user.IsInRole) && user.FindFirstValue(Claims.ClientId) is { } client) return $"client:{client}";
        if (user.Identity?.IsAuthenticated == true) return $"user:{user.Identity.Name}";
        return $"address:{http.Connection.RemoteIpAddress}";
    }

    private static RateLimitPartition<string> Window(string key, int permits, TimeSpan window) =>
        RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
        });
}
