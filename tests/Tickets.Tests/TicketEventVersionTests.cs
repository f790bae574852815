using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>
/// Every event of a ticket carries its version (docs/adr/0023), so consumers can apply them in order; the ticket's copy
/// of its SLA clock follows sla's due-time changes and says what is not known yet.
/// </summary>
[Collection(TicketsCollection.Name)]
public sealed class TicketEventVersionTests(TicketsFixture tickets)
{
    private static readonly Guid Client = Guid.NewGuid();

    [Fact]
    public async Task Each_event_of_a_ticket_carries_the_next_version()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        ticket = await tickets.MoveAsync(ticket, "InProgress");
        ticket = await tickets.MoveAsync(ticket, "WaitingOnClient");
        var response = await tickets.Dispatcher().PostAsync($"/api/tickets/{ticket.Id}/priority",
            new { priority = "P1", reason = "The whole office is offline.", version = ticket.Version });
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);

        var opened = Assert.Single(await tickets.EventuallyPublishedAsync("TicketOpened", ticket.Id));
        var statuses = await tickets.EventuallyPublishedAsync("TicketStatusChanged", ticket.Id, 2);
        var priority = Assert.Single(await tickets.EventuallyPublishedAsync("TicketPriorityChanged", ticket.Id));
        Assert.Equal(1, opened.GetProperty("ticketVersion").GetInt32());
        Assert.Equal([2, 3], statuses.Select(s => s.GetProperty("ticketVersion").GetInt32()).Order());
        Assert.Equal(4, priority.GetProperty("ticketVersion").GetInt32());
    }

    [Fact]
    public async Task Ticket_says_its_clock_is_starting_until_sla_reports_and_then_follows_the_newest_due_times()
    {
        var ticket = await tickets.OpenTicketAsync(Client);
        Assert.Equal("starting", ticket.Sla.State);
        Assert.Null(ticket.Sla.WorkBeginsDueAt);

        var bus = tickets.App.Services.GetRequiredService<IBus>();
        var start = ticket.OpenedAt;
        var hour = TimeSpan.FromHours(1);
        // The resume (version 3) overtakes both the pause (2) and the start (1): neither may undo it.
        await bus.Publish(DueTimes(ticket.Id, "Running", start + 6 * hour, 3));
        await Eventually.TrueAsync(async () => (await tickets.GetTicketAsync(ticket.Id)).Sla.State == "running", "the resume's due times");
        await PublishConsumedAsync(bus, DueTimes(ticket.Id, "Paused", null, 2));
        await PublishConsumedAsync(bus, new SlaClockStarted(ticket.Id, Client, "P2", start, start + hour, start + hour / 4,
            start + 4 * hour, start + 2 * hour, "Etc/UTC", ClockVersion: 1));
        var resumed = (await tickets.GetTicketAsync(ticket.Id)).Sla;
        Assert.Equal("running", resumed.State);
        Assert.Equal(start + 6 * hour, resumed.WorkBeginsDueAt!.Value, TimeSpan.FromMilliseconds(1));

        await bus.Publish(DueTimes(ticket.Id, "Paused", null, 4)); // a newer pause does apply

        await Eventually.TrueAsync(async () => (await tickets.GetTicketAsync(ticket.Id)).Sla.State == "paused", "the second pause");
        var sla = (await tickets.GetTicketAsync(ticket.Id)).Sla;
        Assert.Null(sla.WorkBeginsDueAt); // suspended while paused
    }

    private async Task PublishConsumedAsync<T>(IBus bus, T message) where T : class
    {
        var messageId = NewId.NextGuid();
        await bus.Publish(message, context => context.MessageId = messageId);
        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.Set<InboxState>().AnyAsync(i => i.MessageId == messageId && i.Consumed != null)),
            $"{typeof(T).Name} to be consumed");
    }

    private static SlaDueTimesChanged DueTimes(Guid id, string clock, DateTimeOffset? workBeginsDueAt, int version) =>
        new(id, Client, clock, "P2", null, null, workBeginsDueAt, workBeginsDueAt, null, null, DateTimeOffset.UtcNow, version);
}
