using ServiceDesk.Testing;

namespace Fault.Tests;

/// <summary>The broker or the database restarted for real while requests keep coming.</summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class ServerRestartTests(FaultSystem system)
{
    [Theory]
    [InlineData("rabbitmq")]
    [InlineData("postgres")]
    public async Task Server_restarted_mid_stream_loses_and_doubles_no_accepted_request(string server)
    {
        var accepted = await system.StreamAsync(2000, parallel: 16, new Dictionary<double, Func<Task>>
        {
            [0.5] = () => system.Infrastructure.RestartAsync(server),
        });

        // Intake needs only its database to accept (the bus outbox holds messages while the broker is away); while
        // PostgreSQL was down some requests were refused, with nothing stored.
        if (server == "rabbitmq") Assert.Equal(2000, accepted.Count);
        else Assert.InRange(accepted.Count, 1000, 2000);
        await system.ReconciledAsync(accepted, TimeSpan.FromMinutes(3));
    }
}
