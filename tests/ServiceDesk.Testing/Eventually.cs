namespace ServiceDesk.Testing;

/// <summary>Polls with a deadline instead of sleeping: asynchronous effects are awaited, never guessed.</summary>
public static class Eventually
{
    /// <param name="explain">Called only on time-out, for what to show beside the failure (e.g. the apps' logs).</param>
    public static async Task<T> GetAsync<T>(Func<Task<T?>> probe, string what, TimeSpan? within = null, Func<string>? explain = null) where T : class
    {
        var deadline = DateTime.UtcNow + (within ?? TimeSpan.FromSeconds(30));
        Exception? last = null;
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if (await probe() is { } value) return value;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                last = e;
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"Timed out waiting for {what}.{(explain is null ? "" : "\n" + explain())}", last);
    }

    public static Task TrueAsync(Func<Task<bool>> probe, string what, TimeSpan? within = null, Func<string>? explain = null) =>
        GetAsync<object>(async () => await probe() ? new object() : null, what, within, explain);
}
