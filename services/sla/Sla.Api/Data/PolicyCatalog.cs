using ServiceDesk.Platform.Calendars;
using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sla.Api.Domain;

namespace Sla.Api.Data;

/// <summary>What a client's new clock starts with, and why when it is not the client's own tier or calendar.</summary>
/// <param name="ClientRevision">The revision of sla's copy of the client (0 when sla has none).</param>
public sealed record ClientTerms(TierPolicy Tier, ClientCalendars Calendars, int ClientRevision, string? Note);

/// <summary>
/// The tiers and calendars clocks use, from sla's database. A calendar revision never changes, so each one is built once
/// into a <see cref="BusinessCalendar"/> (which caches its yearly timelines) and kept for the life of the process:
/// replaying a clock costs no query and no rebuild after the first time (docs/BENCHMARKS.md has the arithmetic's numbers).
/// Tiers are read when used (one primary-key lookup); a clock copies the targets it uses into its ledger.
/// </summary>
public sealed class PolicyCatalog(IOptions<SlaOptions> options)
{
    private readonly ConcurrentDictionary<CalendarRevision, ClientCalendars> _calendars = new();
    private readonly ConcurrentDictionary<(CalendarRevision, string Zone), ExtendedHoursCalendar> _extended = new();
    private readonly SlaOptions _options = options.Value;

    public string DefaultTier => TierNames.Normalize(_options.DefaultTier);

    /// <summary>The calendars of one stored revision, as a ledger names it.</summary>
    public async ValueTask<ClientCalendars> CalendarsAsync(SlaDbContext db, CalendarRevision revision, CancellationToken cancellationToken)
    {
        if (_calendars.TryGetValue(revision, out var cached)) return cached;
        // A clock started before calendars were stored names none: it ran on the configured calendar, which became the
        // default calendar's revision 1.
        var stored = revision == default ? new CalendarRevision(CalendarRecord.DefaultId, 1) : revision;
        var record = await db.CalendarRevisions.AsNoTracking()
                .SingleOrDefaultAsync(r => r.CalendarId == stored.CalendarId && r.Revision == stored.Revision, cancellationToken)
            ?? throw new InvalidOperationException($"Calendar {stored} is not stored, but a clock counts on it.");
        return _calendars.GetOrAdd(revision, _ => ClientCalendars.From(record.ToBusinessCalendar(), revision));
    }

    /// <summary>One stored revision of an extended-hours calendar, read in <paramref name="zone"/> (the client's).</summary>
    public async ValueTask<ExtendedHoursCalendar> ExtendedHoursAsync(SlaDbContext db, CalendarRevision revision, TimeZoneInfo zone,
        CancellationToken cancellationToken)
    {
        if (_extended.TryGetValue((revision, zone.Id), out var cached)) return cached;
        var record = await db.CalendarRevisions.AsNoTracking()
                .SingleOrDefaultAsync(r => r.CalendarId == revision.CalendarId && r.Revision == revision.Revision, cancellationToken)
            ?? throw new InvalidOperationException($"Calendar {revision} is not stored, but a clock counts on it.");
        return _extended.GetOrAdd((revision, zone.Id), _ => new ExtendedHoursCalendar(record.ToBusinessCalendar(zone), revision));
    }

    /// <summary>
    /// The extended-hours calendar <paramref name="tier"/> counts on, in <paramref name="zone"/>: <paramref name="keep"/>
    /// when it is a revision of the same calendar (a running clock keeps its revision, docs/adr/0019), else the current
    /// revision. Null when the tier has none, or names a calendar sla does not store (then its priorities fall back to
    /// business hours).
    /// </summary>
    public async ValueTask<ExtendedHoursCalendar?> ExtendedHoursAsync(SlaDbContext db, TierPolicy tier, TimeZoneInfo zone, ExtendedHoursCalendar? keep,
        CancellationToken cancellationToken)
    {
        if (tier.Extended is not { } cover) return null;
        if (keep?.Source.CalendarId == cover.CalendarId) return keep;
        return await CurrentRevisionAsync(db, cover.CalendarId, cancellationToken) is { } revision
            ? await ExtendedHoursAsync(db, new CalendarRevision(cover.CalendarId, revision), zone, cancellationToken)
            : null;
    }

    /// <summary>A clock from its ledger, on the calendar revisions it names (docs/adr/0019, 0040).</summary>
    public async Task<TicketClock> ReplayAsync(SlaDbContext db, IReadOnlyList<ClockEntry> ledger, ClockSettings settings, CancellationToken cancellationToken)
    {
        var calendars = await CalendarsAsync(db, TicketClock.CalendarOf(ledger), cancellationToken);
        var extended = new List<ExtendedHoursCalendar>();
        foreach (var revision in TicketClock.ExtendedCalendarsOf(ledger))
            extended.Add(await ExtendedHoursAsync(db, revision, calendars.BusinessHours.TimeZone, cancellationToken));
        return TicketClock.Replay(ledger, calendars, settings, extended);
    }

    /// <summary>A stored tier with the configured scale applied, or null.</summary>
    public async Task<TierPolicy?> TierAsync(SlaDbContext db, string name, CancellationToken cancellationToken)
    {
        var key = TierNames.Normalize(name);
        var record = await db.Tiers.AsNoTracking().SingleOrDefaultAsync(t => t.Name == key, cancellationToken);
        return record is null ? null : _options.Scaled(record.ToPolicy());
    }

    /// <summary>The named tier; the default tier, with a note saying why, when sla has no such tier.</summary>
    public async Task<(TierPolicy Tier, string? Note)> TierOrDefaultAsync(SlaDbContext db, string? name, CancellationToken cancellationToken)
    {
        if (!string.IsNullOrWhiteSpace(name) && await TierAsync(db, name, cancellationToken) is { } tier) return (tier, null);
        var fallback = await TierAsync(db, DefaultTier, cancellationToken)
            ?? throw new InvalidOperationException($"The default tier '{DefaultTier}' (Sla:DefaultTier) is not stored.");
        return (fallback, string.IsNullOrWhiteSpace(name) ? null : $"Tier '{name}' is unknown to sla; the default tier '{fallback.Tier}' applies.");
    }

    /// <summary>
    /// The tier and the current calendar revision for a new clock of the client, from sla's copy of the directory: the
    /// defaults for a client sla has not heard of, or whose tier or calendar it does not know (then with a note).
    /// </summary>
    public async Task<ClientTerms> ForClientAsync(SlaDbContext db, Guid clientId, CancellationToken cancellationToken)
    {
        var client = await db.Clients.AsNoTracking().SingleOrDefaultAsync(c => c.Id == clientId, cancellationToken);
        var (tier, tierNote) = await TierOrDefaultAsync(db, client?.Tier, cancellationToken);
        string? calendarNote = null;
        int? revision = null;
        var calendarId = CalendarRecord.DefaultId;
        if (client?.CalendarId is { } wanted)
        {
            revision = Guid.TryParse(wanted, out var id) ? await CurrentRevisionAsync(db, id, cancellationToken) : null;
            if (revision is null) calendarNote = $"Calendar '{wanted}' is unknown to sla; the default calendar applies.";
            else calendarId = id;
        }
        revision ??= await CurrentRevisionAsync(db, CalendarRecord.DefaultId, cancellationToken)
            ?? throw new InvalidOperationException("The default calendar is not stored.");
        var calendars = await CalendarsAsync(db, new CalendarRevision(calendarId, revision.Value), cancellationToken);
        var extended = await ExtendedHoursAsync(db, tier, calendars.BusinessHours.TimeZone, keep: null, cancellationToken);
        var extendedNote = tier.Extended is { } cover && extended is null
            ? $"The extended-hours calendar {cover.CalendarId} of tier '{tier.Tier}' is unknown to sla; its priorities count business hours."
            : null;
        calendars = calendars with { ExtendedHours = extended };
        var note = string.Join(" ", new[] { tierNote, calendarNote, extendedNote }.Where(n => n is not null));
        return new ClientTerms(tier, calendars, client?.Revision ?? 0, note.Length == 0 ? null : note);
    }

    private static Task<int?> CurrentRevisionAsync(SlaDbContext db, Guid calendarId, CancellationToken cancellationToken) =>
        db.Calendars.AsNoTracking().Where(c => c.Id == calendarId).Select(c => (int?)c.Revision).SingleOrDefaultAsync(cancellationToken);
}

/// <summary>
/// A transaction-scoped PostgreSQL advisory lock per client. A new clock reads the client's tier under the shared lock,
/// and a tier change takes it exclusively while it lists the client's open clocks: either the clock starts after the
/// change is committed (and reads the new tier), or the change sees the committed clock (and recalculates it).
/// </summary>
public static class ClientLocks
{
    public static Task ShareAsync(SlaDbContext db, Guid clientId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock_shared({Key(clientId)})", cancellationToken);

    public static Task ExclusiveAsync(SlaDbContext db, Guid clientId, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({Key(clientId)})", cancellationToken);

    /// <summary>The id's first eight bytes: two clients sharing a key only wait for each other now and then.</summary>
    private static long Key(Guid clientId) => BitConverter.ToInt64(clientId.ToByteArray(), 0);
}
