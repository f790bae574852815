using System.ComponentModel.DataAnnotations;

namespace Notify.Api.Sending;

/// <summary>How notify retries ("Notify" section).</summary>
public sealed class NotifyOptions : IValidatableObject
{
    public const string Section = "Notify";

    /// <summary>
    /// The wait before each retry of a transient failure (a provider down, a 4xx SMTP answer, a 429): attempt n+1 waits
    /// RetryDelays[n-1]. After the last one the delivery fails for good and the ledger shows why.
    /// </summary>
    /// Unset: 30 s, 2 min, 10 min, 30 min, 2 h. (Not a property initialiser: the binder would append to it.)
    public TimeSpan[]? RetryDelays { get; set; }

    public static readonly TimeSpan[] DefaultRetryDelays =
        [TimeSpan.FromSeconds(30), TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(10), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2)];

    public TimeSpan[] Delays => RetryDelays is { Length: > 0 } delays ? delays : DefaultRetryDelays;

    /// <summary>The bearer token the MTA presents to post bounces (DSNs) to /api/notify/bounces; unset = the route is off (404).</summary>
    public string? BounceToken { get; set; }

    /// <summary>
    /// The gateway's public address (e.g. https://desk.example.com): pages carry their one-tap acknowledgement link on
    /// it. Unset: pages say how to acknowledge in the API instead.
    /// </summary>
    public Uri? PublicBaseUrl { get; set; }

    public int MaxAttempts => Delays.Length + 1;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Delays.Any(d => d <= TimeSpan.Zero || d > TimeSpan.FromDays(1)))
            yield return new ValidationResult("Notify:RetryDelays must each be between 0 and 1 day (e.g. \"00:00:30\").", [nameof(RetryDelays)]);
        if (PublicBaseUrl is { } url && (!url.IsAbsoluteUri || url.Scheme is not ("https" or "http")))
            yield return new ValidationResult("Notify:PublicBaseUrl must be an absolute http(s) URL (e.g. https://desk.example.com).", [nameof(PublicBaseUrl)]);
        if (BounceToken is { Length: > 0 and < 32 })
            yield return new ValidationResult("Notify:BounceToken must be at least 32 characters.", [nameof(BounceToken)]);
    }
}

/// <summary>One member of staff: where their alerts go.</summary>
public sealed class StaffMember
{
    [EmailAddress(ErrorMessage = "Staff:People:*:Email must be a mail address.")]
    public string? Email { get; set; }

    /// <summary>E.164; SLA breaches also go here by SMS, and a P1's by a call.</summary>
    public string? Phone { get; set; }
}

/// <summary>
/// Whom staff alerts go to ("Staff" section) until the after-hours issue brings rotations: the ticket's assignee when
/// known here, else its team's address, else the desk's.
/// </summary>
public sealed class StaffOptions : IValidatableObject
{
    public const string Section = "Staff";

    public string? Desk { get; set; }
    /// <summary>Team id → the team's address. (Keys are strings: the configuration binder cannot key a dictionary by Guid.)</summary>
    public Dictionary<string, string> Teams { get; set; } = new(StringComparer.OrdinalIgnoreCase);
    /// <summary>User name (as tickets names the assignee) → addresses.</summary>
    public Dictionary<string, StaffMember> People { get; set; } = new(StringComparer.Ordinal);
    /// <summary>Integrators (names in the Webhooks section, e.g. a chat or paging tool) that get every staff alert too.</summary>
    public string[] Webhooks { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        bool IsMail(string? a) => a is not null && MimeKit.MailboxAddress.TryParse(a, out var m) && m.Address.Contains('@');
        if (Desk is not null && !IsMail(Desk)) yield return new ValidationResult("Staff:Desk must be a mail address.", [nameof(Desk)]);
        foreach (var (team, address) in Teams.Where(t => !IsMail(t.Value) || !Guid.TryParse(t.Key, out _)))
            yield return new ValidationResult($"Staff:Teams:{team} must be a team id with a mail address.", [nameof(Teams)]);
        foreach (var (name, person) in People)
        {
            if (person.Email is not null && !IsMail(person.Email)) yield return new ValidationResult($"Staff:People:{name}:Email must be a mail address.");
            if (person.Phone is not null && !Channels.PhoneNumbers.IsE164(person.Phone))
                yield return new ValidationResult($"Staff:People:{name}:Phone must be in E.164 form (e.g. +15005550006).");
        }
    }
}
