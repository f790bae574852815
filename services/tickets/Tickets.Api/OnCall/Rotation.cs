using ServiceDesk.Platform.Calendars;

namespace Tickets.Api.OnCall;

/// <summary>Who is paged first (primary) and who when the primary does not answer (backup).</summary>
public enum OnCallLayer
{
    Primary,
    Backup,
}

/// <summary>
/// A team's schedule for one layer: people take turns of whole days, handing off at a local time. One per team and
/// layer. What it says lives in <see cref="RotationVersion"/>s, which are only ever added (docs/adr/0038).
/// </summary>
public sealed class Rotation
{
    public Guid Id { get; init; }
    public Guid TeamId { get; init; }
    public OnCallLayer Layer { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public List<RotationVersion> Versions { get; init; } = [];

    /// <summary>
    /// SHA-256 of the secret in the rotation's subscribable feed URL (docs/adr/0055); null: no feed URL. The secret itself
    /// is shown once, when issued: a database dump does not give anyone the schedule's URL.
    /// </summary>
    public byte[]? FeedSecretHash { get; set; }

    public DateTimeOffset? FeedIssuedAt { get; set; }
}

/// <summary>
/// What a rotation says from <see cref="EffectiveFrom"/> until the next version's instant. Never updated: an edit adds
/// a version from now (or later), so who was on call before it stays as it was. No people: nobody from then on.
/// </summary>
public sealed class RotationVersion
{
    public long Id { get; init; }
    public Guid RotationId { get; init; }
    public DateTimeOffset EffectiveFrom { get; init; }

    /// <summary>Subjects in turn order; the first takes the turn that starts on <see cref="FirstTurn"/>.</summary>
    public List<string> People { get; init; } = [];

    public int TurnDays { get; init; }

    /// <summary>The local time turns change hands, in <see cref="TimeZone"/>.</summary>
    public TimeOnly Handoff { get; init; }

    /// <summary>IANA id: a turn starts at <see cref="Handoff"/> on the wall clock, summer or winter.</summary>
    public required string TimeZone { get; init; }

    /// <summary>The local date the first person's first turn starts; it fixes whose turn every later day is.</summary>
    public DateOnly FirstTurn { get; init; }

    public DateTimeOffset RecordedAt { get; init; }
    public required string RecordedBy { get; init; }
}

/// <summary>Someone takes a layer of the team for a while (part of a shift, a holiday swap): wins over the rotation.</summary>
public sealed class OnCallOverride
{
    public Guid Id { get; init; }
    public Guid TeamId { get; init; }
    public OnCallLayer Layer { get; init; }
    public required string Person { get; init; }
    public DateTimeOffset From { get; init; }
    public DateTimeOffset To { get; init; }
    public string? Reason { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
}

/// <summary>One person's turn: from a hand-off to the next.</summary>
public sealed record Turn(string Person, DateTimeOffset Start, DateTimeOffset End);

public static class Turns
{
    /// <summary>The turn <paramref name="at"/> falls in, or null before the first turn or when the version names nobody.</summary>
    public static Turn? At(RotationVersion version, TimeZoneInfo zone, DateTimeOffset at)
    {
        if (version.People.Count == 0) return null;
        // The local day whose hand-off last passed: today's if it has, else yesterday's. Turns are counted in local
        // days, so a 23- or 25-hour day is still one day and the hand-off stays at the same wall-clock time.
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, zone).DateTime);
        if (at < zone.FirstInstant(day, version.Handoff)) day = day.AddDays(-1);
        var sinceFirst = day.DayNumber - version.FirstTurn.DayNumber;
        if (sinceFirst < 0) return null;
        var index = sinceFirst / version.TurnDays;
        var start = version.FirstTurn.AddDays(index * version.TurnDays);
        return new Turn(version.People[index % version.People.Count],
            zone.FirstInstant(start, version.Handoff), zone.FirstInstant(start.AddDays(version.TurnDays), version.Handoff));
    }

    /// <summary>The turns overlapping [<paramref name="from"/>, <paramref name="to"/>), whole (not cut at the ends).</summary>
    public static IEnumerable<Turn> Between(RotationVersion version, TimeZoneInfo zone, DateTimeOffset from, DateTimeOffset to)
    {
        if (version.People.Count == 0) yield break;
        var first = FirstStart(version, zone);
        for (var at = from < first ? first : from; at < to;)
        {
            var turn = At(version, zone, at)!;
            yield return turn;
            at = turn.End;
        }
    }

    public static DateTimeOffset FirstStart(RotationVersion version, TimeZoneInfo zone) => zone.FirstInstant(version.FirstTurn, version.Handoff);
}
