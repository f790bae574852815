using MassTransit;
using Microsoft.EntityFrameworkCore;
using Sla.Api.Data;
using Sla.Api.Domain;
using Sla.Api.StateMachines;
using Tickets.Contracts;

namespace Sla.Api.Consumers;

/// <summary>
/// Keeps sla's copy of each client's tier and calendar (docs/adr/0013): new clocks start with them. State transfer: only
/// a higher revision replaces the copy, so a late, repeated or copied message changes nothing.
/// <para>
/// When the tier changed, every open clock of the client is told (<see cref="ClientTierChanged"/>, one per ticket,
/// correlated by ticket id), and its saga recalculates the targets with a ledger entry: the saga's row lock orders that
/// with the ticket's own events. A calendar change applies to clocks started after it (docs/adr/0019).
/// </para>
/// </summary>
public sealed class ClientChangedConsumer(SlaDbContext db, PolicyCatalog catalog, ILogger<ClientChangedConsumer> logger) : IConsumer<ClientChanged>
{
    public async Task Consume(ConsumeContext<ClientChanged> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        // Exclusive: a clock starting meanwhile waits, and then reads this revision (see ClientLocks).
        await ClientLocks.ExclusiveAsync(db, message.ClientId, cancellationToken);
        var client = await db.Clients.SingleOrDefaultAsync(c => c.Id == message.ClientId, cancellationToken);
        if (client is not null && client.Revision >= message.Revision)
        {
            logger.LogDebug("Client {ClientId}: revision {Revision} ignored, sla has {Stored}", message.ClientId, message.Revision, client.Revision);
            return;
        }
        var tierName = TierNames.Normalize(message.Tier);
        var tierChanged = client is not null && client.Tier != tierName;
        if (client is null)
        {
            client = new ClientRecord { Id = message.ClientId };
            db.Clients.Add(client);
        }
        client.Revision = message.Revision;
        client.Name = message.Name;
        client.Tier = tierName;
        client.CalendarId = string.IsNullOrWhiteSpace(message.CalendarId) ? null
            : Guid.TryParse(message.CalendarId, out var calendarId) ? calendarId.ToString() : message.CalendarId.Trim();
        client.Active = message.Active;
        await ReplaceContactsAsync(message, cancellationToken);

        var (tier, note) = await catalog.TierOrDefaultAsync(db, tierName, cancellationToken);
        if (note is not null) logger.LogWarning("Client {ClientId} revision {Revision}: {Note}", message.ClientId, message.Revision, note);
        // Also clocks already on another tier than this one: they may have started before sla first heard of the client.
        var stopped = nameof(ClockState.Stopped);
        var open = await db.TicketSlas
            .Where(s => s.ClientId == message.ClientId && s.Clock != stopped && s.ClientRevision < message.Revision && (tierChanged || s.Tier != tier.Tier))
            .Select(s => s.CorrelationId)
            .ToListAsync(cancellationToken);
        foreach (var ticketId in open)
            await context.Publish(new ClientTierChanged(ticketId, message.ClientId, message.Revision, message.Tier, message.At, message.By), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
    }

    /// <summary>The client's contacts and their addresses, as this revision has them (a client user's scope, docs/adr/0053).</summary>
    private async Task ReplaceContactsAsync(ClientChanged message, CancellationToken cancellationToken)
    {
        var stored = await db.Contacts.Where(c => c.ClientId == message.ClientId).ToDictionaryAsync(c => c.Id, cancellationToken);
        foreach (var snapshot in message.Contacts)
        {
            if (!stored.Remove(snapshot.ContactId, out var contact))
                db.Contacts.Add(contact = new ContactRecord { Id = snapshot.ContactId, ClientId = message.ClientId });
            contact.Emails = [.. snapshot.Emails.Select(e => e.Trim().ToLowerInvariant()).Distinct()];
        }
        db.Contacts.RemoveRange(stored.Values);
    }
}
