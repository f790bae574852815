using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Calendars;

namespace Billing.Api.Data;

public static class ClientCalendars
{
    /// <summary>
    /// The business calendar a client's time is rated on: the one tickets' directory names for it, else the default
    /// calendar; null when billing has neither yet (its time stays unrated until sla announces them).
    /// </summary>
    public static async Task<BusinessCalendar?> ForClientAsync(this CalendarCatalog catalog, BillingDbContext db, Guid clientId,
        CancellationToken cancellationToken)
    {
        var calendarId = await db.Clients.AsNoTracking().Where(c => c.ClientId == clientId).Select(c => c.CalendarId)
            .SingleOrDefaultAsync(cancellationToken);
        return await catalog.ForCalendarAsync(db, calendarId, cancellationToken);
    }
}
