using Identity.Api.Data;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Identity.Api.Endpoints;

/// <param name="Id">The person's subject: what tickets record as assignee, author and actor.</param>
public sealed record StaffMember(Guid Id, string Name, string Role);

/// <summary>
/// Staff's names for staff screens (docs/adr/0061): the services record people by their token's subject, and the console
/// shows "Tess Ng", not a GUID. Only the MSP's own people (never a client's contacts), only name and role (no email, no
/// phone, no sign-in state), and only to staff.
/// </summary>
public static class StaffDirectoryEndpoints
{
    public static IEndpointRouteBuilder MapStaffDirectoryEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/identity/staff", async (IdentityDbContext db, CancellationToken cancellationToken) =>
                TypedResults.Ok(await db.Users.AsNoTracking()
                    .Where(u => Roles.AllClients.Contains(u.Role))
                    .OrderBy(u => u.DisplayName)
                    .Select(u => new StaffMember(u.Id, u.DisplayName, u.Role))
                    .ToListAsync(cancellationToken)))
            .WithTags("Staff directory")
            .RequireAuthorization(Policies.Staff)
            .Produces<StaffMember[]>();
        return app;
    }
}
