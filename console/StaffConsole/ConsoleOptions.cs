using System.ComponentModel.DataAnnotations;

namespace StaffConsole;

/// <summary>The console's settings ("Console" section), validated at start-up.</summary>
public sealed class ConsoleOptions : IValidatableObject
{
    public const string Section = "Console";

    /// <summary>
    /// Where this server reaches the gateway (API calls with the user's token, the identity service's metadata, keys and
    /// token endpoint). The browser reaches the gateway at the address it used for the console itself.
    /// </summary>
    [Required(ErrorMessage = "Console:Gateway is required (the gateway's URL as this server reaches it, e.g. \"http://127.0.0.1:5100/\").")]
    public Uri? Gateway { get; set; }

    /// <summary>The OpenID Connect client id registered at the identity service (Identity:Applications:console).</summary>
    [Required(ErrorMessage = "Console:ClientId is required.")]
    public string ClientId { get; set; } = "console";

    /// <summary>Plain HTTP to a gateway that is not on this machine: only on a private network (docker-compose.yml).</summary>
    public bool AllowHttpGateway { get; set; }

    /// <summary>Take X-Forwarded-Host/Proto from any proxy, not only loopback ones (a container network only the gateway reaches).</summary>
    public bool TrustAllProxies { get; set; }

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Gateway is { } gateway && (!gateway.IsAbsoluteUri || gateway.Scheme is not ("http" or "https")))
            yield return new ValidationResult("Console:Gateway must be an absolute http(s) URL.");
        else if (Gateway is { Scheme: "http" } http && !http.IsLoopback && !AllowHttpGateway)
            yield return new ValidationResult("Console:Gateway must be https (Console:AllowHttpGateway allows http on a private network).");
    }
}
