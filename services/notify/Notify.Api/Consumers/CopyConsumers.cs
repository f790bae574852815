using MassTransit;
using Microsoft.EntityFrameworkCore;
using Notify.Api.Data;
using Notify.Api.Domain;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Sla.Contracts;
using Tickets.Contracts;

namespace Notify.Api.Consumers;

/// <summary>
/// Follows who works a ticket, for staff alerts. The newest assignment by ticket version wins: an older one
/// arriving late changes nothing (a ticket's events carry its version, docs/adr/0023).
/// </summary>
public sealed class TicketAssignedConsumer(NotifyDbContext db) : IConsumer<TicketAssigned>
{
    public async Task Consume(ConsumeContext<TicketAssigned> context)
    {
        var assigned = context.Message;
        // Before the ticket's clock started notify does not know it: the retry brings this back until it does.
        var updated = await db.Contacts.Where(c => c.TicketId == assigned.TicketId && (assigned.TicketVersion == 0 || c.AssignedVersion < assigned.TicketVersion))
            .ExecuteUpdateAsync(c => c.SetProperty(x => x.TeamId, assigned.TeamId).SetProperty(x => x.Assignee, assigned.Assignee)
                .SetProperty(x => x.AssignedVersion, assigned.TicketVersion), context.CancellationToken);
        if (updated == 0 && !await db.Contacts.AnyAsync(c => c.TicketId == assigned.TicketId, context.CancellationToken))
            throw Recipients.NotYetKnown(assigned.TicketId);
    }
}

/// <summary>Keeps notify's copy of sla's calendars at the highest revision (who is on duty depends on the client's hours).</summary>
public sealed class CalendarRevisedConsumer(NotifyDbContext db) : IConsumer<CalendarRevised>
{
    public Task Consume(ConsumeContext<CalendarRevised> context) => CalendarCopies.KeepAsync(db, context.Message, context.CancellationToken);
}

/// <summary>Keeps notify's copy of a client's contacts (and calendar id) at the highest revision seen; older or repeated revisions change nothing.</summary>
public sealed class ClientChangedConsumer(NotifyDbContext db) : IConsumer<ClientChanged>
{
    public async Task Consume(ConsumeContext<ClientChanged> context)
    {
        var changed = context.Message;
        var contacts = changed.Contacts.Select(c => new DirectoryContact(c.ContactId, c.Name, c.Emails, c.Phones)).ToList();
        var client = await db.Directory.FromSql($"SELECT * FROM directory_clients WHERE \"ClientId\" = {changed.ClientId} FOR UPDATE")
            .AsTracking().SingleOrDefaultAsync(context.CancellationToken);
        if (client is null)
            db.Directory.Add(new DirectoryClient { ClientId = changed.ClientId, Revision = changed.Revision, Contacts = contacts, CalendarId = changed.CalendarId });
        else if (changed.Revision > client.Revision)
            (client.Revision, client.Contacts, client.CalendarId) = (changed.Revision, contacts, changed.CalendarId);
        else
            return;
        // Two first revisions racing: the loser's insert fails on the key and its retry finds the row.
        await db.SaveChangesAsync(context.CancellationToken);
    }
}
