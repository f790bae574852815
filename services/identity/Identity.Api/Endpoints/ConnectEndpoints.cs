using System.Security.Claims;
using Identity.Api.Data;
using Identity.Api.Domain;
using Microsoft.AspNetCore;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using OpenIddict.Abstractions;
using OpenIddict.Server.AspNetCore;
using ServiceDesk.Platform;
using static OpenIddict.Abstractions.OpenIddictConstants;
using Claims = OpenIddict.Abstractions.OpenIddictConstants.Claims;

namespace Identity.Api.Endpoints;

/// <summary>
/// The OpenID Connect endpoints OpenIddict passes through to us: who the token is for, and what it says about them.
/// OpenIddict has already validated the request (client, redirect URI, PKCE, grant) when these run.
/// </summary>
public static class ConnectEndpoints
{
    private const string Server = OpenIddictServerAspNetCoreDefaults.AuthenticationScheme;

    public static IEndpointRouteBuilder MapConnectEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/connect/authorize", [HttpMethods.Get, HttpMethods.Post], Authorize).AllowAnonymous().ExcludeFromDescription();
        app.MapPost("/connect/token", Token).AllowAnonymous().ExcludeFromDescription().DisableAntiforgery();
        app.MapMethods("/connect/endsession", [HttpMethods.Get, HttpMethods.Post], EndSession).AllowAnonymous().ExcludeFromDescription();
        app.MapMethods("/connect/userinfo", [HttpMethods.Get, HttpMethods.Post], UserInfo).AllowAnonymous().ExcludeFromDescription();
        return app;
    }

    /// <summary>Authorization code + PKCE: a signed-in person (the cookie) gets a code for the app that asked.</summary>
    private static async Task<IResult> Authorize(HttpContext http, UserManager<User> users, IOptions<IdentityProviderOptions> options)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        var cookie = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        var user = cookie.Succeeded ? await users.GetUserAsync(cookie.Principal) : null;
        if (user is null || request.HasPromptValue(PromptValues.Login))
        {
            if (request.HasPromptValue(PromptValues.None))
                return Refuse(Errors.LoginRequired, "Nobody is signed in.");
            // Back here, with the same request, once signed in.
            return Results.Challenge(new AuthenticationProperties { RedirectUri = http.Request.PathBase + http.Request.Path + QueryString.Create(
                http.Request.HasFormContentType ? [.. http.Request.Form] : [.. http.Request.Query]) }, [IdentityConstants.ApplicationScheme]);
        }
        if (await users.IsLockedOutAsync(user)) return Refuse(Errors.AccessDenied, "The account is locked.");
        if (TwoFactor.Required(user) && !user.TwoFactorEnabled)
            return Results.Redirect($"/account/2fa?returnUrl={Uri.EscapeDataString(http.Request.Path + http.Request.QueryString)}");

        return Results.SignIn(await PrincipalAsync(user, request.GetScopes(), users, options.Value), authenticationScheme: Server);
    }

    /// <summary>
    /// Codes and refresh tokens: the person is read again, so a role change, a lock-out or a removed account takes effect
    /// at the next refresh. Client credentials: the integrator's application as configured.
    /// </summary>
    private static async Task<IResult> Token(HttpContext http, UserManager<User> users, IOptions<IdentityProviderOptions> options)
    {
        var request = http.GetOpenIddictServerRequest() ?? throw new InvalidOperationException("Not an OpenID Connect request.");
        if (request.IsClientCredentialsGrantType())
        {
            if (!options.Value.Applications.TryGetValue(request.ClientId!, out var app) || app.Role is null)
                return Refuse(Errors.UnauthorizedClient, "This application has no machine access.");
            var identity = new ClaimsIdentity(Server, Claims.Name, Claims.Role);
            identity.SetClaim(Claims.Subject, request.ClientId).SetClaim(Claims.Name, app.DisplayName ?? request.ClientId)
                .SetClaim(Claims.Role, app.Role);
            if (app.ClientId is { } tenant) identity.SetClaim(ServiceDesk.Platform.Claims.ClientId, tenant.ToString());
            var machine = new ClaimsPrincipal(identity);
            machine.SetScopes(request.GetScopes());
            machine.SetResources(options.Value.Audience);
            machine.SetDestinations(_ => [Destinations.AccessToken]);
            return Results.SignIn(machine, authenticationScheme: Server);
        }
        if (request.IsAuthorizationCodeGrantType() || request.IsRefreshTokenGrantType())
        {
            var stored = (await http.AuthenticateAsync(Server)).Principal;
            var user = stored?.GetClaim(Claims.Subject) is { } id ? await users.FindByIdAsync(id) : null;
            if (user is null) return Refuse(Errors.InvalidGrant, "The account no longer exists.");
            if (await users.IsLockedOutAsync(user)) return Refuse(Errors.InvalidGrant, "The account is locked.");
            return Results.SignIn(await PrincipalAsync(user, stored!.GetScopes(), users, options.Value), authenticationScheme: Server);
        }
        return Refuse(Errors.UnsupportedGrantType, "This grant type is not supported.");
    }

    /// <summary>Sign-out: ends the identity cookie, then OpenIddict sends the browser to the app's post-logout URI.</summary>
    private static async Task<IResult> EndSession(HttpContext http, SignInManager<User> signIn, UserManager<User> users, AuditTrail audit)
    {
        var cookie = await http.AuthenticateAsync(IdentityConstants.ApplicationScheme);
        if (cookie.Succeeded && await users.GetUserAsync(cookie.Principal) is { } user)
            await audit.WriteAsync(AuditKind.SignedOut, user, user.UserName);
        await signIn.SignOutAsync();
        return Results.SignOut(new AuthenticationProperties { RedirectUri = "/account/signed-out" }, [Server]);
    }

    private static async Task<IResult> UserInfo(HttpContext http, UserManager<User> users)
    {
        var principal = (await http.AuthenticateAsync(Server)).Principal;
        var user = principal?.GetClaim(Claims.Subject) is { } id ? await users.FindByIdAsync(id) : null;
        if (user is null) return Results.Challenge(authenticationSchemes: [Server]);
        return Results.Ok(new Dictionary<string, object?>
        {
            [Claims.Subject] = user.Id.ToString(), [Claims.Name] = user.DisplayName, [Claims.Email] = user.Email, [Claims.Role] = user.Role,
            [ServiceDesk.Platform.Claims.ClientId] = user.ClientId, [ServiceDesk.Platform.Claims.ContactId] = user.ContactId,
        });
    }

    /// <summary>
    /// What a person's tokens say: subject, name, role, and for a client user their client and contact, the claims every
    /// service reads (ServiceDesk.Platform.Claims). All go into the access token; name and role into the id token too.
    /// </summary>
    private static async Task<ClaimsPrincipal> PrincipalAsync(User user, IEnumerable<string> scopes, UserManager<User> users, IdentityProviderOptions options)
    {
        var identity = new ClaimsIdentity(Server, Claims.Name, Claims.Role);
        identity.SetClaim(Claims.Subject, user.Id.ToString())
            .SetClaim(Claims.Name, user.DisplayName)
            .SetClaim(Claims.Email, await users.GetEmailAsync(user))
            .SetClaim(Claims.Role, user.Role);
        if (user.ClientId is { } client) identity.SetClaim(ServiceDesk.Platform.Claims.ClientId, client.ToString());
        if (user.ContactId is { } contact) identity.SetClaim(ServiceDesk.Platform.Claims.ContactId, contact.ToString());

        var principal = new ClaimsPrincipal(identity);
        principal.SetScopes(scopes);
        principal.SetResources(options.Audience);
        principal.SetDestinations(claim => claim.Type is Claims.Name or Claims.Role or Claims.Email
            ? [Destinations.AccessToken, Destinations.IdentityToken]
            : [Destinations.AccessToken]);
        return principal;
    }

    private static IResult Refuse(string error, string description) =>
        Results.Forbid(new AuthenticationProperties(new Dictionary<string, string?>
        {
            [OpenIddictServerAspNetCoreConstants.Properties.Error] = error,
            [OpenIddictServerAspNetCoreConstants.Properties.ErrorDescription] = description,
        }), [Server]);
}

/// <summary>Who must use a second factor: the roles that see several clients' data (ADR 26).</summary>
public static class TwoFactor
{
    public static bool Required(User user) => Roles.AllClients.Contains(user.Role);
}
