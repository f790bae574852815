using System.Collections.Concurrent;
using System.Text.Json;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform.Calendars;
using Sla.Contracts;

namespace Billing.Api.Data;

/// <summary>
/// The business calendar a client's time is rated on: its own calendar (tickets' directory names it) if billing has a
/// copy, otherwise the default calendar. Each revision is built once into a <see cref="BusinessCalendar"/> (which caches
/// its yearly timelines) and kept: revisions never change.
/// </summary>
public sealed class CalendarCatalog(IOptions<BillingOptions> options)
{
    internal sealed record StoredHours(IReadOnlyList<CalendarRevisedDay> Week, IReadOnlyList<CalendarRevisedHoliday> Holidays);

    private readonly ConcurrentDictionary<(Guid, int), BusinessCalendar> _built = new();

    /// <summary>The client's calendar, or null when billing has neither it nor the default calendar yet.</summary>
    public async Task<BusinessCalendar?> ForClientAsync(BillingDbContext db, Guid clientId, CancellationToken cancellationToken)
    {
        var client = await db.Clients.AsNoTracking().SingleOrDefaultAsync(c => c.ClientId == clientId, cancellationToken);
        CalendarCopy? copy = null;
        if (Guid.TryParse(client?.CalendarId, out var own))
            copy = await db.Calendars.AsNoTracking().SingleOrDefaultAsync(c => c.CalendarId == own, cancellationToken);
        var defaultId = options.Value.DefaultCalendarId;
        copy ??= await db.Calendars.AsNoTracking().SingleOrDefaultAsync(c => c.CalendarId == defaultId, cancellationToken);
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
