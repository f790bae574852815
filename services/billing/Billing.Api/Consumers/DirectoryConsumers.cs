using Billing.Api.Data;
using Billing.Api.Domain;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;
using Sla.Contracts;
using Tickets.Contracts;

namespace Billing.Api.Consumers;

/// <summary>
/// Keeps billing's copy of each calendar at the highest revision sla announced: time is rated on the same hours sla
/// counts on. Revisions never change, so a copy or an older revision arriving late changes nothing.
/// </summary>
public sealed class CalendarRevisedConsumer(BillingDbContext db, ILogger<CalendarRevisedConsumer> logger) : IConsumer<CalendarRevised>
{
    public async Task Consume(ConsumeContext<CalendarRevised> context)
    {
        var message = context.Message;
        if (!await CalendarCopies.KeepAsync(db, message, context.CancellationToken)) return;
        logger.LogInformation("Calendar {CalendarId} is at revision {Revision}", message.CalendarId, message.Revision);
    }
}

/// <summary>Keeps billing's copy of each client (its tier and calendar) at the highest revision tickets published.</summary>
public sealed class ClientChangedConsumer(BillingDbContext db) : IConsumer<ClientChanged>
{
    public async Task Consume(ConsumeContext<ClientChanged> context)
    {
        var message = context.Message;
        var client = await db.Clients.FromSql($"SELECT * FROM clients WHERE \"ClientId\" = {message.ClientId} FOR UPDATE")
            .SingleOrDefaultAsync(context.CancellationToken);
        if (client is not null && client.Revision >= message.Revision) return;
        if (client is null)
        {
            client = new BillingClient { ClientId = message.ClientId };
            db.Clients.Add(client);
        }
        client.Revision = message.Revision;
        client.Name = message.Name;
        client.Tier = message.Tier;
        client.CalendarId = string.IsNullOrWhiteSpace(message.CalendarId) ? null : message.CalendarId.Trim();
        await db.SaveChangesAsync(context.CancellationToken);
    }
}

/// <summary>Stores each approval of after-hours work once (by its id); the ticket's after-hours time becomes billable.</summary>
public sealed class AfterHoursWorkApprovedConsumer(BillingDbContext db) : IConsumer<AfterHoursWorkApproved>
{
    public async Task Consume(ConsumeContext<AfterHoursWorkApproved> context)
    {
        var message = context.Message;
        await db.InsertOnceAsync(a => a.ApprovalId == message.ApprovalId, () => new Approval
        {
            ApprovalId = message.ApprovalId, TicketId = message.TicketId, ClientId = message.ClientId,
            ApproverContactId = message.ApproverContactId, ApproverName = message.ApproverName, Method = message.Method,
            QuotedRate = message.QuotedRate, Currency = message.Currency, At = message.At.ToUniversalTime(), RecordedBy = message.RecordedBy,
        }, context.CancellationToken);
    }
}
