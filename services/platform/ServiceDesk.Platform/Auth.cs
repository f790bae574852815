using System.ComponentModel.DataAnnotations;
using System.Security.Claims;
using System.Text;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace ServiceDesk.Platform;

/// <summary>
/// Who issues the bearer tokens ("Auth" section). Either an OIDC <see cref="Authority"/> whose published keys are
/// trusted, or a shared <see cref="SigningKey"/> (HS256) for local runs and tests, never committed to the repo.
/// </summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    [Required(ErrorMessage = "Auth:Issuer is required.")]
    public string Issuer { get; set; } = "servicedesk-local";

    [Required(ErrorMessage = "Auth:Audience is required.")]
    public string Audience { get; set; } = "servicedesk";

    public string? Authority { get; set; }

    /// <summary>Fetch the <see cref="Authority"/>'s metadata and keys over HTTPS only (a loopback authority is exempt).</summary>
    public bool RequireHttpsMetadata { get; set; } = true;
    public string? SigningKey { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(Authority) && string.IsNullOrWhiteSpace(SigningKey))
            yield return new ValidationResult("Auth:SigningKey (32+ characters) or Auth:Authority (an OIDC issuer) is required.");
        else if (!string.IsNullOrWhiteSpace(Authority) && !string.IsNullOrWhiteSpace(SigningKey))
            yield return new ValidationResult("Set Auth:Authority or Auth:SigningKey, not both: a leftover local key would be trusted beside the issuer.");
        else if (string.IsNullOrWhiteSpace(Authority) && SigningKey!.Length < 32)
            yield return new ValidationResult("Auth:SigningKey must be at least 32 characters.");
    }

    public SymmetricSecurityKey? Key => SigningKey is { Length: > 0 } ? new(Encoding.UTF8.GetBytes(SigningKey)) : null;
}

/// <summary>The roles a token can carry (claim "role").</summary>
public static class Roles
{
    public const string ClientUser = "client-user";
    public const string ClientAdmin = "client-admin";
    public const string Technician = "technician";
    public const string Dispatcher = "dispatcher";
    public const string Billing = "billing";
    public const string Admin = "admin";

    public static readonly string[] All = [ClientUser, ClientAdmin, Technician, Dispatcher, Billing, Admin];
    public static readonly string[] Client = [ClientUser, ClientAdmin];
    public static readonly string[] Staff = [Technician, Dispatcher, Admin];

    /// <summary>Roles that see every client's data (staff, and billing for invoicing).</summary>
    public static readonly string[] AllClients = [Technician, Dispatcher, Billing, Admin];
}

/// <summary>Claims ServiceDesk reads from a token besides "sub" and "role".</summary>
public static class Claims
{
    /// <summary>
    /// The client (tenant) a client user or client admin belongs to. Not "client_id": RFC 9068 gives that name to the OAuth
    /// application a token was issued to, and the identity service (OpenIddict) puts it in every access token (ADR 26).
    /// </summary>
    public const string ClientId = "tenant_id";

    /// <summary>
    /// The contact (in tickets' client directory) a client user signs in as. Requests opened with the token are made as
    /// this contact, to their own address (docs/adr/0025).
    /// </summary>
    public const string ContactId = "contact_id";
}

/// <summary>Authorization policies, by what a route needs.</summary>
public static class Policies
{
    /// <summary>Clients (for their own client) and staff: open requests, read tickets and SLA clocks.</summary>
    public const string ClientsAndStaff = "clients-and-staff";

    /// <summary>Billing and admin.</summary>
    public const string Billing = "billing";

    /// <summary>Technicians, dispatchers and admins: change tickets, write notes and time, run the queues.</summary>
    public const string Staff = "staff";

    /// <summary>Admins only: people and their roles (the identity service's user administration).</summary>
    public const string Admin = "admin";
}

public static class Auth
{
    /// <summary>
    /// Bearer tokens on every route: the fallback policy requires an authenticated caller wherever a route does not
    /// say otherwise, so a new route is born protected. Public routes opt out with AllowAnonymous (health, docs) or
    /// carry their own proof (signed webhooks).
    /// </summary>
    public static IHostApplicationBuilder AddServiceAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        var options = builder.Configuration.GetSection(AuthOptions.Section).Get<AuthOptions>() ?? new AuthOptions();

        builder.Services.AddHttpContextAccessor();
        builder.Services.AddScoped<Tenant>();
        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer(jwt =>
        {
            jwt.MapInboundClaims = false;
            if (!string.IsNullOrWhiteSpace(options.Authority))
            {
                jwt.Authority = options.Authority;
                // The issuer's keys over plain HTTP only from this machine (scripts/run.sh) or where configured (compose).
                jwt.RequireHttpsMetadata = options.RequireHttpsMetadata
                    && !(Uri.TryCreate(options.Authority, UriKind.Absolute, out var authority) && authority.IsLoopback);
            }
            jwt.TokenValidationParameters = new TokenValidationParameters
            {
                ValidIssuer = options.Issuer,
                ValidAudience = options.Audience,
                IssuerSigningKey = options.Key,
                NameClaimType = JwtRegisteredClaimNames.Sub,
                RoleClaimType = "role",
                ClockSkew = TimeSpan.FromSeconds(30),
            };
            jwt.Events = new JwtBearerEvents
            {
                // A client token without a valid client id could otherwise read as "all clients".
                OnTokenValidated = context =>
                {
                    var user = context.Principal!;
                    if (Roles.Client.Any(user.IsInRole) && Tenant.ClientIdOf(user) is null)
                        context.Fail($"A client-user or client-admin token must carry a {Claims.ClientId}.");
                    return Task.CompletedTask;
                },
            };
        });
        builder.Services.AddAuthorizationBuilder()
            // A valid token without a known role is no better than none.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder().RequireAuthenticatedUser().RequireRole(Roles.All).Build())
            .AddPolicy(Policies.ClientsAndStaff, policy => policy.RequireRole([.. Roles.Client, .. Roles.Staff]))
            .AddPolicy(Policies.Billing, policy => policy.RequireRole(Roles.Billing, Roles.Admin))
            .AddPolicy(Policies.Staff, policy => policy.RequireRole(Roles.Staff))
            .AddPolicy(Policies.Admin, policy => policy.RequireRole(Roles.Admin));
        return builder;
    }

    /// <summary>Creates a signed token: for `tools/Tokens` and tests. Production tokens come from the identity provider.</summary>
    public static string CreateToken(AuthOptions options, string subject, string role, Guid? clientId = null,
        DateTimeOffset? expires = null, DateTimeOffset? now = null, Guid? contactId = null)
    {
        var issuedAt = now ?? DateTimeOffset.UtcNow;
        var claims = new Dictionary<string, object> { ["role"] = role };
        if (clientId is not null) claims[Claims.ClientId] = clientId.Value.ToString();
        if (contactId is not null) claims[Claims.ContactId] = contactId.Value.ToString();
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = options.Issuer,
            Audience = options.Audience,
            Subject = new ClaimsIdentity([new Claim(JwtRegisteredClaimNames.Sub, subject)]),
            Claims = claims,
            IssuedAt = issuedAt.UtcDateTime,
            NotBefore = issuedAt.UtcDateTime.AddMinutes(-1),
            Expires = (expires ?? issuedAt.AddHours(8)).UtcDateTime,
            SigningCredentials = new SigningCredentials(options.Key ?? throw new InvalidOperationException("Auth:SigningKey is required to mint tokens."),
                SecurityAlgorithms.HmacSha256),
        });
    }
}

/// <summary>
/// The client whose data the current caller may see. Services filter every query with it themselves, so a gateway
/// mistake alone cannot leak another tenant's data. It fails closed: null (every client) only for staff and billing
/// callers and for the service's own work outside a request (consumers); a client user gets their client; any other
/// caller (anonymous, or a token without a known role) gets <see cref="Guid.Empty"/>, which matches no row.
/// </summary>
public sealed class Tenant(IHttpContextAccessor http)
{
    public Guid? ClientId { get; } = Resolve(http.HttpContext);

    /// <summary>True when the caller is a client user limited to one client.</summary>
    public bool IsClient => ClientId is { } id && id != Guid.Empty;

    private static Guid? Resolve(HttpContext? context)
    {
        if (context is null) return null;
        var user = context.User;
        if (Roles.Client.Any(user.IsInRole)) return ClientIdOf(user) ?? Guid.Empty;
        return Roles.AllClients.Any(user.IsInRole) ? null : Guid.Empty;
    }

    /// <summary>The contact a client caller speaks as (claim "contact_id"); null for staff and for a token without one.</summary>
    public Guid? ContactId { get; } = http.HttpContext is { } context && Roles.Client.Any(context.User.IsInRole)
        ? GuidClaim(context.User, Claims.ContactId) : null;

    /// <summary>
    /// A client user (not a client admin) bound to a contact sees only that contact's own tickets, a client admin the whole
    /// company's (issue 14). Null for staff, client admins and client tokens that name no contact (those read their client's).
    /// </summary>
    public Guid? OwnTicketsOf { get; } = http.HttpContext is { } context && context.User.IsInRole(Roles.ClientUser)
        && !context.User.IsInRole(Roles.ClientAdmin) ? GuidClaim(context.User, Claims.ContactId) : null;

    internal static Guid? ClientIdOf(ClaimsPrincipal user) => GuidClaim(user, Claims.ClientId);

    private static Guid? GuidClaim(ClaimsPrincipal user, string type) =>
        Guid.TryParse(user.FindFirstValue(type), out var id) && id != Guid.Empty ? id : null;
}
