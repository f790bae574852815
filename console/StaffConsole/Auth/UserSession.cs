using System.Globalization;
using System.Net.Http.Json;
using System.Security.Claims;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Server.Circuits;
using Microsoft.Extensions.Options;

namespace StaffConsole.Auth;

/// <summary>
/// The signed-in person of one circuit (one browser tab) and their tokens, taken from the console's cookie when the circuit
/// opens. Every API call is made with <see cref="AccessTokenAsync"/>: the user's own token, renewed with the refresh token
/// shortly before it expires, so a console left open all day keeps working (docs/adr/0043).
/// </summary>
public sealed class UserSession(IHttpClientFactory http, IOptions<ConsoleOptions> options, TimeProvider clock)
{
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private string? _accessToken;
    private string? _refreshToken;
    private DateTimeOffset _expiresAt;

    public ClaimsPrincipal User { get; private set; } = new();

    /// <summary>The token's subject: what the tickets service records as assignee and actor.</summary>
    public string? Subject => User.FindFirstValue("sub");

    public string Name => User.FindFirstValue("name") ?? Subject ?? "someone";

    public bool IsSignedIn => _accessToken is not null;

    /// <summary>Staff's names by subject (identity's staff directory), read once per circuit by <c>DeskApi.LoadPeopleAsync</c>.</summary>
    public IReadOnlyDictionary<string, string> People { get; internal set; } = new Dictionary<string, string>();

    internal async Task LoadAsync(HttpContext context)
    {
        var cookie = await context.AuthenticateAsync(CookieAuthenticationDefaults.AuthenticationScheme);
        if (!cookie.Succeeded) return;
        User = cookie.Principal;
        _accessToken = cookie.Properties.GetTokenValue("access_token");
        _refreshToken = cookie.Properties.GetTokenValue("refresh_token");
        _expiresAt = DateTimeOffset.TryParse(cookie.Properties.GetTokenValue("expires_at"), CultureInfo.InvariantCulture, DateTimeStyles.None, out var at)
            ? at : DateTimeOffset.MinValue;
    }

    /// <summary>The access token, refreshed when it has less than a minute left; null when signed out or the refresh failed.</summary>
    public async Task<string?> AccessTokenAsync(CancellationToken cancellationToken)
    {
        if (_accessToken is null || _expiresAt - clock.GetUtcNow() > TimeSpan.FromMinutes(1) || _refreshToken is null) return _accessToken;
        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            if (_expiresAt - clock.GetUtcNow() > TimeSpan.FromMinutes(1)) return _accessToken;
            using var response = await http.CreateClient(Extensions.Gateway).PostAsync(new Uri("connect/token", UriKind.Relative),
                new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "refresh_token", ["refresh_token"] = _refreshToken, ["client_id"] = options.Value.ClientId,
                }), cancellationToken);
            if (!response.IsSuccessStatusCode) return _accessToken = null; // locked out, removed, or revoked: sign in again
            var tokens = await response.Content.ReadFromJsonAsync<TokenResponse>(cancellationToken);
            _accessToken = tokens!.AccessToken;
            _refreshToken = tokens.RefreshToken ?? _refreshToken;
            _expiresAt = clock.GetUtcNow().AddSeconds(tokens.ExpiresIn);
            return _accessToken;
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private sealed record TokenResponse(
        [property: JsonPropertyName("access_token")] string AccessToken,
        [property: JsonPropertyName("refresh_token")] string? RefreshToken,
        [property: JsonPropertyName("expires_in")] int ExpiresIn);
}

/// <summary>
/// Fills the circuit's <see cref="UserSession"/> from the request that opened it (the Blazor hub's, which carries the
/// console's cookie): the only moment the circuit sees an HTTP request.
/// </summary>
internal sealed class UserSessionCircuitHandler(IHttpContextAccessor accessor, UserSession session) : CircuitHandler
{
    public override Task OnCircuitOpenedAsync(Circuit circuit, CancellationToken cancellationToken) =>
        accessor.HttpContext is { } context ? session.LoadAsync(context) : Task.CompletedTask;
}
