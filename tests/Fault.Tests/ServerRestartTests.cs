using ServiceDesk.Testing;

namespace Fault.Tests;

/// <summary>
/// The database restarted for real while requests keep coming. The broker's restart is not in the suite yet: one earlier
/// loss is unexplained and no run has passed here yet (README, known gaps; ADR 18), and a test that fails on purpose
/// would only hide others.
/// </summary>
[Collection(FaultCollection.Name)]
[Trait("Category", "Fault")]
public sealed class ServerRestartTests(FaultSystem system)
{
    [Theory]
    [InlineData("postgres")]
    public async Task Server_restarted_mid_stream_loses_and_doubles_no_accepted_request(string server)
    {
        var accepted = await system.StreamAsync(2000, parallel: 16, new Dictionary<double, Func<Task>>
        {
            // Down for longer than the quick retries last (about 9 s), so only the transient-fault retry saves the
            // messages that were being consumed when it went (docs/adr/0015).
            [0.5] = () => system.Infrastructure.RestartAsync(server, TimeSpan.FromSeconds(15)),
        });

        // While PostgreSQL was down some requests were refused, with nothing stored; the rest were accepted.
        Assert.InRange(accepted.Count, 1000, 2000);
        await system.ReconciledAsync(accepted, FaultSystem.DrainTime);
    }
}
