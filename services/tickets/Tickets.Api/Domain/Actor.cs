using System.Security.Claims;

namespace Tickets.Api.Domain;

/// <summary>Who made a change and through which channel: what the audit trail and every event carry.</summary>
public sealed record Actor(string Subject, string Channel)
{
    /// <summary>Changes made through this service's HTTP API (the staff console and the portal use it).</summary>
    public const string Web = "web";

    /// <summary>The token's subject; the role policies have already required an authenticated caller.</summary>
    public static Actor Of(ClaimsPrincipal user) => new(user.Identity?.Name ?? "unknown", Web);

    /// <summary>A change a message caused: "system:notify" through "notify".</summary>
    public static Actor System(string service) => new($"system:{service}", service);
}
