using System.Net;
using System.Text.Json;
using Notify.Api.Domain;
using ServiceDesk.Testing;
using Sla.Contracts;

namespace Notify.Tests;

/// <summary>notify and sla together: what notify proves delivered is what the clock counts, and retries wait in sla's scheduler.</summary>
[Collection(NotifyWithSlaCollection.Name)]
public sealed class NotifyWithSlaTests(NotifyWithSlaFixture notify)
{
    [Fact]
    public async Task Acknowledgement_meets_the_target_by_its_message_and_its_bounce_opens_it_again_and_tells_the_desk()
    {
        var ticket = await notify.OpenTicketAsync(4001); // sla starts the clock, notify acknowledges
        var sent = (await notify.PublishedAsync("AcknowledgementSent", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId))[0];
        var messageId = sent.GetProperty("messageId").GetString()!;
        await Eventually.TrueAsync(async () => Ledger(await notify.ClockAsync(ticket.TicketId))
            .Any(e => e.GetProperty("kind").GetString() == "Met" && e.GetProperty("messageId").GetString() == messageId), "the target met by the acknowledgement");

        using var bounce = await BounceTests.PostBounceAsync(notify, BounceTests.Dsn(messageId, ticket.ContactEmail), NotifyFixture.BounceToken);
        Assert.Equal(HttpStatusCode.Accepted, bounce.StatusCode);

        var clock = (await Eventually.GetAsync(async () => await notify.ClockAsync(ticket.TicketId) is { } c
            && Ledger(c).Any(e => e.GetProperty("kind").GetString() == "DeliveryFailed") ? new[] { c } : null, "sla to record the bounce",
            explain: notify.Explain))[0];
        var failed = Assert.Single(Ledger(clock), e => e.GetProperty("kind").GetString() == "DeliveryFailed");
        Assert.Equal((SlaTargets.Acknowledge, messageId), (failed.GetProperty("target").GetString(), failed.GetProperty("messageId").GetString()));
        Assert.Equal(JsonValueKind.Null, clock.GetProperty("acknowledgedAt").ValueKind); // at risk again
        Assert.NotEqual(JsonValueKind.Null, clock.GetProperty("nextEscalationAt").ValueKind);
        await Eventually.GetAsync(() => Task.FromResult(notify.MailsTo(NotifyFixture.Desk)
            .SingleOrDefault(m => m.Subject?.StartsWith("[SD#4001] The acknowledgement did not reach", StringComparison.Ordinal) == true)),
            "the desk to be told", explain: notify.Explain);
    }

    [Fact]
    public async Task Transient_failure_is_retried_through_slas_durable_scheduler()
    {
        var ticket = await notify.OpenTicketAsync(4002);
        await notify.ConsumedAsync(await notify.PublishAsync(new Tickets.Contracts.TicketAssigned(ticket.TicketId, ticket.ClientId, null, "ravi",
            null, null, null, DateTimeOffset.UtcNow, "dispatch", "web")));
        var phone = NotifyFixture.People["ravi"].Phone;
        notify.Twilio.Answer(phone, 503);

        await notify.PublishAsync(new SlaBreached(ticket.TicketId, ticket.ClientId, "P2", SlaTargets.WorkBegins, SlaCommitments.Internal, DateTimeOffset.UtcNow));

        var sms = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "sms", State: DeliveryState.Sent }, "the retried SMS");
        Assert.Equal(2, sms.Attempts);
        Assert.Equal(2, notify.Twilio.Requests(phone).Count);
        Assert.Empty(notify.Scheduled(sms.Id)); // no stand-in here: sla's scheduler fired it
    }

    private static List<JsonElement> Ledger(JsonElement? clock) =>
        clock is { } c ? [.. c.GetProperty("ledger").EnumerateArray()] : [];
}
