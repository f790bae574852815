using Microsoft.EntityFrameworkCore;
using Tickets.Api.Data;

namespace Tickets.Api.OnCall;

/// <summary>Who is on call for a team at an instant; null means nobody.</summary>
public sealed record OnCallNow(Guid TeamId, DateTimeOffset At, string? Primary, string? Backup, string? Lead);

/// <summary>Placeholder until rotations land: the team's first member is primary, the second backup.</summary>
public sealed class OnCallSchedule(TicketsDbContext db)
{
    public async Task<OnCallNow> AtAsync(Guid teamId, DateTimeOffset at, CancellationToken ct)
    {
        var team = await db.Teams.AsNoTracking().SingleAsync(t => t.Id == teamId, ct);
        return new OnCallNow(teamId, at, team.Members.ElementAtOrDefault(0), team.Members.ElementAtOrDefault(1), team.Lead);
    }
}
