using System.Net;
using System.Text.Json;
using MassTransit;
using Notify.Contracts;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Contracts;

namespace Sla.Tests;

/// <summary>
/// The ticket's SLA saga on the real broker and database, with targets scaled down (SlaFixture): a standard P2 ticket
/// must be acknowledged within 9 s (internally 2.25 s) and worked on within 36 s (internally 18 s).
/// </summary>
public sealed class TicketSlaSagaTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    private static readonly TimeSpan AcknowledgeTarget = SlaFixture.Target(1);

    [Fact]
    public async Task Opened_ticket_gets_a_stored_clock_and_its_due_times_are_announced()
    {
        var (id, openedAt) = await sla.OpenTicketAsync("P2");

        var started = await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted");
        Assert.Equal(openedAt, started.Message.GetProperty("startedAt").GetDateTimeOffset());
        Assert.Equal(openedAt + AcknowledgeTarget, started.Message.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
        Assert.Equal(openedAt + SlaFixture.Target(0.25), started.Message.GetProperty("acknowledgeInternalDueAt").GetDateTimeOffset());
        Assert.Equal(openedAt + SlaFixture.Target(4), started.Message.GetProperty("workBeginsDueAt").GetDateTimeOffset());
        Assert.Equal(openedAt + SlaFixture.Target(2), started.Message.GetProperty("workBeginsInternalDueAt").GetDateTimeOffset());
        Assert.Equal("Etc/UTC", started.Message.GetProperty("timeZone").GetString());
        var ticket = started.Message.GetProperty("ticket"); // what notify acknowledges with (docs/adr/0068)
        Assert.Equal((1L, "dana@acme-dental.example", "Dana", "web", "Printer jam"), (ticket.GetProperty("number").GetInt64(),
            ticket.GetProperty("contactEmail").GetString(), ticket.GetProperty("contactName").GetString(), ticket.GetProperty("channel").GetString(),
            ticket.GetProperty("subject").GetString()));

        var saga = await sla.SagaAsync(id);
        Assert.NotNull(saga);
        Assert.Equal((SlaFixture.ClientA, "P2", "standard", "Running"), (saga.ClientId, saga.Priority, saga.Tier, saga.Clock));
        Assert.Equal("Started", Assert.Single(saga.Ledger).Kind.ToString());
        Assert.NotNull(saga.EscalationToken); // the first escalation step is waiting in the durable scheduler
    }

    [Fact]
    public async Task Unacknowledged_ticket_is_warned_and_then_breached_once()
    {
        var (id, openedAt) = await sla.OpenTicketAsync("P2");

        var breach = await sla.PublishedAsync(id, "the acknowledgement's contractual breach",
            p => p.Type == "SlaBreached" && p.Target == SlaTargets.Acknowledge && p.Commitment == SlaCommitments.Contractual);

        Assert.Equal(openedAt + AcknowledgeTarget, breach.DueAt);
        var published = sla.PublishedFor(id);
        var warnings = published.TakeWhile(p => p != breach)
            .Where(p => p.Type == "SlaWarning" && p.Target == SlaTargets.Acknowledge && p.Commitment == SlaCommitments.Contractual)
            .Select(p => p.Message.GetProperty("percent").GetInt32()).ToList();
        Assert.NotEmpty(warnings); // the target warned before it broke
        Assert.Equal(warnings.Order().Distinct(), warnings);
        Assert.All(warnings, percent => Assert.InRange(percent, 50, 99));
        // The internal target (2.25 s) broke first, and each breach is announced once.
        Assert.Single(published, p => p.Type == "SlaBreached" && p.Target == SlaTargets.Acknowledge && p.Commitment == SlaCommitments.Internal);
        Assert.Single(published, p => p.Type == "SlaBreached" && p.Target == SlaTargets.Acknowledge && p.Commitment == SlaCommitments.Contractual);

        var ledger = Kinds(await sla.StatusAsync(id));
        Assert.Contains(("Warned", SlaTargets.Acknowledge), ledger);
        Assert.Contains(("Breached", SlaTargets.Acknowledge), ledger);
    }

    [Fact]
    public async Task Acknowledgement_meets_the_target_and_stops_its_escalations()
    {
        var (id, openedAt) = await sla.OpenTicketAsync("P2");
        await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted"); // notify acknowledges after it
        await sla.PublishAsync(new AcknowledgementSent(id, "email", "dana@acme-dental.example", "<ack@servicedesk.example>", openedAt.AddMilliseconds(200)));

        var met = await sla.PublishedAsync(id, "SlaTargetMet", p => p.Type == "SlaTargetMet");
        Assert.Equal(SlaTargets.Acknowledge, met.Target);
        Assert.Equal(openedAt.AddMilliseconds(200), met.Message.GetProperty("metAt").GetDateTimeOffset());
        Assert.True(met.Message.GetProperty("metContractual").GetBoolean());
        Assert.True(met.Message.GetProperty("metInternal").GetBoolean());

        // Work-begins' internal 75% step (13.5 s) comes well after the acknowledgement would have broken (9 s).
        await sla.PublishedAsync(id, "work-begins' 75% warning",
            p => p.Type == "SlaWarning" && p.Target == SlaTargets.WorkBegins && p.Message.GetProperty("percent").GetInt32() >= 75);
        Assert.DoesNotContain(sla.PublishedFor(id), p => p.Type is "SlaWarning" or "SlaBreached" && p.Target == SlaTargets.Acknowledge);
    }

    [Fact]
    public async Task Waiting_on_the_client_pauses_the_clock_and_resuming_moves_due_times_by_the_pause()
    {
        var (control, _) = await sla.OpenTicketAsync("P2");
        var (id, openedAt) = await sla.OpenTicketAsync("P2");
        var pausedAt = openedAt.AddMilliseconds(100);
        await sla.PublishAsync(SlaFixture.StatusChanged(id, TicketStatuses.New, TicketStatuses.WaitingOnClient, pausedAt));

        // The twin ticket left running breaks its acknowledgement; the paused one hears nothing meanwhile.
        await sla.PublishedAsync(control, "the running ticket's breach", p => p.Type == "SlaBreached" && p.Commitment == SlaCommitments.Contractual);
        Assert.DoesNotContain(sla.PublishedFor(id), p => p.Type is "SlaWarning" or "SlaBreached");
        var paused = await sla.StatusAsync(id);
        Assert.Equal(("Paused", true), (paused.GetProperty("status").GetString(), paused.GetProperty("paused").GetBoolean()));
        Assert.Equal(JsonValueKind.Null, paused.GetProperty("acknowledgeDueAt").ValueKind); // no due time while paused

        var resumedAt = SlaFixture.Now();
        await sla.PublishAsync(SlaFixture.StatusChanged(id, TicketStatuses.WaitingOnClient, TicketStatuses.Acknowledged, resumedAt));

        var dueAt = openedAt + AcknowledgeTarget + (resumedAt - pausedAt);
        var running = await Eventually.GetAsync(async () =>
            await sla.StatusAsync(id) is { } status && status.GetProperty("status").GetString() == "Running" ? (object)status : null,
            "the clock to resume") is JsonElement s ? s : default;
        Assert.Equal(dueAt, running.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
        Assert.Contains(("Resumed", null), Kinds(running));
        var breach = await sla.PublishedAsync(id, "the resumed ticket's breach",
            p => p.Type == "SlaBreached" && p.Target == SlaTargets.Acknowledge && p.Commitment == SlaCommitments.Contractual);
        Assert.Equal(dueAt, breach.DueAt);
        Assert.True(breach.ReceivedAt >= dueAt, "breached before its moved due time");
    }

    [Fact]
    public async Task Priority_change_recomputes_targets_from_the_start_and_records_why()
    {
        var (id, openedAt) = await sla.OpenTicketAsync("P4");
        await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted");

        await sla.PublishAsync(new TicketPriorityChanged(id, SlaFixture.ClientA, "P4", "P1", "The whole office is offline.",
            openedAt.AddMilliseconds(500), "dispatcher@msp.example", "web"));

        var status = await Eventually.GetAsync(async () =>
            await sla.StatusAsync(id) is { } s && s.GetProperty("priority").GetString() == "P1" ? (object)s : null,
            "the priority change") is JsonElement e ? e : default;
        Assert.Equal(openedAt + SlaFixture.Target(2), status.GetProperty("workBeginsDueAt").GetDateTimeOffset()); // P1: 2 h, not P4's 45 h
        Assert.Equal(openedAt + AcknowledgeTarget, status.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
        var recalculated = status.GetProperty("ledger").EnumerateArray().Single(l => l.GetProperty("kind").GetString() == "Recalculated");
        Assert.Contains("P4 on standard became P1 on standard: The whole office is offline.", recalculated.GetProperty("cause").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Same_events_delivered_twice_change_nothing()
    {
        var opened = NewId.NextGuid();
        var (id, openedAt) = await sla.OpenTicketAsync("P3", opened);
        var acknowledged = new AcknowledgementSent(id, "email", "dana@acme-dental.example", "<ack@servicedesk.example>", openedAt.AddMilliseconds(300));
        var acknowledgedId = NewId.NextGuid();
        var waiting = SlaFixture.StatusChanged(id, TicketStatuses.Acknowledged, TicketStatuses.WaitingOnClient, openedAt.AddMilliseconds(400));

        // Redelivered (same MessageId: the inbox) and sent again (a new id: the clock's own state).
        await sla.Bus.Publish(new TicketOpened(id, 1, SlaFixture.ClientA, "dana@acme-dental.example", "Dana", "web", "Printer jam", "P3", openedAt),
            c => c.MessageId = opened);
        await sla.PublishAsync(new TicketOpened(id, 1, SlaFixture.ClientA, "dana@acme-dental.example", "Dana", "web", "Printer jam", "P3", openedAt));
        await sla.PublishAsync(acknowledged, acknowledgedId);
        await sla.PublishAsync(acknowledged, acknowledgedId);
        await sla.PublishAsync(acknowledged);
        await sla.PublishAsync(waiting);
        await sla.PublishAsync(waiting);

        await Eventually.TrueAsync(async () => (await sla.SagaAsync(id))?.Ledger.Select(e => e.Kind.ToString()) is { } kinds
            && kinds.Contains("Met") && kinds.Contains("Paused"), "the acknowledgement and the pause");
        await Task.Delay(TimeSpan.FromSeconds(2)); // room for a (wrong) second effect to show: a negative check, not a deadline
        var saga = await sla.SagaAsync(id);
        // Warnings and breaches come from the (scaled) clock, not from these events: on a slow machine the pause can
        // arrive after one of them fell due, so only the events' own entries are counted.
        Assert.Equal(["Met", "Paused", "Started"], saga!.Ledger.Select(e => e.Kind.ToString()).Where(k => k is not ("Warned" or "Breached")).Order());
        Assert.Equal("Paused", saga.Clock);
        var published = sla.PublishedFor(id);
        Assert.Single(published, p => p.Type == "SlaClockStarted");
        Assert.Single(published, p => p.Type == "SlaTargetMet");
    }

    [Fact]
    public async Task Status_and_ledger_are_shown_to_staff_and_the_owning_client_only()
    {
        var (id, openedAt) = await sla.OpenTicketAsync("P2");
        await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted");

        var status = await sla.StatusAsync(id);
        Assert.Equal(("Running", "P2", "standard"),
            (status.GetProperty("status").GetString(), status.GetProperty("priority").GetString(), status.GetProperty("tier").GetString()));
        Assert.Equal([("Started", null)], Kinds(status).Take(1));
        var acknowledge = status.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == SlaTargets.Acknowledge);
        Assert.Equal(openedAt + AcknowledgeTarget, acknowledge.GetProperty("contractual").GetProperty("dueAt").GetDateTimeOffset());

        var uri = new Uri($"/api/sla/tickets/{id}", UriKind.Relative);
        var owner = sla.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, SlaFixture.ClientA));
        var stranger = sla.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, Guid.NewGuid()));
        Assert.Equal(HttpStatusCode.OK, (await owner.GetAsync(uri)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await stranger.GetAsync(uri)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await sla.App.CreateClient().GetAsync(uri)).StatusCode);
    }

    [Fact]
    public async Task A_client_user_reads_only_the_clocks_of_their_own_tickets_and_a_client_admin_the_whole_clients()
    {
        var client = Guid.NewGuid();
        var (dana, sam) = (Guid.NewGuid(), Guid.NewGuid());
        await sla.ChangeClientAsync(client, 1, "standard", null, contacts:
            [new ContactSnapshot(dana, "Dana", ["Dana@Harbor.example"], [], 1), new ContactSnapshot(sam, "Sam", ["sam@harbor.example"], [], 2)]);
        var (id, _) = await sla.OpenTicketAsync("P2", clientId: client, contactEmail: "dana@HARBOR.example");
        await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted");

        var uri = new Uri($"/api/sla/tickets/{id}", UriKind.Relative);
        HttpClient As(string role, Guid contact) => sla.App.CreateClient().As(TestAuth.Token(role, client, "someone", contact));
        Assert.Equal(HttpStatusCode.OK, (await As(Roles.ClientUser, dana).GetAsync(uri)).StatusCode);
        // A coworker learns nothing, not even that the ticket exists; their client admin sees the company's.
        Assert.Equal(HttpStatusCode.NotFound, (await As(Roles.ClientUser, sam).GetAsync(uri)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As(Roles.ClientAdmin, sam).GetAsync(uri)).StatusCode);

        // The directory decides: once Dana's address is Sam's (a newer revision), the clock is Sam's and no longer Dana's.
        await sla.ChangeClientAsync(client, 2, "standard", null, contacts:
            [new ContactSnapshot(dana, "Dana", ["dana@new-harbor.example"], [], 1), new ContactSnapshot(sam, "Sam", ["sam@harbor.example", "dana@harbor.example"], [], 2)]);
        Assert.Equal(HttpStatusCode.NotFound, (await As(Roles.ClientUser, dana).GetAsync(uri)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await As(Roles.ClientUser, sam).GetAsync(uri)).StatusCode);
    }

    private static List<(string? Kind, string? Target)> Kinds(JsonElement status) =>
        [.. status.GetProperty("ledger").EnumerateArray().Select(e => (e.GetProperty("kind").GetString(), e.GetProperty("target").GetString()))];
}
