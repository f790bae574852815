using System.Net;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform.Outbox;
using Microsoft.Extensions.DependencyInjection;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>sla's warnings and breaches put tickets in the at-risk and breached queue views.</summary>
[Collection(TicketsCollection.Name)]
public sealed class SlaViewTests(TicketsFixture tickets)
{
    private static readonly Guid Client = Guid.NewGuid();
    private readonly HttpClient _tech = tickets.Technician();

    [Fact]
    public async Task A_warned_ticket_is_at_risk_until_its_target_is_met_and_a_breached_one_stays_breached()
    {
        var warned = await tickets.OpenTicketAsync(Client);
        var breached = await tickets.OpenTicketAsync(Client);
        var due = tickets.Clock.Now.AddHours(1);
        var bus = tickets.App.Services.GetRequiredService<IBus>();

        await bus.Publish(Warning(warned.Id, 90, due));
        await Eventually.TrueAsync(async () => (await tickets.GetTicketAsync(warned.Id)).Sla.Risk?.Percent == 90, "the 90 % warning");
        var late = NewId.NextGuid();
        await bus.Publish(Warning(warned.Id, 75, due), context => context.MessageId = late); // late and lower: changes nothing
        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.Set<InboxState>().AnyAsync(i => i.MessageId == late && i.Consumed != null)),
            "the late warning to be consumed");
        await bus.Publish(Warning(breached.Id, 50, due));
        await bus.Publish(new SlaBreached(breached.Id, Client, "P3", SlaTargets.WorkBegins, SlaCommitments.Contractual, due));

        await Eventually.TrueAsync(async () => (await ViewAsync("breached")).Contains(breached.Id), "the breach to show");
        await Eventually.TrueAsync(async () => (await ViewAsync("at-risk")).Contains(warned.Id), "the warning to show");
        Assert.DoesNotContain(breached.Id, await ViewAsync("at-risk")); // breached is past being at risk
        var risk = (await tickets.GetTicketAsync(warned.Id)).Sla.Risk;
        Assert.Equal((SlaTargets.WorkBegins, 90), (risk!.Target, risk.Percent));
        Assert.Equal(due, risk.DueAt!.Value, TimeSpan.FromMilliseconds(1)); // PostgreSQL keeps microseconds
        var breach = (await tickets.GetTicketAsync(breached.Id)).Sla.Breach!;
        Assert.Equal(SlaTargets.WorkBegins, breach.Target);
        Assert.Equal(due, breach.DueAt, TimeSpan.FromMilliseconds(1));

        await bus.Publish(new SlaTargetMet(warned.Id, SlaTargets.WorkBegins, tickets.Clock.Now, due, true, true));

        await Eventually.TrueAsync(async () => !(await ViewAsync("at-risk")).Contains(warned.Id), "the met target to leave the at-risk view");
        Assert.Null((await tickets.GetTicketAsync(warned.Id)).Sla.Risk);
        Assert.Contains(breached.Id, await ViewAsync("breached"));
    }

    /// <summary>Targets met are applied a batch at a time (docs/adr/0066): every ticket of a batch, a copy and an unknown ticket among them.</summary>
    [Fact]
    public async Task Acknowledgement_targets_met_together_are_each_recorded_once()
    {
        var first = await tickets.OpenTicketAsync(Client);
        var second = await tickets.OpenTicketAsync(Client);
        var bus = tickets.App.Services.GetRequiredService<IBus>();
        var metAt = tickets.Clock.Now.AddMinutes(-5);
        SlaTargetMet Met(Guid id, DateTimeOffset at) => new(id, SlaTargets.Acknowledge, at, at.AddHours(1), true, true);

        await bus.PublishBatch([Met(first.Id, metAt), Met(Guid.NewGuid(), metAt), Met(second.Id, metAt.AddMinutes(1)), Met(first.Id, metAt)]);

        await Eventually.TrueAsync(async () => (await tickets.GetTicketAsync(second.Id)).Sla.AcknowledgedAt is not null, "the second ticket's acknowledgement");
        Assert.Equal(metAt, (await tickets.GetTicketAsync(first.Id)).Sla.AcknowledgedAt!.Value, TimeSpan.FromMilliseconds(1));
        Assert.Equal(metAt.AddMinutes(1), (await tickets.GetTicketAsync(second.Id)).Sla.AcknowledgedAt!.Value, TimeSpan.FromMilliseconds(1));
    }

    [Fact]
    public async Task A_client_user_cannot_ask_for_the_staff_views()
    {
        var response = await tickets.As(ServiceDesk.Platform.Roles.ClientUser, Client, "dana").GetAsync("/api/tickets?view=at-risk");
        await response.AssertInvalidAsync("view");
    }

    private static SlaWarning Warning(Guid ticketId, int percent, DateTimeOffset due) =>
        new(ticketId, Client, "P3", SlaTargets.WorkBegins, SlaCommitments.Contractual, percent, due.AddMinutes(-10), due);

    private async Task<Guid[]> ViewAsync(string view)
    {
        var response = await _tech.GetAsync($"/api/tickets?view={view}&clientId={Client}&limit=100");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return [.. (await response.ReadAsync<QueuePage>()).Items.Select(i => i.Id)];
    }
}
