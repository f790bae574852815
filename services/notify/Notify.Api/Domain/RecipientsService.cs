using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Notify.Api.Channels;
using Notify.Api.Data;
using Notify.Api.Sending;
using Notify.Api.Templates;

namespace Notify.Api.Domain;

/// <summary>Whom to write to about a ticket: its contact, and the staff on duty for it.</summary>
public sealed class Recipients(NotifyDbContext db, IOptions<StaffOptions> staff)
{
    /// <summary>
    /// The ticket's contact row, locked for the rest of the consume's transaction so that two events about one ticket
    /// compose their messages one after the other. Throws (and the message is retried) while TicketOpened has not arrived.
    /// </summary>
    public async Task<TicketContact> LockTicketAsync(Guid ticketId, CancellationToken cancellationToken) =>
        await db.Contacts.FromSql($"SELECT * FROM ticket_contacts WHERE \"TicketId\" = {ticketId} FOR UPDATE")
            .AsNoTracking().SingleOrDefaultAsync(cancellationToken)
        ?? throw new InvalidOperationException($"Ticket {ticketId} is not known to notify yet.");

    /// <summary>The contact's phone from the client directory (matched by the ticket's email address), or null.</summary>
    public async Task<string?> PhoneOfAsync(TicketContact ticket, CancellationToken cancellationToken) =>
        (await db.Directory.AsNoTracking().SingleOrDefaultAsync(c => c.ClientId == ticket.ClientId, cancellationToken))?.PhoneOf(ticket.Email);

    /// <summary>
    /// The staff on duty for a ticket (until the after-hours issue brings rotations): the assignee when the Staff
    /// section knows them, else the ticket's team address, else the desk. <paramref name="urgent"/> adds the
    /// assignee's phone by SMS; <paramref name="call"/> also calls it. Integrators in Staff:Webhooks get every alert.
    /// </summary>
    public IEnumerable<(string Channel, string Recipient, string? Name)> OnDuty(TicketContact ticket, bool urgent = false, bool call = false)
    {
        var options = staff.Value;
        foreach (var webhook in options.Webhooks) yield return (Channel.Webhook, webhook, null);
        if (ticket.Assignee is { } assignee && options.People.TryGetValue(assignee, out var person) && (person.Email ?? person.Phone) is not null)
        {
            if (person.Email is { } email) yield return (Channel.Email, email, assignee);
            if (urgent && person.Phone is { } phone) yield return (Channel.Sms, phone, assignee);
            if (call && person.Phone is { } number) yield return (Channel.Voice, number, assignee);
            yield break;
        }
        if (ticket.TeamId is { } team && options.Teams.TryGetValue(team.ToString(), out var teamAddress)) yield return (Channel.Email, teamAddress, null);
        else if (options.Desk is { } desk) yield return (Channel.Email, desk, null);
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
