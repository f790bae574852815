namespace Intake.Api.Channels;

/// <summary>A channel that stores its payloads raw before processing them (email, phone).</summary>
public interface IRawPayloadProcessor
{
    /// <summary>Processes the payloads still "Received" after <paramref name="olderThan"/>; returns how many.</summary>
    Task<int> ReprocessAsync(TimeSpan olderThan, CancellationToken cancellationToken);
}

/// <summary>Finishes stored payloads that a crash left unprocessed, for every raw-first channel: once at start-up, then every minute.</summary>
public sealed class RawPayloadReprocessor<TProcessor>(IServiceScopeFactory scopes, ILogger<RawPayloadReprocessor<TProcessor>> logger)
    : BackgroundService where TProcessor : IRawPayloadProcessor
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(1));
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var done = await scope.ServiceProvider.GetRequiredService<TProcessor>().ReprocessAsync(TimeSpan.FromMinutes(1), stoppingToken);
                if (done > 0) logger.LogWarning("{Processor} finished {Count} stored payloads left unprocessed", typeof(TProcessor).Name, done);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "{Processor} could not reprocess stored payloads; trying again in a minute", typeof(TProcessor).Name);
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
