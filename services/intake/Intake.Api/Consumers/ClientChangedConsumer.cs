using Intake.Api.Data;
using Intake.Api.Domain;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Tickets.Contracts;

namespace Intake.Api.Consumers;

/// <summary>
/// Keeps intake's copy of the client directory (docs/adr/0013): the sender of an email or a call is found here.
/// State transfer: the newest revision replaces the client and all its contacts; an older or repeated one is ignored.
/// </summary>
public sealed class ClientChangedConsumer(IntakeDbContext db) : IConsumer<ClientChanged>
{
    public async Task Consume(ConsumeContext<ClientChanged> context)
    {
        var message = context.Message;
        var cancellationToken = context.CancellationToken;
        var client = await db.Clients.FromSql($"SELECT * FROM clients WHERE \"Id\" = {message.ClientId} FOR UPDATE")
            .IgnoreQueryFilters().SingleOrDefaultAsync(cancellationToken);
        if (client is null)
        {
            client = new Client { Id = message.ClientId, Name = message.Name };
            db.Clients.Add(client);
        }
        else if (client.Revision >= message.Revision)
        {
            return;
        }
        client.Name = message.Name;
        client.Active = message.Active;
        client.Revision = message.Revision;

        var contacts = await db.Contacts.IgnoreQueryFilters().Where(c => c.ClientId == message.ClientId).ToDictionaryAsync(c => c.Id, cancellationToken);
        foreach (var snapshot in message.Contacts)
        {
            if (!contacts.Remove(snapshot.ContactId, out var contact))
            {
                contact = new Contact { Id = snapshot.ContactId, ClientId = message.ClientId, Name = snapshot.Name };
                db.Contacts.Add(contact);
            }
            contact.Name = snapshot.Name;
            contact.Emails = [.. snapshot.Emails.Select(e => e.Trim().ToLowerInvariant()).Distinct()];
            contact.Phones = [.. snapshot.Phones.Distinct()];
        }
        db.Contacts.RemoveRange(contacts.Values); // no longer in the client's snapshot
        await db.SaveChangesAsync(cancellationToken);
    }
}
