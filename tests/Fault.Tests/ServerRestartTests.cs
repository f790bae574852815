using ServiceDesk.Testing;

namespace Fault.Tests;

/// <summary>The broker or the database restarted for real, and held down, while requests keep coming.</summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class ServerRestartTests(FaultSystem system) : IAsyncLifetime
{
    public Task InitializeAsync() => system.DrainedAsync(); // never on top of another case's backlog

    public Task DisposeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("postgres")]
    [InlineData("rabbitmq")]
    public async Task Server_restarted_mid_stream_loses_and_doubles_no_accepted_request(string server)
    {
        var parked = await system.ParkedAsync();
        var accepted = await system.StreamAsync(FaultSystem.StreamLength, parallel: 16, new Dictionary<double, Func<Task>>
        {
            // Down for longer than the quick retries last (about 9 s), so only the transient-fault retry saves the
            // messages that were being consumed when it went (docs/adr/0015).
            [0.5] = () => system.Infrastructure.RestartAsync(server, TimeSpan.FromSeconds(15)),
        });

        // Intake needs only its database to accept: while the broker is away its bus outbox holds the messages. While
        // PostgreSQL was down some requests were refused, with nothing stored; the rest were accepted.
        if (server == "rabbitmq") Assert.Equal(FaultSystem.StreamLength, accepted.Count);
        else Assert.InRange(accepted.Count, FaultSystem.StreamLength / 2, FaultSystem.StreamLength);
        await system.ReconciledAsync(accepted);
        await system.DrainedAsync(); // notify's work too, which the reconciliation does not read
        Assert.Equal(parked, await system.ParkedAsync());
    }
}
