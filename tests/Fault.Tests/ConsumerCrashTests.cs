using Intake.Contracts;
using MassTransit;
using ServiceDesk.Testing;

namespace Fault.Tests;

/// <summary>Processes killed for real, messages delivered more than once: nothing lost, nothing doubled.</summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class ConsumerCrashTests(FaultSystem system) : IAsyncLifetime
{
    public Task InitializeAsync() => system.DrainedAsync(); // never on top of another case's backlog

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Consumers_killed_mid_stream_lose_and_double_nothing()
    {
        var parked = await system.ParkedAsync();
        var accepted = await system.StreamAsync(FaultSystem.StreamLength, parallel: 16, new Dictionary<double, Func<Task>>
        {
            [0.25] = () => KillAndRestartAsync("tickets"),
            [0.50] = () => KillAndRestartAsync("sla"),
            [0.75] = () => KillAndRestartAsync("billing"),
        });

        Assert.Equal(FaultSystem.StreamLength, accepted.Count); // intake stayed up: every request was accepted
        await system.ReconciledAsync(accepted);
        // Nothing parked either, notify's work included (which the reconciliation does not read): notify once parked
        // clock starts that came before their ticket behind a backlog (docs/adr/0067).
        await system.DrainedAsync();
        Assert.Equal(parked, await system.ParkedAsync());
    }

    [Fact]
    public async Task Same_message_delivered_three_times_has_one_effect()
    {
        var requestId = NewId.NextGuid();
        var contact = $"thrice.{requestId:N}@example.com";
        var request = new ServiceRequestReceived(requestId, "web", DateTimeOffset.UtcNow, RunningSystem.DemoClient, contact, null,
            "Said three times", "The same message, delivered three times.", null);
        await StoreInIntakeAsync(request); // as intake stored it before publishing (here, three times)
        await system.PublishAsync(request, times: 3, configure: context => context.MessageId = requestId);

        await system.ReconciledAsync([requestId]);
        // Everything downstream ran three times, and nothing is left to run (so a wrong second email would be here by
        // now); the contact still hears once.
        await system.DrainedAsync();
        Assert.Single(system.Mail.Messages(), m => m.To.Mailboxes.Any(t => t.Address == contact));
        await using var sla = new Npgsql.NpgsqlConnection(system.DatabaseOf("sla"));
        await sla.OpenAsync();
        await using var met = new Npgsql.NpgsqlCommand("""
            SELECT count(*) FROM ticket_sla, jsonb_array_elements("Ledger") AS entry
            WHERE "CorrelationId" = $1 AND entry ->> 'kind' = 'Met'
            """, sla)
        {
            Parameters = { new() { Value = requestId } },
        };
        Assert.Equal(1L, await met.ExecuteScalarAsync()); // the acknowledgement is met once in the clock ledger
    }

    private async Task StoreInIntakeAsync(ServiceRequestReceived request)
    {
        await using var intake = new Npgsql.NpgsqlConnection(system.DatabaseOf("intake"));
        await intake.OpenAsync();
        await using var insert = new Npgsql.NpgsqlCommand("""
            INSERT INTO service_requests ("Id", "Channel", "ReceivedAt", "ClientId", "ContactEmail", "Subject", "Description")
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, intake)
        {
            Parameters =
            {
                new() { Value = request.RequestId }, new() { Value = request.Channel }, new() { Value = request.ReceivedAt },
                new() { Value = request.ClientId }, new() { Value = request.ContactEmail }, new() { Value = request.Subject },
                new() { Value = request.Description },
            },
        };
        await insert.ExecuteNonQueryAsync();
    }

    private async Task KillAndRestartAsync(string service)
    {
        var app = system.App(service);
        await app.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(1)); // requests keep arriving while it is down
        await app.RestartAsync();
    }
}
