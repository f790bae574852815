using ServiceDesk.Platform.Calendars;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;
using Sla.Api.Domain;
using Sla.Contracts;

namespace Sla.Api.Data;

/// <summary>
/// A business calendar an admin keeps (table calendars). What it is now is its <see cref="Revision"/> in
/// calendar_revisions; every change adds a revision, so a clock that names one keeps its due times (docs/adr/0019).
/// </summary>
public sealed class CalendarRecord
{
    /// <summary>The default calendar: seeded from Sla:Calendar on first start, used by clients without one of their own.</summary>
    public static readonly Guid DefaultId = Guid.Parse("5e7d0c1a-defa-4017-8000-000000000001");

    public Guid Id { get; set; }
    public string Name { get; set; } = "";
    /// <summary>The current revision, and the optimistic concurrency token: a change names the revision it read.</summary>
    public int Revision { get; set; }
}

/// <summary>One revision of a calendar (table calendar_revisions): written once, never changed or deleted.</summary>
public sealed class CalendarRevisionRecord
{
    public Guid CalendarId { get; set; }
    public int Revision { get; set; }
    public string Name { get; set; } = "";
    /// <summary>An IANA id.</summary>
    public string TimeZone { get; set; } = "";
    public CalendarHours Hours { get; set; } = CalendarHours.Empty;
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>Who made it (a token's subject; "sla" for the seeded one).</summary>
    public string CreatedBy { get; set; } = "";

    public CalendarRevision Key => new(CalendarId, Revision);

    /// <summary>The revision as sla announces it (<see cref="CalendarRevised"/>): billing rates time on the same hours.</summary>
    public CalendarRevised ToMessage() => new(CalendarId, Revision, Name, TimeZone,
        [.. Hours.Week.OrderBy(d => d.Key).Select(d => new CalendarRevisedDay(d.Key, [.. d.Value.Select(Range)]))],
        [.. Hours.Holidays.OrderBy(h => h.Date).Select(h => new CalendarRevisedHoliday(h.Date, h.Name, [.. h.OpenHours.Select(Range)]))],
        CreatedAt, CreatedBy);

    private static CalendarRevisedRange Range(OpenRange range) => new(range.Opens, range.Closes);

    /// <param name="zone">Read the hours in this zone instead of the revision's own: an extended-hours calendar is read in
    /// each client's zone (docs/adr/0042).</param>
    /// <exception cref="ArgumentException">Stored hours that are not sane (they were validated when stored).</exception>
    public BusinessCalendar ToBusinessCalendar(TimeZoneInfo? zone = null) => new(zone ?? TimeZoneInfo.FindSystemTimeZoneById(TimeZone),
        Hours.Week.ToDictionary(d => d.Key, d => d.Value.ToArray()),
        Hours.Holidays.Select(h => new Holiday(h.Date, [.. h.OpenHours])));
}

/// <summary>A calendar's week and holidays as stored (one jsonb value).</summary>
public sealed record CalendarHours(IReadOnlyDictionary<DayOfWeek, IReadOnlyList<OpenRange>> Week, IReadOnlyList<HolidayHours> Holidays)
{
    public static readonly CalendarHours Empty = new(new Dictionary<DayOfWeek, IReadOnlyList<OpenRange>>(), []);

    /// <summary>What the domain finds wrong with these hours (empty when sane).</summary>
    public IReadOnlyList<CalendarProblem> Problems() => BusinessCalendar.Problems(
        Week.ToDictionary(d => d.Key, d => d.Value.ToArray()),
        Holidays.Select(h => new Holiday(h.Date, [.. h.OpenHours])));
}

/// <summary>A date whose open hours replace the weekday's: none for a closed day.</summary>
public sealed record HolidayHours(DateOnly Date, string? Name, IReadOnlyList<OpenRange> OpenHours);

/// <summary>A membership tier (table tiers), keyed by the name clients carry (tickets' ClientChanged.Tier).</summary>
public sealed class TierRecord
{
    /// <summary>Lower-case letters, digits and dashes; never changes (clients refer to it).</summary>
    public string Name { get; set; } = "";
    public bool AfterHoursCovered { get; set; }
    public bool EmergencyCovered { get; set; }
    public IReadOnlyList<TargetRecord> Targets { get; set; } = [];
    /// <summary>The stored calendar whose hours (in each client's zone) are this tier's extended hours; null for none.</summary>
    public Guid? ExtendedCalendarId { get; set; }
    /// <summary>The priorities served in extended hours (with <see cref="ExtendedCalendarId"/>).</summary>
    public IReadOnlyList<Priority> ExtendedPriorities { get; set; } = [];
    /// <summary>Raised by every change; the optimistic concurrency token.</summary>
    public int Revision { get; set; }

    /// <summary>The domain's tier (unscaled; see SlaOptions.Scaled).</summary>
    public TierPolicy ToPolicy() => new(Name, AfterHoursCovered, EmergencyCovered,
        Enum.GetValues<Priority>().ToDictionary(p => p, p => (IReadOnlyList<SlaTarget>)[.. Targets.Where(t => t.Priority == p).Select(t => t.ToTarget())]),
        ExtendedCalendarId is { } calendar ? new ExtendedCover(calendar, ExtendedPriorities.ToHashSet()) : null);

    public static TierRecord From(TierPolicy tier) => new()
    {
        Name = tier.Tier,
        AfterHoursCovered = tier.AfterHoursCovered,
        EmergencyCovered = tier.EmergencyCovered,
        ExtendedCalendarId = tier.Extended?.CalendarId,
        ExtendedPriorities = tier.Extended is { } extended ? [.. extended.Priorities.Order()] : [],
        Targets = [.. tier.Targets.OrderBy(t => t.Key).SelectMany(byPriority => byPriority.Value.Select(t => new TargetRecord(byPriority.Key, t.Type,
            (int)t.Contractual.TotalMinutes, (int)t.Internal.TotalMinutes, t.Calendar)))],
        Revision = 1,
    };
}

/// <summary>One target of a tier as stored, in whole minutes.</summary>
public sealed record TargetRecord(Priority Priority, ResponseType Type, int ContractualMinutes, int InternalMinutes, CalendarKind Calendar)
{
    public SlaTarget ToTarget() => new(Type, TimeSpan.FromMinutes(ContractualMinutes), TimeSpan.FromMinutes(InternalMinutes), Calendar);
}

/// <summary>
/// sla's copy of a client from tickets' ClientChanged (table clients): which tier and calendar its clocks start with.
/// State transfer: only a higher revision replaces it (docs/adr/0013).
/// </summary>
public sealed class ClientRecord
{
    public Guid Id { get; set; }
    public int Revision { get; set; }
    /// <summary>The client's name, for the reports; null for a copy made before sla kept names (until its next revision).</summary>
    public string? Name { get; set; }
    /// <summary>The tier's name as tickets has it, lower-cased; it may name no tier sla knows (the default applies).</summary>
    public string Tier { get; set; } = "";
    /// <summary>A calendar's id as tickets has it (a GUID in its "D" form when it is one), or null for the default.</summary>
    public string? CalendarId { get; set; }
    public bool Active { get; set; }
}

/// <summary>
/// A contact of a client with their current addresses (sla's copy of tickets' directory, replaced with each newer client
/// revision): a client user reads only the clocks of tickets opened from their own addresses (docs/adr/0053).
/// </summary>
public sealed class ContactRecord
{
    public Guid Id { get; set; }
    public Guid ClientId { get; set; }
    /// <summary>Lower-case addresses.</summary>
    public string[] Emails { get; set; } = [];
}

public static class PolicyModel
{
    public static void MapPolicies(this ModelBuilder modelBuilder)
    {
        var calendar = modelBuilder.Entity<CalendarRecord>();
        calendar.ToTable("calendars");
        calendar.HasKey(c => c.Id);
        calendar.Property(c => c.Name).HasMaxLength(Limits.Name);
        calendar.HasIndex(c => c.Name).IsUnique();
        calendar.Property(c => c.Revision).IsConcurrencyToken();

        // No foreign key to calendars: a deleted calendar's revisions stay, for the clocks that count on them.
        var revision = modelBuilder.Entity<CalendarRevisionRecord>();
        revision.ToTable("calendar_revisions");
        revision.HasKey(r => new { r.CalendarId, r.Revision });
        revision.Property(r => r.Name).HasMaxLength(Limits.Name);
        revision.Property(r => r.TimeZone).HasMaxLength(64);
        revision.Property(r => r.CreatedBy).HasMaxLength(200);
        revision.Property(r => r.Hours).HasJson();
        revision.Ignore(r => r.Key);

        var tier = modelBuilder.Entity<TierRecord>();
        tier.ToTable("tiers");
        tier.HasKey(t => t.Name);
        tier.Property(t => t.Name).HasMaxLength(Limits.TierName);
        tier.Property(t => t.Targets).HasJson();
        tier.Property(t => t.ExtendedPriorities).HasJson().HasDefaultValueSql("'[]'::jsonb");
        tier.HasIndex(t => t.ExtendedCalendarId);
        tier.Property(t => t.Revision).IsConcurrencyToken();

        var client = modelBuilder.Entity<ClientRecord>();
        client.ToTable("clients");
        client.HasKey(c => c.Id);
        client.Property(c => c.Id).ValueGeneratedNever();
        client.Property(c => c.Name).HasMaxLength(Limits.Name);
        client.Property(c => c.Tier).HasMaxLength(Limits.Reference);
        client.Property(c => c.CalendarId).HasMaxLength(Limits.Reference);
        client.HasIndex(c => c.Tier);
        client.HasIndex(c => c.CalendarId);

        var contact = modelBuilder.Entity<ContactRecord>();
        contact.ToTable("contacts");
        contact.HasKey(c => c.Id);
        contact.Property(c => c.Id).ValueGeneratedNever();
        contact.HasIndex(c => c.ClientId);
    }

    /// <summary>A value kept whole as jsonb: read and written with its row, never queried inside, replaced on change.</summary>
    private static PropertyBuilder<T> HasJson<T>(this PropertyBuilder<T> property) where T : class =>
        property.HasColumnType("jsonb").HasConversion(
            new ValueConverter<T, string>(value => JsonSerializer.Serialize(value, JsonOptions), json => JsonSerializer.Deserialize<T>(json, JsonOptions)!),
            new ValueComparer<T>((a, b) => ReferenceEquals(a, b), value => value.GetHashCode(), value => value));

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { Converters = { new JsonStringEnumConverter() } };
}

/// <summary>Lengths of the admin API's fields, shared by the columns and the validation.</summary>
public static class Limits
{
    public const int Name = 200;
    public const int TierName = 60;
    /// <summary>tickets' limit on a client's tier and calendar id.</summary>
    public const int Reference = 60;
    public const int HolidayName = 200;
    public const int MaxRangesPerDay = 12;
    public const int MaxHolidays = 400;
    /// <summary>A year: no promise is longer.</summary>
    public const int MaxTargetMinutes = 525_600;
}

public static partial class TierNames
{
    /// <summary>How a tier name is compared and stored: tickets may send "Standard " for "standard".</summary>
    public static string Normalize(string name) => name.Trim().ToLowerInvariant();

    /// <summary>What an admin may name a tier: lower-case letters, digits and dashes, starting with a letter or digit.</summary>
    public static bool IsValid(string name) => name.Length <= Limits.TierName && Pattern().IsMatch(name);

    [System.Text.RegularExpressions.GeneratedRegex("^[a-z0-9][a-z0-9-]*$")]
    private static partial System.Text.RegularExpressions.Regex Pattern();
}
