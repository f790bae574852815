using Microsoft.AspNetCore.Identity;

namespace Identity.Api.Domain;

/// <summary>
/// Someone who signs in: staff (technician, dispatcher, billing, admin) or a client contact. A contact is bound to one
/// client and one contact record of tickets' directory, and every token they get names both (docs/adr/0025, 0026).
/// </summary>
public sealed class User : IdentityUser<Guid>
{
    public required string DisplayName { get; set; }

    /// <summary>The client a client user or client admin belongs to; null for staff.</summary>
    public Guid? ClientId { get; set; }

    /// <summary>The contact (in tickets' directory) a client user speaks as; null for staff.</summary>
    public Guid? ContactId { get; set; }

    /// <summary>One of <see cref="ServiceDesk.Platform.Roles.All"/>: a user has exactly one role.</summary>
    public required string Role { get; set; }
}

/// <summary>What the audit keeps: every sign-in, failure, lock-out, sign-out, token refusal and role change.</summary>
public enum AuditKind
{
    SignedIn,
    SignInFailed,
    LockedOut,
    SignedOut,
    TwoFactorFailed,
    RoleChanged,
    UserCreated,
    PasswordSet,
    PasswordResetRequested,
}

/// <summary>One line of the audit trail, never updated or deleted by the service.</summary>
public sealed class AuditEvent
{
    public long Id { get; init; }
    public DateTimeOffset At { get; init; }
    public AuditKind Kind { get; init; }
    public Guid? UserId { get; init; }

    /// <summary>What the person typed (a failed sign-in may name nobody we know).</summary>
    public string? UserName { get; init; }

    public string? RemoteAddress { get; init; }
    public string? Detail { get; init; }
}
