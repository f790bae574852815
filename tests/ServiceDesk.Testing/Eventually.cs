namespace ServiceDesk.Testing;

/// <summary>Polls with a deadline instead of sleeping: asynchronous effects are awaited, never guessed.</summary>
public static class Eventually
{
    /// <summary>
    /// How long a test waits for an effect when it names no limit. A passing test returns as soon as the effect shows, so
    /// the limit costs nothing there; it only bounds how long a broken one takes to fail. It is generous because CI's
    /// 2-core machine, running the whole system, takes seconds for what takes milliseconds on a quiet one (issue 20).
    /// </summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromMinutes(2);

    /// <param name="within">How long to wait; with <paramref name="progress"/>, how long to wait without progress.</param>
    /// <param name="explain">Called only on time-out, for what to show beside the failure (e.g. the apps' logs).</param>
    /// <param name="progress">
    /// What changes while the system still works towards the effect (e.g. how many timers fired so far). Each change
    /// restarts the limit, so a slow machine that makes progress never fails a test; only a stall does.
    /// </param>
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? within = null, Func<string>? explain = null,
        Func<Task<object?>>? progress = null) where T : class
    {
        var limit = within ?? DefaultLimit;
        var sinceProgress = System.Diagnostics.Stopwatch.StartNew();
        object? seen = null;
        Exception? last = null;
        while (sinceProgress.Elapsed < limit)
        {
            try
            {
                if (await probe() is { } value) return value;
                if (progress is not null && await progress() is var now && !Equals(now, seen))
                {
                    seen = now;
                    sinceProgress.Restart();
                }
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }
            await Task.Delay(100);
        }
        var stalled = progress is null ? "" : $" (no progress for {limit.TotalSeconds:0} s; last progress: {seen})";
        throw new TimeoutException($"Timed out waiting for {what}{stalled}.{(explain is null ? "" : "\n" + explain())}", last);
    }

    public static Task TrueAsync(Func<Task<bool>> probe, string what, TimeSpan? within = null, Func<string>? explain = null,
        Func<Task<object?>>? progress = null) =>
        GetAsync<object>(async () => await probe() ? new object() : null, what, within, explain, progress);
}
