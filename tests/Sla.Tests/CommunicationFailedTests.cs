using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Notify.Contracts;
using ServiceDesk.Testing;
using Sla.Contracts;

namespace Sla.Tests;

/// <summary>
/// A communication counts only when delivered (issue 15): when notify reports that the acknowledgement bounced, the
/// clock's ledger says so and the acknowledgement target is at risk again, up to its breach.
/// </summary>
public sealed class CommunicationFailedTests(SlaFixture sla) : IClassFixture<SlaFixture>
{
    [Fact]
    public async Task Bounced_acknowledgement_is_in_the_ledger_and_the_target_breaches_after_all()
    {
        var (id, openedAt) = await sla.OpenTicketAsync("P2");
        await sla.PublishedAsync(id, "SlaClockStarted", p => p.Type == "SlaClockStarted");
        const string messageId = "ack-bounce-test@servicedesk.example";
        await sla.PublishConsumedAsync(new AcknowledgementSent(id, "email", "dana@acme-dental.example", messageId, openedAt.AddMilliseconds(200)),
            "the acknowledgement");
        await sla.PublishedAsync(id, "the acknowledgement met", p => p.Type == "SlaTargetMet" && p.Target == SlaTargets.Acknowledge);

        await sla.PublishConsumedAsync(new CommunicationFailed(id, SlaFixture.ClientA, "some-other-message@servicedesk.example", "reply", "email",
            "dana@acme-dental.example", "bounced", "5.1.1", openedAt.AddMilliseconds(300)), "another message's bounce");
        await sla.PublishConsumedAsync(new CommunicationFailed(id, SlaFixture.ClientA, messageId, "acknowledgement", "email",
            "dana@acme-dental.example", "bounced", "5.1.1 user unknown", openedAt.AddMilliseconds(400)), "the acknowledgement's bounce");

        var clock = await sla.StatusAsync(id);
        var ledger = clock.GetProperty("ledger").EnumerateArray().ToList();
        var met = Assert.Single(ledger, e => e.GetProperty("kind").GetString() == "Met");
        Assert.Equal(messageId, met.GetProperty("messageId").GetString());
        var failed = Assert.Single(ledger, e => e.GetProperty("kind").GetString() == "DeliveryFailed");
        Assert.Equal((SlaTargets.Acknowledge, messageId), (failed.GetProperty("target").GetString(), failed.GetProperty("messageId").GetString()));
        Assert.Contains("5.1.1 user unknown", failed.GetProperty("cause").GetString());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, clock.GetProperty("acknowledgedAt").ValueKind);

        // Nobody was told after all: the acknowledgement breaches at its original due time (9 s scaled).
        await sla.PublishedAsync(id, "the acknowledgement's breach",
            p => p.Type == "SlaBreached" && p.Target == SlaTargets.Acknowledge && p.Commitment == SlaCommitments.Contractual);
        // The reports count it as the clock does: missed, not met by a message nobody received.
        var outcome = await Eventually.GetAsync(async () =>
        {
            await using var scope = sla.App.Services.CreateAsyncScope();
            var row = await scope.ServiceProvider.GetRequiredService<Sla.Api.Data.SlaDbContext>().TargetOutcomes.AsNoTracking()
                .SingleAsync(o => o.TicketId == id && o.Target == SlaTargets.Acknowledge);
            return row.MetContractual == false ? row : null;
        }, "the report row to count the breach");
        Assert.Null(outcome.MetAt);
    }
}
