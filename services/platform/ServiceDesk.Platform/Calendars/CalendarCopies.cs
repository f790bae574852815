using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Sla.Contracts;

namespace ServiceDesk.Platform.Calendars;

/// <summary>A service's copy of one of sla's calendars (from CalendarRevised): the highest revision seen (table calendars).</summary>
public sealed class CalendarCopy
{
    public Guid CalendarId { get; init; }
    public int Revision { get; set; }
    public string Name { get; set; } = "";
    public string TimeZone { get; set; } = "";
    /// <summary>The message's week and holidays as JSON (jsonb), rebuilt into a BusinessCalendar when used.</summary>
    public string Hours { get; set; } = "{}";
}

/// <summary>Where sla's default calendar is: the hours of clients without a calendar of their own ("Calendars" section).</summary>
public sealed class CalendarCopyOptions
{
    public const string Section = "Calendars";

    /// <summary>sla's CalendarRecord.DefaultId.</summary>
    [NotEmptyGuid(ErrorMessage = "Calendars:DefaultCalendarId must name sla's default calendar (not the empty id).")]
    public Guid DefaultCalendarId { get; set; } = Guid.Parse("5e7d0c1a-defa-4017-8000-000000000001");

    private sealed class NotEmptyGuidAttribute : ValidationAttribute
    {
        public override bool IsValid(object? value) => value is Guid id && id != Guid.Empty;
    }
}

/// <summary>
/// Services that work on a client's business hours (billing rates time on them, tickets gates after-hours work) keep
/// copies of sla's calendars, so they count on the same hours sla does. One way to keep them: this.
/// </summary>
public static class CalendarCopies
{
    /// <summary>The copies' table; call from the service's OnModelCreating.</summary>
    public static ModelBuilder AddCalendarCopies(this ModelBuilder modelBuilder) => modelBuilder.Entity<CalendarCopy>(calendar =>
    {
        calendar.ToTable("calendars");
        calendar.HasKey(c => c.CalendarId);
        calendar.Property(c => c.Name).HasMaxLength(200);
        calendar.Property(c => c.TimeZone).HasMaxLength(100);
        calendar.Property(c => c.Hours).HasColumnType("jsonb");
    });

    /// <summary>The catalog that builds copies into calendars, and its validated options.</summary>
    public static IHostApplicationBuilder AddCalendarCopies(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CalendarCopyOptions>()
            .BindConfiguration(CalendarCopyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<CalendarCatalog>();
        return builder;
    }

    /// <summary>
    /// Keeps the copy at the highest revision sla announced. Revisions never change, so a copy or an older revision
    /// arriving late changes nothing (false). Call from the service's CalendarRevised consumer, inside its transaction.
    /// </summary>
    public static async Task<bool> KeepAsync(DbContext db, CalendarRevised message, CancellationToken cancellationToken)
    {
        var calendar = await db.Set<CalendarCopy>().FromSql($"SELECT * FROM calendars WHERE \"CalendarId\" = {message.CalendarId} FOR UPDATE")
            .SingleOrDefaultAsync(cancellationToken);
        if (calendar is not null && calendar.Revision >= message.Revision) return false;
        if (calendar is null)
        {
            calendar = new CalendarCopy { CalendarId = message.CalendarId };
            db.Add(calendar); // a concurrent first copy fails on the key and is retried into the branch above
        }
        calendar.Revision = message.Revision;
        calendar.Name = message.Name;
        calendar.TimeZone = message.TimeZone;
        calendar.Hours = JsonSerializer.Serialize(new CalendarCatalog.StoredHours(message.Week, message.Holidays));
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}

/// <summary>
/// The business calendar for a client's calendar id: its copy if the service has one, otherwise the default calendar's
/// (as sla does for a calendar it does not know). Each revision is built once into a <see cref="BusinessCalendar"/>
/// (which caches its yearly timelines) and kept: revisions never change.
/// </summary>
public sealed class CalendarCatalog(IOptions<CalendarCopyOptions> options)
{
    internal sealed record StoredHours(IReadOnlyList<CalendarRevisedDay> Week, IReadOnlyList<CalendarRevisedHoliday> Holidays);

    private readonly ConcurrentDictionary<(Guid, int), BusinessCalendar> _built = new();

    /// <param name="calendarId">The client's calendar as the directory names it (free text); null: the default.</param>
    /// <returns>null when the service has neither that calendar nor the default one yet.</returns>
    public async Task<BusinessCalendar?> ForCalendarAsync(DbContext db, string? calendarId, CancellationToken cancellationToken)
    {
        var calendars = db.Set<CalendarCopy>().AsNoTracking();
        CalendarCopy? copy = null;
        if (Guid.TryParse(calendarId, out var own))
            copy = await calendars.SingleOrDefaultAsync(c => c.CalendarId == own, cancellationToken);
        var defaultId = options.Value.DefaultCalendarId;
        copy ??= await calendars.SingleOrDefaultAsync(c => c.CalendarId == defaultId, cancellationToken);
        return copy is null ? null : _built.GetOrAdd((copy.CalendarId, copy.Revision), _ => Build(copy));
    }

    private static BusinessCalendar Build(CalendarCopy copy)
    {
        var hours = JsonSerializer.Deserialize<StoredHours>(copy.Hours)!;
        return new BusinessCalendar(TimeZoneInfo.FindSystemTimeZoneById(copy.TimeZone),
            hours.Week.ToDictionary(d => d.Day, d => d.OpenHours.Select(Range).ToArray()),
            hours.Holidays.Select(h => new Holiday(h.Date, [.. h.OpenHours.Select(Range)])));
    }

    private static OpenRange Range(CalendarRevisedRange range) => new(range.Opens, range.Closes);
}
