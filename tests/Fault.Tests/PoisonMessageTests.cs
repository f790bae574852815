using System.Globalization;
using System.Text;
using MassTransit;
using Npgsql;
using RabbitMQ.Client;
using ServiceDesk.Testing;
using Sla.Contracts;

namespace Fault.Tests;

/// <summary>A message no retry can fix is parked with its exception, and goes back with one command after the fix.</summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class PoisonMessageTests(FaultSystem system) : IAsyncLifetime
{
    private const string Queue = "notify-sla-clock-started";

    public Task InitializeAsync() => system.DrainedAsync(); // never on top of another case's backlog

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Poison_message_lands_in_the_error_queue_and_requeue_delivers_it_after_the_fix()
    {
        // A clock for a ticket notify never heard of: it has no one to write to, retries, then gives up.
        var ticketId = NewId.NextGuid();
        var contact = $"poison.{ticketId:N}@example.com";
        var now = DateTimeOffset.UtcNow;
        await system.PublishAsync(new SlaClockStarted(ticketId, RunningSystem.DemoClient, "P3", now, now.AddHours(1), now.AddMinutes(15),
            now.AddHours(24), now.AddHours(8), "America/New_York"));

        var fault = await Eventually.GetAsync(() => FaultOfParkedMessageAsync(ticketId), "the message in the error queue");
        Assert.Contains("is not known to notify yet", fault, StringComparison.Ordinal);

        // The fix: notify learns the ticket, as TicketOpened would have told it.
        await using (var notify = new NpgsqlConnection(system.DatabaseOf("notify")))
        {
            await notify.OpenAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO ticket_contacts ("TicketId", "Number", "ClientId", "Email", "Subject") VALUES ($1, 424242, $2, $3, 'Poisoned')
                """, notify) { Parameters = { new() { Value = ticketId }, new() { Value = RunningSystem.DemoClient }, new() { Value = contact } } };
            await insert.ExecuteNonQueryAsync();
        }

        var rabbit = system.Infrastructure.RabbitMq;
        var output = await ProcessRunner.RunAsync("dotnet",
            [Path.Combine(Repository.Root, "tools/Requeue/bin", Repository.Configuration, "net10.0/Requeue.dll"), Queue],
            new Dictionary<string, string>
            {
                ["RabbitMq__Host"] = rabbit.Host, ["RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
                ["RabbitMq__Username"] = rabbit.Username, ["RabbitMq__Password"] = rabbit.Password, ["RabbitMq__VirtualHost"] = system.VirtualHost,
            });

        Assert.Contains($"1 message(s) moved from {Queue}_error to {Queue}.", output, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Task.FromResult(system.Mail.Messages().Any(m => m.To.Mailboxes.Any(t => t.Address == contact))),
            "the acknowledgement, once the message is back");
    }

    /// <summary>The MT-Fault-Message of the parked message about the ticket, looked at and left in place.</summary>
    private async Task<string?> FaultOfParkedMessageAsync(Guid ticketId)
    {
        var rabbit = system.Infrastructure.RabbitMq;
        await using var connection = await new ConnectionFactory
        {
            HostName = rabbit.Host, Port = rabbit.Port, UserName = rabbit.Username, Password = rabbit.Password, VirtualHost = system.VirtualHost,
        }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            while (await channel.BasicGetAsync($"{Queue}_error", autoAck: false) is { } parked)
            {
                // Unacknowledged until the channel closes, which puts every message back.
                if (Encoding.UTF8.GetString(parked.Body.Span).Contains(ticketId.ToString(), StringComparison.Ordinal)
                    && parked.BasicProperties.Headers?.TryGetValue("MT-Fault-Message", out var fault) == true)
                    return fault is byte[] bytes ? Encoding.UTF8.GetString(bytes) : fault?.ToString();
            }
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // The error queue does not exist until the first failure.
        }
        return null;
    }
}
