using Microsoft.Playwright;

namespace Portal.Tests;

/// <summary>
/// Headless Chromium from the OS packages (Debian's "chromium", which scripts/test.sh installs), driven by Playwright's
/// driver from its NuGet package. Playwright's own browser downloads are never used.
/// </summary>
public sealed class Chromium : IAsyncLifetime
{
    /// <summary>Where Debian puts it; SERVICEDESK_CHROMIUM points elsewhere (another distribution, a local build).</summary>
    public static readonly string ExecutablePath = Environment.GetEnvironmentVariable("SERVICEDESK_CHROMIUM") ?? "/usr/bin/chromium";

    private IPlaywright? _playwright;

    public IBrowser Browser { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
            throw new InvalidOperationException($"No Chromium at {ExecutablePath}: install it (apt-get install chromium; scripts/test.sh does) "
                + "or set SERVICEDESK_CHROMIUM to its path.");
        _playwright = await Playwright.CreateAsync();
        // Playwright passes --no-sandbox itself (its chromiumSandbox option is off by default), as running as root needs.
        Browser = await _playwright.Chromium.LaunchAsync(new() { ExecutablePath = ExecutablePath, Headless = true });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
    }
}
