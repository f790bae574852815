using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Notify.Api.Channels;
using Notify.Api.Data;
using Notify.Api.Sending;
using Notify.Api.Templates;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Sla.Contracts;

namespace Notify.Api.Domain;

/// <summary>Whom to write to about a ticket: its contact, and the staff on duty for it.</summary>
public sealed class Recipients(NotifyDbContext db, IOptions<StaffOptions> staff, CalendarCatalog calendars)
{
    /// <summary>
    /// Whether the ticket's client's business hours are closed at <paramref name="at"/>, by notify's copy of sla's
    /// calendars (the client's, else sla's default). For notices notify raises itself (a failed delivery); sla's own
    /// warnings say it themselves. False while notify has no calendar at all: it cannot tell, and the daytime rule at
    /// least reaches someone.
    /// </summary>
    public async Task<bool> AfterHoursAsync(TicketContact ticket, DateTimeOffset at, CancellationToken cancellationToken)
    {
        var calendarId = await db.Directory.AsNoTracking().Where(c => c.ClientId == ticket.ClientId).Select(c => c.CalendarId)
            .SingleOrDefaultAsync(cancellationToken);
        return await calendars.ForCalendarAsync(db, calendarId, cancellationToken) is { } calendar && !calendar.IsOpen(at);
    }

    /// <summary>
    /// The ticket's contact row as its clock's start leaves it: stored from <see cref="SlaClockStarted.Ticket"/> the
    /// first time, in the calendar's zone either way, and locked like <see cref="LockTicketAsync"/>. One statement: a
    /// copy of the start, or one racing it, finds the row and waits for its lock. From an older sla, without the ticket,
    /// the row TicketOpened stored before, which throws like LockTicketAsync while missing (docs/adr/0068).
    /// </summary>
    public async Task<TicketContact> StartTicketAsync(SlaClockStarted sla, CancellationToken cancellationToken)
    {
        // Not composed (INSERT or UPDATE … RETURNING cannot be a subquery): the list has the one row, or none.
        var rows = await (sla.Ticket is { } t
            ? db.Contacts.FromSql($"""
                INSERT INTO ticket_contacts ("TicketId", "Number", "ClientId", "Email", "Name", "Subject", "Channel", "TeamId", "AssignedVersion", "TimeZone")
                VALUES ({sla.TicketId}, {t.Number}, {sla.ClientId}, {t.ContactEmail}, {t.ContactName}, {t.Subject}, {t.Channel}, {t.TeamId}, 0, {sla.TimeZone})
                ON CONFLICT ("TicketId") DO UPDATE SET "TimeZone" = excluded."TimeZone"
                RETURNING *
                """)
            : db.Contacts.FromSql($"""UPDATE ticket_contacts SET "TimeZone" = {sla.TimeZone} WHERE "TicketId" = {sla.TicketId} RETURNING *""")
        ).AsNoTracking().ToListAsync(cancellationToken);
        return rows.SingleOrDefault() ?? throw NotYetKnown(sla.TicketId);
    }

    /// <summary>
    /// The ticket's contact row, locked for the rest of the consume's transaction so that two events about one ticket
    /// compose their messages one after the other. Throws (and the message is retried) while the ticket's clock has not
    /// started: notify learns of a ticket from <see cref="SlaClockStarted"/>.
    /// </summary>
    public async Task<TicketContact> LockTicketAsync(Guid ticketId, CancellationToken cancellationToken) =>
        await db.Contacts.FromSql($"SELECT * FROM ticket_contacts WHERE \"TicketId\" = {ticketId} FOR UPDATE")
            .AsNoTracking().SingleOrDefaultAsync(cancellationToken)
        ?? throw NotYetKnown(ticketId);

    /// <summary>A message about a ticket whose clock's start notify has not consumed yet: the bus retries it (docs/adr/0067).</summary>
    public static NotYetKnownException NotYetKnown(Guid ticketId) => new($"Ticket {ticketId} is not known to notify yet: its SlaClockStarted has not been consumed.");

    /// <summary>
    /// How to reach a ticket's contact with a client-facing message of <paramref name="kind"/> (acknowledgement, reply,
    /// resolution, ...). Channels: email (to <paramref name="email"/>), SMS and, for an acknowledgement, a call (to their
    /// first E.164 number in the client directory), as their preference for that kind allows; without one, email, plus
    /// SMS when the request came by text or phone; never nothing (when no allowed channel has an address, email, since
    /// the client must be told). Language: theirs, else their client's, else English. Zone: theirs, else the calendar's.
    /// </summary>
    /// <param name="email">The address the message is for (the ticket's contact, or the contact a reply names).</param>
    public async Task<ContactReach> ReachAsync(TicketContact ticket, string kind, string email, CancellationToken cancellationToken)
    {
        var directory = await db.Directory.AsNoTracking().SingleOrDefaultAsync(c => c.ClientId == ticket.ClientId, cancellationToken);
        var person = directory?.ContactOf(email);
        var phone = person?.Phones.FirstOrDefault(PhoneNumbers.IsE164);
        var preference = person is null ? null
            : await db.Preferences.AsNoTracking().SingleOrDefaultAsync(p => p.ContactId == person.ContactId, cancellationToken);
        var allowed = preference?.For(kind) ?? ContactPreference.Default(ticket.Channel);

        var channels = new List<(string, string)>();
        if (allowed.Contains(Channel.Email)) channels.Add((Channel.Email, email));
        if (phone is not null)
            foreach (var channel in ContactPreference.PhoneChannels(kind).Where(allowed.Contains))
                channels.Add((channel, phone));
        if (channels.Count == 0) channels.Add((Channel.Email, email));
        return new ContactReach(channels, Wording.For(preference?.Language ?? directory?.Language),
            preference?.TimeZone ?? ticket.TimeZone ?? "Etc/UTC");
    }

    /// <summary>
    /// The staff on duty for a ticket at <paramref name="at"/>. By day: the assignee when the Staff section knows them and
    /// they are not in their quiet hours, else the ticket's team address, else the desk. After hours
    /// (<paramref name="afterHours"/>): only the person on call for a covered emergency (the one paged for it; their
    /// quiet hours do not apply, they are on duty for it), and nobody at all for anything else: nobody off duty is woken.
    /// <paramref name="urgent"/> adds the person's phone by SMS; <paramref name="call"/> also calls it; a person's own
    /// channel preference narrows that (<see cref="AlertChannels"/>). Integrators in Staff:Webhooks (a chat or paging
    /// tool, the dispatcher's screen) get every alert, day and night.
    /// </summary>
    public async Task<List<(string Channel, string Recipient, string? Name)>> OnDutyAsync(TicketContact ticket, DateTimeOffset at,
        bool urgent, bool call, bool afterHours, CancellationToken cancellationToken)
    {
        var options = staff.Value;
        var reach = options.Webhooks.Select(webhook => (Channel.Webhook, webhook, (string?)null)).ToList();
        if (afterHours)
        {
            reach.AddRange(AlertChannels(ticket.OnCall, urgent, call, await PreferenceAsync(ticket.OnCall, cancellationToken)));
            return reach;
        }
        var preference = await PreferenceAsync(ticket.Assignee, cancellationToken);
        var assigned = preference?.IsQuietAt(at) == true ? [] : AlertChannels(ticket.Assignee, urgent, call, preference).ToList();
        if (assigned.Count > 0) reach.AddRange(assigned);
        else if (ticket.TeamId is { } team && options.Teams.TryGetValue(team.ToString(), out var teamAddress)) reach.Add((Channel.Email, teamAddress, null));
        else if (options.Desk is { } desk) reach.Add((Channel.Email, desk, null));
        return reach;
    }

    private async Task<StaffPreference?> PreferenceAsync(string? person, CancellationToken cancellationToken) =>
        person is null ? null : await db.StaffPreferences.AsNoTracking().SingleOrDefaultAsync(p => p.Person == person, cancellationToken);

    /// <summary>
    /// Where an alert reaches a member of staff: the channels <see cref="Person"/> gives, narrowed to those they allow;
    /// when that leaves none (say a warning, email only by urgency, to someone who allows only SMS), their first allowed
    /// channel with an address: a preference never makes an alert vanish, nor uses a channel they ruled out.
    /// </summary>
    private IEnumerable<(string Channel, string Recipient, string? Name)> AlertChannels(string? name, bool urgent, bool call, StaffPreference? preference)
    {
        var channels = Person(name, urgent, call).ToList();
        if (preference?.Channels is not { } allowed) return channels;
        var kept = channels.Where(c => allowed.Contains(c.Channel)).ToList();
        return kept.Count > 0 ? kept : Person(name, urgent: true, call: true).Where(c => allowed.Contains(c.Channel)).Take(1);
    }

    /// <summary>
    /// Where a member of staff is reached: email, plus SMS when urgent, plus a call; nothing when the Staff section has no
    /// address for them. Pages use this as it is: no preference holds back a page to the person on call.
    /// </summary>
    public IEnumerable<(string Channel, string Recipient, string? Name)> Person(string? name, bool urgent, bool call)
    {
        if (name is null || !staff.Value.People.TryGetValue(name, out var person)) yield break;
        if (person.Email is { } email) yield return (Channel.Email, email, name);
        if (urgent && person.Phone is { } phone) yield return (Channel.Sms, phone, name);
        if (call && person.Phone is { } number) yield return (Channel.Voice, number, name);
    }

    /// <summary>The desk (the dispatcher queue) and the integrators' webhooks: told when nobody takes an emergency.</summary>
    public IEnumerable<(string Channel, string Recipient, string? Name)> Desk()
    {
        foreach (var webhook in staff.Value.Webhooks) yield return (Channel.Webhook, webhook, null);
        if (staff.Value.Desk is { } desk) yield return (Channel.Email, desk, null);
    }

    /// <summary>A Message-ID for a message without a natural one: deterministic per event, recipient and channel.</summary>
    public static string MessageIdFor(string eventKey, string channel, string recipient, string kind, string domain) =>
        $"{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes($"{eventKey}\n{channel}\n{recipient}")))[..32]}.{kind}@{domain}";

    /// <summary>A new ledger row, not yet stored: <see cref="Deliveries.SendOnceAsync"/> stores or finds it.</summary>
    public static Delivery Draft(TicketContact ticket, string eventKey, string kind, string channel, string recipient, string? name,
        string messageId, Composed text, TimeProvider clock, string? inReplyTo = null, string? autoSubmitted = null)
    {
        var now = clock.GetUtcNow();
        return new Delivery
        {
            Id = MassTransit.NewId.NextGuid(),
            TicketId = ticket.TicketId,
            ClientId = ticket.ClientId,
            EventKey = eventKey,
            Kind = kind,
            Channel = channel,
            Recipient = recipient,
            RecipientName = name,
            MessageId = messageId,
            InReplyTo = inReplyTo,
            AutoSubmitted = autoSubmitted,
            Subject = text.Subject,
            Text = text.Text,
            Html = channel == Channel.Email ? text.Html : null,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }
}
