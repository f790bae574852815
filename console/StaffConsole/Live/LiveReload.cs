namespace StaffConsole.Live;

/// <summary>
/// A screen's subscription to the live feed (docs/adr/0044): a notice that concerns the screen makes it read again what
/// it shows. However many notices arrive, at most one reload runs and one more is queued behind it, so a burst costs
/// two reads, and the last read always starts after the last notice.
/// </summary>
public sealed class LiveReload : IDisposable
{
    private readonly TicketFeed _feed;
    private readonly Func<Func<Task>, Task> _invoke;
    private readonly Func<Task> _reload;
    private readonly Func<TicketChanged, bool> _concerns;
    private readonly Lock _gate = new();
    private bool _running, _again;

    /// <param name="invoke">The component's InvokeAsync: reloads run on its renderer's context.</param>
    /// <param name="reload">Reads and renders again (StateHasChanged included).</param>
    /// <param name="concerns">Which notices matter to the screen; all when null.</param>
    public LiveReload(TicketFeed feed, Func<Func<Task>, Task> invoke, Func<Task> reload, Func<TicketChanged, bool>? concerns = null)
    {
        (_feed, _invoke, _reload, _concerns) = (feed, invoke, reload, concerns ?? (_ => true));
        _feed.Changed += OnChanged;
    }

    private void OnChanged(TicketChanged change)
    {
        if (!_concerns(change)) return;
        lock (_gate)
        {
            if (_running)
            {
                _again = true;
                return;
            }
            _running = true;
        }
        _ = _invoke(RunAsync);
    }

    private async Task RunAsync()
    {
        try
        {
            do
            {
                lock (_gate) _again = false;
                try
                {
                    await _reload();
                }
                catch (OperationCanceledException)
                {
                    return; // the screen is closing
                }
            }
            while (Again());
        }
        finally
        {
            lock (_gate) _running = false;
        }
    }

    private bool Again()
    {
        lock (_gate) return _again;
    }

    public void Dispose() => _feed.Changed -= OnChanged;
}
