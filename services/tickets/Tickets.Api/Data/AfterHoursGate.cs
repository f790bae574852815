using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Calendars;
using Tickets.Api.Domain;

namespace Tickets.Api.Data;

/// <summary>
/// Without the client's approval (or the agreement's pre-authorisation) no after-hours work is dispatched (DOMAIN.md):
/// a ticket does not move to In Progress while the client's business calendar is closed, and no time is recorded
/// outside its hours. Business hours are sla's calendars, copied from CalendarRevised (docs/adr/0039).
/// </summary>
public sealed class AfterHoursGate(CalendarCatalog calendars)
{
    /// <summary>For the moments before tickets has received any calendar from sla: sla's out-of-the-box hours.</summary>
    private static readonly BusinessCalendar Fallback = DefaultBusinessHours.Calendar();

    /// <summary>The client's calendar: its own copy, else the default calendar's, else sla's out-of-the-box default.</summary>
    public async Task<BusinessCalendar> CalendarAsync(TicketsDbContext db, Guid clientId, CancellationToken cancellationToken)
    {
        var calendarId = await db.Clients.AsNoTracking().Where(c => c.Id == clientId).Select(c => c.CalendarId).SingleOrDefaultAsync(cancellationToken);
        return await calendars.ForCalendarAsync(db, calendarId, cancellationToken) ?? Fallback;
    }

    /// <summary>The agreement version in force on the client-local day of <paramref name="at"/>: the highest version covering it.</summary>
    public static async Task<AgreementTerms?> TermsAsync(TicketsDbContext db, Guid clientId, BusinessCalendar calendar, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, calendar.TimeZone).DateTime);
        var versions = await db.AgreementTerms.AsNoTracking().Where(t => t.ClientId == clientId && t.EffectiveFrom <= day)
            .OrderByDescending(t => t.Version).ToListAsync(cancellationToken);
        return versions.FirstOrDefault(t => t.Covers(day));
    }

    /// <summary>Why the ticket may not move to In Progress at <paramref name="at"/>; null when it may.</summary>
    public async Task<Refusal?> RefuseToStartAsync(TicketsDbContext db, Ticket ticket, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var calendar = await CalendarAsync(db, ticket.ClientId, cancellationToken);
        if (calendar.IsOpen(at)) return null;
        return (await RefuseAsync(db, ticket, calendar, at, afterHoursMinutes: 0, exceptEntry: null, cancellationToken)).Refusal;
    }

    /// <summary>
    /// Why time from <paramref name="start"/> to <paramref name="end"/> may not be recorded on the ticket (null when it
    /// may), and whether it may only because the agreement pre-authorises a P1 (billing rates such time as approved).
    /// </summary>
    /// <param name="exceptEntry">The entry being edited: its current minutes do not count against a cap.</param>
    public async Task<GateVerdict> RefuseToRecordAsync(TicketsDbContext db, Ticket ticket, DateTimeOffset start, DateTimeOffset end,
        Guid? exceptEntry, CancellationToken cancellationToken)
    {
        var calendar = await CalendarAsync(db, ticket.ClientId, cancellationToken);
        var afterHours = AfterHoursMinutes(calendar, start, end);
        if (afterHours == 0) return GateVerdict.Open;
        return await RefuseAsync(db, ticket, calendar, start, afterHours, exceptEntry, cancellationToken);
    }

    private static async Task<GateVerdict> RefuseAsync(TicketsDbContext db, Ticket ticket, BusinessCalendar calendar, DateTimeOffset at,
        int afterHoursMinutes, Guid? exceptEntry, CancellationToken cancellationToken)
    {
        var terms = await TermsAsync(db, ticket.ClientId, calendar, at, cancellationToken);
        if (terms is { NeedsNoApproval: true }) return GateVerdict.Open;
        var caps = await db.Approvals.AsNoTracking().Where(a => a.TicketId == ticket.Id).Select(a => a.CapHours).ToListAsync(cancellationToken);
        if (caps.Any(c => c is null)) return GateVerdict.Open; // an approval without a cap
        // Each approval and the pre-authorisation allow up to so many hours; the largest allowance applies (they are not added up).
        var allowed = caps.Append(ticket.Priority == "P1" ? terms?.PreAuthorisedHours : null).Max();
        var opens = NextOpening(calendar, at);
        if (allowed is not { } hours)
            return new GateVerdict(new Refusal("After-hours work on this ticket is not approved.",
                $"The client's business hours are closed and the ticket has no approval of after-hours work"
                + (ticket.Priority == "P1" ? " nor a pre-authorisation in the client's agreement" : "")
                + $". Record the client's approval (POST /api/tickets/{ticket.Id}/approvals) or wait until business hours begin{At(opens)}.",
                opens));
        var entries = await db.TimeEntries.AsNoTracking().Where(e => e.TicketId == ticket.Id && e.Id != exceptEntry).ToListAsync(cancellationToken);
        var used = entries.Sum(e => AfterHoursMinutes(calendar, e.StartedAt, e.EndedAt ?? e.StartedAt.AddMinutes(e.Minutes)));
        var cap = (int)Math.Floor(hours * 60);
        // No approval at all: what lets the work through is the agreement's pre-authorisation of a P1.
        if (used + afterHoursMinutes <= cap && (afterHoursMinutes > 0 || used < cap)) return new GateVerdict(null, PreAuthorised: caps.Count == 0);
        return new GateVerdict(new Refusal("The approved after-hours time is used up.",
            $"{hours} h of after-hours work is approved on this ticket; {used} min are recorded"
            + (afterHoursMinutes > 0 ? $" and this adds {afterHoursMinutes} min" : "")
            + $". Record a new approval with a larger cap or wait until business hours begin{At(opens)}.", opens));
    }

    /// <summary>When the calendar next opens; null for a calendar that never does (then nothing after hours is ever approved by waiting).</summary>
    public static DateTimeOffset? NextOpening(BusinessCalendar calendar, DateTimeOffset at)
    {
        try
        {
            return calendar.NextOpen(at);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    private static string At(DateTimeOffset? opens) => opens is { } at ? $" at {at:u}" : "";

    /// <summary>Whole minutes of the span outside the calendar's open hours.</summary>
    public static int AfterHoursMinutes(BusinessCalendar calendar, DateTimeOffset start, DateTimeOffset end) =>
        end <= start ? 0 : (int)Math.Ceiling((end - start - calendar.Between(start, end)).TotalMinutes);
}

/// <summary>Why the gate refused, for a 409 that says so; <paramref name="BusinessHoursBegin"/> is when work may start without approval.</summary>
public sealed record Refusal(string Title, string Detail, DateTimeOffset? BusinessHoursBegin);

/// <summary>The gate's answer to recorded time: a refusal, or none, and then whether only the agreement's P1 pre-authorisation let it through.</summary>
public sealed record GateVerdict(Refusal? Refusal, bool PreAuthorised = false)
{
    public static readonly GateVerdict Open = new(Refusal: null);
}
