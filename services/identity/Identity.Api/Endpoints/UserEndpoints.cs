using System.Net.Mail;
using Identity.Api.Data;
using Identity.Api.Domain;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Identity.Api.Endpoints;

/// <param name="ClientId">For a client role: the client the person belongs to.</param>
/// <param name="ContactId">For a client role: their contact in tickets' directory (intake checks it belongs to the client).</param>
public sealed record Invitation(string? Email, string? DisplayName, string? Role, Guid? ClientId, Guid? ContactId);

public sealed record RoleChange(string? Role);

/// <summary>
/// People, managed by admins with a bearer token like every API: invite (a one-time link by mail sets the password) and
/// change a role. Every change is audited.
/// </summary>
public static class UserEndpoints
{
    /// <summary>The purpose an invitation token is bound to: it opens nothing else.</summary>
    public const string InvitationPurpose = "invitation";

    public static IEndpointRouteBuilder MapUserEndpoints(this IEndpointRouteBuilder app)
    {
        var users = app.MapGroup("/api/identity/users").RequireAuthorization(Policies.Admin);
        users.MapPost("/invitations", Invite).Produces(StatusCodes.Status201Created).ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        users.MapPut("/{id:guid}/role", ChangeRole).ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> Invite(Invitation body, UserManager<User> users, Mailer mailer, AuditTrail audit,
        IOptions<IdentityProviderOptions> options, HttpContext http, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (string.IsNullOrWhiteSpace(body.Email) || !MailAddress.TryCreate(body.Email.Trim(), out var address) || address.Address != body.Email.Trim())
            errors["email"] = ["A bare email address."];
        if (string.IsNullOrWhiteSpace(body.DisplayName) || body.DisplayName.Length > 200) errors["displayName"] = ["Required, at most 200 characters."];
        if (body.Role is null || !Roles.All.Contains(body.Role)) errors["role"] = [$"One of {string.Join(", ", Roles.All)}."];
        else if (Roles.Client.Contains(body.Role))
        {
            if (body.ClientId is null || body.ClientId == Guid.Empty) errors["clientId"] = ["Required for a client role."];
            if (body.ContactId is null || body.ContactId == Guid.Empty) errors["contactId"] = ["Required for a client role: the contact they sign in as."];
        }
        else if (body.ClientId is not null || body.ContactId is not null) errors["clientId"] = ["Staff belong to no client."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var email = body.Email!.Trim();
        if (await users.FindByEmailAsync(email) is not null)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"{email} already has an account.");
        var user = new User
        {
            UserName = email, Email = email, DisplayName = body.DisplayName!.Trim(), Role = body.Role!,
            ClientId = body.ClientId, ContactId = body.ContactId,
        };
        var created = await users.CreateAsync(user); // no password: the invitation sets it
        if (!created.Succeeded)
            return created.Errors.Any(e => e.Code == nameof(IdentityErrorDescriber.DuplicateEmail) || e.Code == nameof(IdentityErrorDescriber.DuplicateUserName))
                ? TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"{email} already has an account.")
                : TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The account could not be created.",
                    detail: string.Join(" ", created.Errors.Select(e => e.Description)));

        // One-time: the token is bound to the account's security stamp, which setting the password changes.
        var token = await users.GenerateUserTokenAsync(user, TokenOptions.DefaultProvider, InvitationPurpose);
        var link = $"{options.Value.Issuer}account/invitation?user={user.Id}&token={Uri.EscapeDataString(token)}";
        await mailer.SendAsync(email, "You are invited to ServiceDesk",
            $"Hello {user.DisplayName},\n\nyou have been invited to ServiceDesk. Choose your password here (the link works once, within a day):\n\n{link}\n",
            cancellationToken);
        await audit.WriteAsync(AuditKind.UserCreated, user, email, $"invited as {user.Role} by {http.User.Identity?.Name}", cancellationToken);
        return TypedResults.Created($"/api/identity/users/{user.Id}", new { id = user.Id, user.Email, user.Role });
    }

    private static async Task<IResult> ChangeRole(Guid id, RoleChange body, UserManager<User> users, AuditTrail audit, HttpContext http,
        CancellationToken cancellationToken)
    {
        if (body.Role is null || !Roles.All.Contains(body.Role))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = [$"One of {string.Join(", ", Roles.All)}."] });
        var user = await users.FindByIdAsync(id.ToString());
        if (user is null) return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such user.");
        if (Roles.Client.Contains(body.Role) != Roles.Client.Contains(user.Role))
            return TypedResults.ValidationProblem(new Dictionary<string, string[]>
            {
                ["role"] = ["A client user stays a client role and staff a staff role: invite the person again instead."],
            });
        var before = user.Role;
        user.Role = body.Role;
        await users.UpdateAsync(user);
        await users.UpdateSecurityStampAsync(user); // the next refresh reads the new role; sessions re-check the stamp
        await audit.WriteAsync(AuditKind.RoleChanged, user, user.UserName, $"{before} -> {body.Role} by {http.User.Identity?.Name}", cancellationToken);
        return TypedResults.Ok(new { id = user.Id, user.Role });
    }
}
