using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;
using ServiceDesk.Platform;

namespace Identity.Api;

/// <summary>The identity provider's settings ("Identity" section), validated at start-up.</summary>
public sealed class IdentityProviderOptions : IValidatableObject
{
    public const string Section = "Identity";

    /// <summary>The issuer every token names and every service checks (Auth:Issuer there): the public URL, through the gateway.</summary>
    [Required(ErrorMessage = "Identity:Issuer is required (the public URL of the gateway, e.g. \"https://desk.example.com/\").")]
    public string Issuer { get; set; } = "";

    /// <summary>The audience of access tokens (Auth:Audience in the services).</summary>
    public string Audience { get; set; } = "servicedesk";

    /// <summary>
    /// RSA private keys (PEM) that sign tokens, newest first: the first signs, all are published, so tokens signed by the
    /// previous key stay valid until they expire. Rollover: put the new key first, keep the old one until its tokens expired.
    /// </summary>
    public string[] SigningKeys { get; set; } = [];

    /// <summary>
    /// Keys (base64, 32 bytes) that encrypt authorization codes and refresh tokens, newest first; the older ones still decrypt.
    /// </summary>
    public string[] EncryptionKeys { get; set; } = [];

    /// <summary>Plain HTTP, only for an issuer on this machine (127.0.0.1, localhost): local runs and tests.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Local runs only (with <see cref="AllowHttp"/>): the services' shared HS256 key (their Auth:SigningKey). Access tokens
    /// are then signed with it, so services in local-key mode take them beside scripts/token.sh's; id tokens keep the RSA key.
    /// </summary>
    public string? LocalSigningKey { get; set; }

    /// <summary>
    /// Take X-Forwarded-Host/Proto from any proxy, not only loopback ones: for a private container network where only the
    /// gateway reaches this service (docker-compose.yml).
    /// </summary>
    public bool TrustAllProxies { get; set; }

    [Range(1, 24 * 60, ErrorMessage = "Identity:AccessTokenMinutes must be between 1 and 1440.")]
    public int AccessTokenMinutes { get; set; } = 15;

    [Range(1, 90, ErrorMessage = "Identity:RefreshTokenDays must be between 1 and 90.")]
    public int RefreshTokenDays { get; set; } = 14;

    /// <summary>Failed passwords in a row before the account is locked for <see cref="LockoutMinutes"/>.</summary>
    [Range(3, 20, ErrorMessage = "Identity:MaxFailedSignIns must be between 3 and 20.")]
    public int MaxFailedSignIns { get; set; } = 5;

    [Range(1, 24 * 60, ErrorMessage = "Identity:LockoutMinutes must be between 1 and 1440.")]
    public int LockoutMinutes { get; set; } = 15;

    /// <summary>The applications that may ask for tokens, by client id ("portal", "console", an integrator's id).</summary>
    public Dictionary<string, ApplicationOptions> Applications { get; set; } = [];

    /// <summary>
    /// Optional sign-in for staff at the MSP's own OpenID Connect provider (Entra ID, Google Workspace, Keycloak...): when the
    /// section is present, the sign-in page offers it, and an external account signs in as the staff user with its email.
    /// </summary>
    public ExternalProviderOptions? External { get; set; }

    /// <summary>Users created at start-up when missing (demo installs; scripts/run.sh). Never updated once they exist.</summary>
    public List<SeedUser> SeedUsers { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(Issuer, UriKind.Absolute, out var issuer) || !issuer.AbsolutePath.EndsWith('/'))
            yield return new ValidationResult("Identity:Issuer must be an absolute URL ending in '/'.");
        else if (issuer.Scheme != Uri.UriSchemeHttps && !(AllowHttp && issuer.IsLoopback))
            yield return new ValidationResult("Identity:Issuer must be https (Identity:AllowHttp allows http only on 127.0.0.1 or localhost).");

        if (LocalSigningKey is { Length: > 0 } && (LocalSigningKey.Length < 32 || !AllowHttp))
            yield return new ValidationResult("Identity:LocalSigningKey is for local runs: 32+ characters, and only with Identity:AllowHttp.");
        if (SigningKeys.Length == 0) yield return new ValidationResult("Identity:SigningKeys needs at least one RSA private key (PEM).");
        for (var i = 0; i < SigningKeys.Length; i++)
            if (RsaKey(SigningKeys[i]) is null) yield return new ValidationResult($"Identity:SigningKeys:{i} is not an RSA private key in PEM (2048 bits or more).");
        if (EncryptionKeys.Length == 0) yield return new ValidationResult("Identity:EncryptionKeys needs at least one key (base64 of 32 random bytes).");
        for (var i = 0; i < EncryptionKeys.Length; i++)
            if (SymmetricKey(EncryptionKeys[i]) is null) yield return new ValidationResult($"Identity:EncryptionKeys:{i} must be base64 of 32 bytes.");

        foreach (var (id, app) in Applications)
        {
            var key = $"Identity:Applications:{id}";
            if (app.RedirectUris.Length == 0 && app.Secret is null)
                yield return new ValidationResult($"{key} needs RedirectUris (a browser app) or a Secret (an integrator's machine access).");
            if (app.Secret is { Length: < 32 }) yield return new ValidationResult($"{key}:Secret must be at least 32 characters.");
            if (app.RedirectUris.Concat(app.PostLogoutRedirectUris).Any(u => !Uri.TryCreate(u, UriKind.Absolute, out _)))
                yield return new ValidationResult($"{key}: every redirect URI must be absolute.");
            if (app.Secret is not null && !Roles.All.Contains(app.Role))
                yield return new ValidationResult($"{key}:Role must be one of {string.Join(", ", Roles.All)} (what the machine may do).");
            if (app.Secret is not null && Roles.Client.Contains(app.Role ?? "") && app.ClientId is null)
                yield return new ValidationResult($"{key}:ClientId is required for a client role.");
        }
        if (External is { } external)
        {
            if (!Uri.TryCreate(external.Authority, UriKind.Absolute, out var authority))
                yield return new ValidationResult("Identity:External:Authority must be the provider's absolute URL (its issuer).");
            else if (authority.Scheme != Uri.UriSchemeHttps && !(AllowHttp && authority.IsLoopback))
                yield return new ValidationResult("Identity:External:Authority must be https (Identity:AllowHttp allows http only on 127.0.0.1 or localhost).");
            if (string.IsNullOrWhiteSpace(external.ClientId)) yield return new ValidationResult("Identity:External:ClientId is required.");
        }
        foreach (var user in SeedUsers)
        {
            if (!Roles.All.Contains(user.Role)) yield return new ValidationResult($"Identity:SeedUsers {user.Email}: Role must be one of {string.Join(", ", Roles.All)}.");
            if (Roles.Client.Contains(user.Role) && (user.ClientId is null || user.ContactId is null))
                yield return new ValidationResult($"Identity:SeedUsers {user.Email}: a client user needs ClientId and ContactId.");
        }
    }

    internal static RsaSecurityKey? RsaKey(string pem)
    {
        try
        {
            var rsa = RSA.Create();
            rsa.ImportFromPem(pem);
            return rsa.KeySize >= 2048 ? new RsaSecurityKey(rsa) { KeyId = KeyId(rsa) } : null;
        }
        catch (Exception e) when (e is ArgumentException or CryptographicException)
        {
            return null;
        }
    }

    internal static SymmetricSecurityKey? SymmetricKey(string base64)
    {
        var bytes = new byte[64];
        return Convert.TryFromBase64String(base64, bytes, out var length) && length == 32 ? new SymmetricSecurityKey(bytes[..32]) : null;
    }

    /// <summary>A key id from the public key, so every instance publishes the same "kid" for the same key.</summary>
    private static string KeyId(RSA rsa) => Convert.ToHexStringLower(SHA256.HashData(rsa.ExportSubjectPublicKeyInfo()))[..16];
}

public sealed class ApplicationOptions
{
    public string? DisplayName { get; set; }

    /// <summary>Browser apps (portal, console): authorization code + PKCE to these URIs, no secret.</summary>
    public string[] RedirectUris { get; set; } = [];

    public string[] PostLogoutRedirectUris { get; set; } = [];

    /// <summary>Integrators: client credentials with this secret (32+ characters).</summary>
    public string? Secret { get; set; }

    /// <summary>Client credentials: the role the machine acts in.</summary>
    public string? Role { get; set; }

    /// <summary>Client credentials with a client role: the client (tenant) the machine belongs to.</summary>
    public Guid? ClientId { get; set; }
}

public sealed class SeedUser
{
    public string Email { get; set; } = "";
    public string Password { get; set; } = "";
    public string DisplayName { get; set; } = "";
    public string Role { get; set; } = "";
    public Guid? ClientId { get; set; }
    public Guid? ContactId { get; set; }
}

/// <summary>The staff's external OpenID Connect provider ("Identity:External"): code flow with PKCE, scopes openid profile email.</summary>
public sealed class ExternalProviderOptions
{
    /// <summary>The scheme's name, in the callback path (/account/external/callback) and the audit.</summary>
    public const string Scheme = "external";

    public string? Authority { get; set; }
    public string? ClientId { get; set; }

    /// <summary>For a confidential client at the provider; leave out for a public one (PKCE alone).</summary>
    public string? ClientSecret { get; set; }

    /// <summary>What the sign-in page's button says: "Sign in with {DisplayName}".</summary>
    public string DisplayName { get; set; } = "your company account";
}
