using MassTransit;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;
using Sla.Contracts;
using Tickets.Contracts;

namespace Sla.Api.Consumers;

/// <summary>
/// Starts the ticket's clock. Idempotent: a clock is keyed by its ticket, and a redelivery republishes the stored
/// clock rather than computing a second one. Every client is on the default tier and calendar until clients carry
/// their own (issue 4's admin API).
/// </summary>
public sealed class TicketOpenedConsumer(SlaDbContext db, ClientCalendars calendars, SlaPolicySet policies)
    : IConsumer<TicketOpened>
{
    public async Task Consume(ConsumeContext<TicketOpened> context)
    {
        var ticket = context.Message;
        Telemetry.TagTicket(ticket.TicketId, ticket.ClientId, ticket.Priority);

        var clock = await db.InsertOnceAsync(c => c.TicketId == ticket.TicketId,
            () => SlaClock.Start(ticket.TicketId, ticket.ClientId, ticket.Priority, ticket.OpenedAt, calendars,
                policies.For(SlaPolicySet.DefaultTier)),
            context.CancellationToken);

        await context.Publish(new SlaClockStarted(clock.TicketId, clock.ClientId, clock.Priority, clock.StartedAt,
            clock.AcknowledgeDueAt, clock.AcknowledgeInternalDueAt, clock.WorkBeginsDueAt, clock.WorkBeginsInternalDueAt,
            clock.TimeZone));
    }
}
