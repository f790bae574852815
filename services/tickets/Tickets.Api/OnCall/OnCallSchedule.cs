using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Calendars;
using Tickets.Api.Data;

namespace Tickets.Api.OnCall;

/// <summary>Who a team pages at an instant; null means nobody.</summary>
public sealed record OnCallNow(Guid TeamId, DateTimeOffset At, string? Primary, string? Backup, string? Lead);

/// <summary>When a layer next changes hands, and to whom (null: from then nobody).</summary>
public sealed record OnCallHandoff(DateTimeOffset At, string? Person);

/// <summary>
/// Who a team pages at an instant and the next change of each layer, within <see cref="OnCallSchedule.NextReach"/>
/// (null: no change that soon). <paramref name="PrimaryRotation"/> and <paramref name="BackupRotation"/> say whether the
/// team has a rotation for the layer at all, so a screen can tell "nobody, no rotation" from "nobody, a gap".
/// </summary>
public sealed record OnCallNext(Guid TeamId, DateTimeOffset At, string? Primary, string? Backup, bool PrimaryRotation, bool BackupRotation,
    OnCallHandoff? NextPrimary, OnCallHandoff? NextBackup);

/// <summary>A stretch of time in which a layer has nobody on call.</summary>
public sealed record OnCallGap(DateTimeOffset From, DateTimeOffset To);

/// <summary>
/// Reads who is on call from a team's rotations and overrides: an override wins over the rotation for its layer; the
/// rotation version in effect at the instant decides otherwise. The paging saga asks it whom to wake.
/// </summary>
public sealed class OnCallSchedule(TicketsDbContext db)
{
    /// <summary>Who is on call for the team at <paramref name="at"/>; all null for a team that does not exist.</summary>
    public async Task<OnCallNow> AtAsync(Guid teamId, DateTimeOffset at, CancellationToken ct)
    {
        var lead = await db.Teams.Where(t => t.Id == teamId).Select(t => t.Lead).SingleOrDefaultAsync(ct);
        var plan = await LoadAsync(teamId, at, at, ct);
        return new OnCallNow(teamId, at, plan.Who(OnCallLayer.Primary, at), plan.Who(OnCallLayer.Backup, at), lead);
    }

    /// <summary>How far ahead the next hand-off is looked for.</summary>
    public static readonly TimeSpan NextReach = TimeSpan.FromDays(90);

    /// <summary>Who is on call at <paramref name="at"/> and, per layer, the first instant after it that someone else is.</summary>
    public async Task<OnCallNext> NextAsync(Guid teamId, DateTimeOffset at, CancellationToken ct)
    {
        var plan = await LoadAsync(teamId, at, at + NextReach, ct);
        var layers = await db.Rotations.AsNoTracking().Where(r => r.TeamId == teamId).Select(r => r.Layer).ToListAsync(ct);
        return new OnCallNext(teamId, at, plan.Who(OnCallLayer.Primary, at), plan.Who(OnCallLayer.Backup, at),
            layers.Contains(OnCallLayer.Primary), layers.Contains(OnCallLayer.Backup),
            plan.Next(OnCallLayer.Primary, at, at + NextReach), plan.Next(OnCallLayer.Backup, at, at + NextReach));
    }

    /// <summary>The stretches of [<paramref name="from"/>, <paramref name="to"/>) in which the layer has nobody.</summary>
    public async Task<(OnCallGap[] Primary, OnCallGap[] Backup)> GapsAsync(Guid teamId, DateTimeOffset from, DateTimeOffset to,
        CancellationToken ct)
    {
        var plan = await LoadAsync(teamId, from, to, ct);
        return (plan.Gaps(OnCallLayer.Primary, from, to), plan.Gaps(OnCallLayer.Backup, from, to));
    }

    private async Task<Plan> LoadAsync(Guid teamId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        // Every version: a team has two rotations and each is edited a handful of times, so this stays small.
        var versions = await db.Rotations.AsNoTracking().Where(r => r.TeamId == teamId)
            .SelectMany(r => r.Versions.Where(v => v.EffectiveFrom <= to), (r, v) => new LayerVersion(r.Layer, v))
            .ToListAsync(ct);
        var overrides = await db.OnCallOverrides.AsNoTracking()
            .Where(o => o.TeamId == teamId && o.From <= to && o.To > from).ToListAsync(ct);
        return new Plan(versions, overrides);
    }

    private sealed record LayerVersion(OnCallLayer Layer, RotationVersion Version);

    private sealed class Plan(List<LayerVersion> versions, List<OnCallOverride> overrides)
    {
        public string? Who(OnCallLayer layer, DateTimeOffset at)
        {
            if (overrides.FirstOrDefault(o => o.Layer == layer && o.From <= at && at < o.To) is { } cover) return cover.Person;
            var version = versions.Where(v => v.Layer == layer && v.Version.EffectiveFrom <= at)
                .Select(v => v.Version).MaxBy(v => (v.EffectiveFrom, v.Id));
            return version is not null && TimeZones.TryFind(version.TimeZone, out var zone) ? Turns.At(version, zone, at)?.Person : null;
        }

        /// <summary>The first instant in (<paramref name="from"/>, <paramref name="to"/>) at which the layer's person differs from now's.</summary>
        public OnCallHandoff? Next(OnCallLayer layer, DateTimeOffset from, DateTimeOffset to)
        {
            // The person can change only where an override starts or ends, a version takes effect, or a turn ends.
            var now = Who(layer, from);
            var turnEnds = versions.Where(v => v.Layer == layer).SelectMany(v => TimeZones.TryFind(v.Version.TimeZone, out var zone)
                ? Turns.Between(v.Version, zone, from, to).Select(t => t.End) : []);
            return Boundaries(layer, from).Concat(turnEnds).Where(at => at > from && at < to).Distinct().Order()
                .Select(at => new OnCallHandoff(at, Who(layer, at))).FirstOrDefault(h => h.Person != now);
        }

        /// <summary>Where whether somebody is on call may change: overrides' ends, versions taking effect, first turns.</summary>
        private IEnumerable<DateTimeOffset> Boundaries(OnCallLayer layer, DateTimeOffset from) =>
            overrides.Where(o => o.Layer == layer).SelectMany(o => new[] { o.From, o.To })
                .Concat(versions.Where(v => v.Layer == layer).SelectMany(v => new[]
                    { v.Version.EffectiveFrom, TimeZones.TryFind(v.Version.TimeZone, out var zone) ? Turns.FirstStart(v.Version, zone) : from }));

        public OnCallGap[] Gaps(OnCallLayer layer, DateTimeOffset from, DateTimeOffset to)
        {
            // Whether somebody is on call can change only at these boundaries; between two of them hand-offs pass a
            // turn from one person to another.
            var changes = Boundaries(layer, from)
                .Where(at => at > from && at < to).Append(from).Append(to).Distinct().Order().ToArray();
            var gaps = new List<OnCallGap>();
            for (var i = 0; i < changes.Length - 1; i++)
            {
                if (Who(layer, changes[i]) is not null) continue;
                if (gaps.Count > 0 && gaps[^1].To == changes[i]) gaps[^1] = gaps[^1] with { To = changes[i + 1] };
                else gaps.Add(new OnCallGap(changes[i], changes[i + 1]));
            }
            return [.. gaps];
        }
    }
}
