using MassTransit;
using Sla.Contracts;
using Tickets.Contracts;

namespace StaffConsole.Live;

/// <summary>
/// The events that change what a queue row or the ticket view shows, turned into <see cref="TicketFeed"/> notices. It only
/// records versions in memory, so a redelivery is harmless and it needs no inbox (docs/adr/0044).
/// </summary>
public sealed class TicketEventsConsumer(TicketFeed feed) :
    IConsumer<TicketOpened>, IConsumer<TicketStatusChanged>, IConsumer<TicketPriorityChanged>, IConsumer<TicketAssigned>,
    IConsumer<TicketMerged>, IConsumer<PublicReplyPosted>, IConsumer<TimeEntryRecorded>,
    IConsumer<SlaClockStarted>, IConsumer<SlaDueTimesChanged>, IConsumer<SlaTargetMet>, IConsumer<SlaWarning>, IConsumer<SlaBreached>,
    IConsumer<OnCallPaged>, IConsumer<PageAcknowledged>, IConsumer<PagingExhausted>, IConsumer<AfterHoursWorkApproved>
{
    public Task Consume(ConsumeContext<TicketOpened> context) => Tell(context.Message.TicketId, context.Message.ClientId, context.Message.TicketVersion, "opened");
    public Task Consume(ConsumeContext<TicketStatusChanged> context) => Tell(context.Message.TicketId, context.Message.ClientId, context.Message.TicketVersion, "status");
    public Task Consume(ConsumeContext<TicketPriorityChanged> context) => Tell(context.Message.TicketId, context.Message.ClientId, context.Message.TicketVersion, "priority");
    public Task Consume(ConsumeContext<TicketAssigned> context) => Tell(context.Message.TicketId, context.Message.ClientId, context.Message.TicketVersion, "assignment");
    public Task Consume(ConsumeContext<TicketMerged> context) => Tell(context.Message.TicketId, context.Message.ClientId, context.Message.TicketVersion, "merged");
    public Task Consume(ConsumeContext<PublicReplyPosted> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "reply");
    public Task Consume(ConsumeContext<TimeEntryRecorded> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "time");
    public Task Consume(ConsumeContext<SlaClockStarted> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "sla");
    public Task Consume(ConsumeContext<SlaDueTimesChanged> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "sla");
    public Task Consume(ConsumeContext<SlaTargetMet> context) => Tell(context.Message.TicketId, Guid.Empty, 0, "sla"); // carries no client id
    public Task Consume(ConsumeContext<SlaWarning> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "sla");
    public Task Consume(ConsumeContext<SlaBreached> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "breach");
    public Task Consume(ConsumeContext<OnCallPaged> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "paging");
    public Task Consume(ConsumeContext<PageAcknowledged> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "paging");
    public Task Consume(ConsumeContext<PagingExhausted> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "paging");
    public Task Consume(ConsumeContext<AfterHoursWorkApproved> context) => Tell(context.Message.TicketId, context.Message.ClientId, 0, "approval");

    private Task Tell(Guid ticketId, Guid clientId, int version, string what)
    {
        feed.Publish(ticketId, clientId, version, what);
        return Task.CompletedTask;
    }
}
