using MassTransit;
using Notify.Contracts;
using ServiceDesk.Testing;
using Sla.Api.Domain;
using Sla.Contracts;
using Tickets.Contracts;

namespace Sla.Tests;

/// <summary>
/// A ticket's events reach sla in any order (the outbox sends different outboxes concurrently, consumers run in
/// parallel); the saga applies them in the ticket's version order (docs/adr/0023), so the clock never disagrees with
/// the ticket.
/// </summary>
public sealed class TicketEventOrderTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    /// <summary>Versions 2..5 after TicketOpened (1): waiting, answered, waiting again, answered again.</summary>
    private static TicketStatusChanged[] Statuses(Guid id, DateTimeOffset openedAt) =>
    [
        SlaFixture.StatusChanged(id, TicketStatuses.Acknowledged, TicketStatuses.WaitingOnClient, openedAt.AddMilliseconds(100), 2),
        SlaFixture.StatusChanged(id, TicketStatuses.WaitingOnClient, TicketStatuses.InProgress, openedAt.AddMilliseconds(200), 3),
        SlaFixture.StatusChanged(id, TicketStatuses.InProgress, TicketStatuses.WaitingOnClient, openedAt.AddMilliseconds(300), 4),
        SlaFixture.StatusChanged(id, TicketStatuses.WaitingOnClient, TicketStatuses.InProgress, openedAt.AddMilliseconds(400), 5),
    ];

    [Fact]
    public async Task Status_events_delivered_in_any_order_leave_the_clock_as_the_ticket_is()
    {
        var permutations = Permutations([0, 1, 2, 3]).ToList();
        Assert.Equal(24, permutations.Count);

        // Each permutation on its own ticket, all at once; within a ticket one event arrives only after the one before.
        var ledgers = await Task.WhenAll(permutations.Select(async order =>
        {
            var (id, openedAt) = await OpenVersionedAsync();
            var statuses = Statuses(id, openedAt);
            foreach (var i in order)
                await sla.PublishConsumedAsync(statuses[i], $"version {statuses[i].TicketVersion} of [{string.Join(",", order.Select(o => o + 2))}]");

            var saga = await sla.SagaAsync(id);
            Assert.NotNull(saga);
            Assert.Equal((5, 0, "Running"), (saga.TicketVersion, saga.Held.Count, saga.Clock));
            // Every entry at the instant its event happened: nothing applied late, nothing clamped.
            return string.Join(" ", saga.Ledger.Where(e => e is not EscalationReached)
                .Select(e => $"{e.Kind}@{(e.At - openedAt).TotalMilliseconds}"));
        }));

        Assert.All(ledgers, ledger => Assert.Equal("Started@0 Met@50 Paused@100 Resumed@200 Met@200 Paused@300 Resumed@400", ledger));
    }

    [Fact]
    public async Task Event_of_a_version_already_applied_is_dropped()
    {
        var (id, openedAt) = await OpenVersionedAsync();
        var statuses = Statuses(id, openedAt);
        await sla.PublishConsumedAsync(statuses[0], "version 2");
        await sla.PublishConsumedAsync(statuses[1], "version 3");
        // Sent again with a new message id (the inbox does not know it), and an older version after a newer one.
        await sla.PublishConsumedAsync(statuses[0], "version 2 again");

        var saga = await sla.SagaAsync(id);
        Assert.Equal((3, "Running"), (saga!.TicketVersion, saga.Clock));
        Assert.Single(saga.Ledger, e => e.Kind == LedgerKind.Paused);
    }

    [Fact]
    public async Task Assignments_and_merges_fill_the_ticket_s_versions()
    {
        var (id, openedAt) = await OpenVersionedAsync();
        // The pause (3) arrives before the assignment (2) it follows: held until the assignment comes.
        await sla.PublishConsumedAsync(SlaFixture.StatusChanged(id, TicketStatuses.Acknowledged, TicketStatuses.WaitingOnClient,
            openedAt.AddMilliseconds(200), 3), "version 3");
        var held = await sla.SagaAsync(id);
        Assert.Equal((1, 1, "Running"), (held!.TicketVersion, held.Held.Count, held.Clock));

        await sla.PublishConsumedAsync(new TicketAssigned(id, SlaFixture.ClientA, Guid.NewGuid(), "tess", null, null, null,
            openedAt.AddMilliseconds(100), "dora", "web", TicketVersion: 2), "version 2");
        var saga = await sla.SagaAsync(id);
        Assert.Equal((3, 0, "Paused"), (saga!.TicketVersion, saga.Held.Count, saga.Clock));
    }

    [Fact]
    public async Task Pause_and_resume_announce_the_new_due_times()
    {
        var (id, openedAt) = await OpenVersionedAsync();
        var pausedAt = openedAt.AddMilliseconds(100);
        var resumedAt = openedAt.AddMilliseconds(700);
        await sla.PublishAsync(SlaFixture.StatusChanged(id, TicketStatuses.Acknowledged, TicketStatuses.WaitingOnClient, pausedAt, 2));
        await sla.PublishAsync(SlaFixture.StatusChanged(id, TicketStatuses.WaitingOnClient, TicketStatuses.Acknowledged, resumedAt, 3));

        var paused = await sla.PublishedAsync(id, "the pause's due times", p => p.Type == "SlaDueTimesChanged" && p.Message.GetProperty("clock").GetString() == "Paused");
        Assert.Equal(System.Text.Json.JsonValueKind.Null, paused.Message.GetProperty("workBeginsDueAt").ValueKind); // suspended
        var resumed = await sla.PublishedAsync(id, "the resume's due times", p => p.Type == "SlaDueTimesChanged" && p.Message.GetProperty("clock").GetString() == "Running");
        var started = await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted");
        Assert.Equal(started.Message.GetProperty("workBeginsDueAt").GetDateTimeOffset() + (resumedAt - pausedAt),
            resumed.Message.GetProperty("workBeginsDueAt").GetDateTimeOffset()); // the paused time is added back
        Assert.True(resumed.Message.GetProperty("clockVersion").GetInt32() > paused.Message.GetProperty("clockVersion").GetInt32());
    }

    [Fact]
    public async Task Reply_meets_the_acknowledgement_when_it_was_mailed()
    {
        var (id, openedAt) = await sla.OpenTicketAsync("P2");
        await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted");
        var mailedAt = openedAt.AddMilliseconds(300);
        await sla.PublishAsync(new ReplyMailed(Guid.NewGuid(), id, "reply-1@servicedesk.example", "dana@acme-dental.example", mailedAt));

        var met = await sla.PublishedAsync(id, "SlaTargetMet", p => p.Type == "SlaTargetMet");
        Assert.Equal(SlaTargets.Acknowledge, met.Target);
        Assert.Equal(mailedAt, met.Message.GetProperty("metAt").GetDateTimeOffset());
    }

    /// <summary>
    /// A P4 ticket opened at version 1 and acknowledged (at +50 ms). It is dated a minute ahead of the wall clock so no
    /// escalation timer fires while the test runs, however slowly a loaded machine consumes (scaled, P4's first step
    /// is under two seconds after opening), and every later entry keeps its event's own instant.
    /// </summary>
    private async Task<(Guid Id, DateTimeOffset OpenedAt)> OpenVersionedAsync()
    {
        var id = NewId.NextGuid();
        var openedAt = SlaFixture.Now().AddMinutes(1);
        await sla.PublishConsumedAsync(new TicketOpened(id, 1, SlaFixture.ClientA, "dana@acme-dental.example", "Dana", "web",
            "Printer jam", "P4", openedAt, TicketVersion: 1), "TicketOpened");
        await sla.PublishConsumedAsync(new AcknowledgementSent(id, "email", "dana@acme-dental.example", "<ack@servicedesk.example>",
            openedAt.AddMilliseconds(50)), "AcknowledgementSent");
        return (id, openedAt);
    }

    private static IEnumerable<int[]> Permutations(int[] items) => items.Length <= 1
        ? [items]
        : items.SelectMany(first => Permutations([.. items.Where(i => i != first)]).Select(rest => (int[])[first, .. rest]));
}
