using System.Globalization;
using System.Text;
using MassTransit;
using Npgsql;
using RabbitMQ.Client;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Contracts;

namespace Fault.Tests;

/// <summary>
/// A message no retry can fix is parked with its exception, and goes back with one command after the fix; a message that
/// only waits for another (a peer's event behind it) waits, and is not parked with it.
/// </summary>
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
        // A clock's start whose ticket has a subject longer than notify's column (a publisher ahead of the schema): notify
        // cannot store the ticket however often it tries. Sent to notify's queues alone, so that no other service is
        // poisoned with it.
        var ticketId = NewId.NextGuid();
        var contact = $"poison.{ticketId:N}@example.com";
        var now = DateTimeOffset.UtcNow;
        // The ticket's assignment needs what the clock's start stores: notify waits for it (docs/adr/0067) rather than
        // parking this too.
        await system.SendAsync("notify-ticket-assigned", new TicketAssigned(ticketId, RunningSystem.DemoClient, null, "tess", null, null, null,
            now, "dispatch", "web", 2));
        await system.SendAsync(Queue, new SlaClockStarted(ticketId, RunningSystem.DemoClient, "P3", now, now.AddHours(1), now.AddMinutes(15),
            now.AddHours(24), now.AddHours(8), "America/New_York")
        {
            Ticket = new OpenedTicket(424242, contact, null, "web", $"Poisoned {new string('x', 300)}", null),
        });

        var fault = await Eventually.GetAsync(() => FaultOfParkedMessageAsync(ticketId), "the message in the error queue");
        Assert.Contains("value too long", fault, StringComparison.Ordinal);

        // Past the quick retries (8.6 s), after which the assignment went to _error before ADR 67.
        await Task.Delay(TimeSpan.FromSeconds(10));

        // The fix, deployed as a deploy does it: the migration that widens the column (here by hand), then notify
        // restarted on it (a running process's prepared statements would still expect the old column type).
        await using var notify = new NpgsqlConnection(system.DatabaseOf("notify"));
        await notify.OpenAsync();
        await using (var widen = new NpgsqlCommand("""ALTER TABLE ticket_contacts ALTER COLUMN "Subject" TYPE character varying(400)""", notify))
            await widen.ExecuteNonQueryAsync();
        await system.App("notify").RestartAsync();

        var rabbit = system.Infrastructure.RabbitMq;
        var output = await ProcessRunner.RunAsync("dotnet",
            [Path.Combine(Repository.Root, "tools/Requeue/bin", Repository.Configuration, "net10.0/Requeue.dll"), Queue],
            new Dictionary<string, string>
            {
                ["RabbitMq__Host"] = rabbit.Host, ["RabbitMq__Port"] = rabbit.Port.ToString(CultureInfo.InvariantCulture),
                ["RabbitMq__Username"] = rabbit.Username, ["RabbitMq__Password"] = rabbit.Password, ["RabbitMq__VirtualHost"] = system.VirtualHost,
            });

        // One: notify parked nothing of the earlier cases' streams either.
        Assert.Contains($"1 message(s) moved from {Queue}_error to {Queue}.", output, StringComparison.Ordinal);
        await Eventually.TrueAsync(() => Task.FromResult(system.Mail.Messages().Any(m => m.To.Mailboxes.Any(t => t.Address == contact))),
            "the acknowledgement", explain: () => system.Output);
        await Eventually.TrueAsync(async () =>
        {
            await using var assignee = new NpgsqlCommand("""SELECT "Assignee" FROM ticket_contacts WHERE "TicketId" = @id""", notify);
            assignee.Parameters.AddWithValue("id", ticketId);
            return await assignee.ExecuteScalarAsync() as string == "tess";
        }, "the assignment: it waited for the ticket instead of being parked", explain: () => system.Output);
    }

    /// <summary>The fault headers (exception type, message, stack trace) of the parked message about the ticket, looked at and left in place.</summary>
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
                    && parked.BasicProperties.Headers is { } headers)
                    // EF Core's own message says only "see the inner exception"; the stack trace header has the rest.
                    return string.Join('\n', headers.Where(h => h.Key.StartsWith("MT-Fault-", StringComparison.Ordinal))
                        .Select(h => $"{h.Key}: {(h.Value is byte[] bytes ? Encoding.UTF8.GetString(bytes) : h.Value)}"));
            }
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // The error queue does not exist until the first failure.
        }
        return null;
    }
}
