using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Deque.AxeCore.Playwright;
using Microsoft.Playwright;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests;

/// <summary>
/// One person's browser on the console, signed in through the identity service's pages exactly as they would: email,
/// password, and the authenticator code (set up at the first sign-in, as staff must).
/// </summary>
public sealed partial class StaffBrowser : IAsyncDisposable
{
    /// <summary>Each person's authenticator key, from their first sign-in in this run (the app on their phone).</summary>
    private static readonly ConcurrentDictionary<string, string> Keys = new();

    private readonly IBrowserContext _context;
    public IPage Page { get; }
    public List<string> Errors { get; } = [];

    private readonly RunningSystem _system;

    private StaffBrowser(IBrowserContext context, IPage page, RunningSystem system)
    {
        _system = system;
        _context = context;
        Page = page;
        // Script errors and CSP refusals; not the browser's note on a 4xx/5xx response, which the page handles.
        page.PageError += (_, error) => Errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal)) Errors.Add(message.Text);
        };
    }

    public static async Task<StaffBrowser> OpenAsync(Portal.Tests.Chromium chromium, RunningSystem system)
    {
        var context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = system.App("gateway").Url.ToString(),
            ViewportSize = new() { Width = 1280, Height = 900 },
            DeviceScaleFactor = 1,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        // Bounded waits with room for a loaded machine (a sign-in is five redirects through three processes): each
        // action and assertion polls until it holds or its time is up.
        context.SetDefaultTimeout(60_000);
        SetDefaultExpectTimeout(30_000);
        return new StaffBrowser(context, await context.NewPageAsync(), system);
    }

    /// <summary>Opens the console, which sends the browser to the identity service's sign-in page and back.</summary>
    public async Task SignInAsync(string email, string password)
    {
        await Page.GotoAsync("/console/");
        await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await Page.GetByLabel("Email address").FillAsync(email);
        await Page.GetByLabel("Password").FillAsync(password);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
    }

    /// <summary>Signs a staff member in, with the authenticator code; ends on the console's first screen.</summary>
    public async Task SignInAsStaffAsync(string email, string password)
    {
        await SignInAsync(email, password);
        var setUp = Page.GetByRole(AriaRole.Heading, new() { Name = "Set up your authenticator app" });
        var code = Page.GetByRole(AriaRole.Heading, new() { Name = "Authenticator code" });
        await Expect(setUp.Or(code)).ToBeVisibleAsync();
        if (await setUp.IsVisibleAsync())
        {
            var key = Keys[email] = (await Page.Locator("#key").TextContentAsync())!.Trim();
            await Page.GetByLabel("The 6-digit code the app shows now").FillAsync(Totp.Code(key));
            await Page.GetByRole(AriaRole.Button, new() { Name = "Turn on" }).ClickAsync();
        }
        else
        {
            await Page.GetByLabel("The 6-digit code from your authenticator app").FillAsync(Totp.Code(Keys[email]));
            await Page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        }
        try
        {
            await Expect(Page.GetByRole(AriaRole.Heading, new() { Name = "Mine", Level = 1 })).ToBeVisibleAsync();
        }
        catch (PlaywrightException e)
        {
            throw new InvalidOperationException($"The console did not open at {Page.Url}. Page: {await Page.InnerTextAsync("body")}\n"
                + $"Browser errors: {string.Join("\n", Errors)}\nConsole output: {_system.App("console").Output}", e);
        }
    }

    /// <summary>
    /// axe-core on the screen as it is now: no serious or critical violation. Then a screenshot for a reviewer to look at
    /// (bin/.../screenshots/console-{name}.png).
    /// </summary>
    public async Task CheckScreenAsync(string name)
    {
        var results = await Page.RunAxe();
        var bad = results.Violations.Where(v => v.Impact is "serious" or "critical").ToList();
        Assert.True(bad.Count == 0, $"{name}: " + string.Join("\n", bad.Select(v =>
            $"{v.Impact} {v.Id}: {v.Help} at {string.Join(", ", v.Nodes.Select(n => n.Target?.ToString()))}")));
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        // A full-page picture draws the sticky app bar where the page is scrolled to (clicking a field lower down scrolls
        // it), over whatever is there: from the top, the bar sits above the title as a person sees it on arrival.
        await Page.EvaluateAsync("window.scrollTo(0, 0)");
        await File.WriteAllBytesAsync(Path.Combine(folder, $"console-{name}.png"), await Page.ScreenshotAsync(new() { FullPage = true }));
    }

    public ILocator Row(string text) => Page.GetByRole(AriaRole.Row).Filter(new() { HasText = text });

    public ILocator Button(string name) => Page.GetByRole(AriaRole.Button, new() { Name = name, Exact = true });

    public async ValueTask DisposeAsync() => await _context.DisposeAsync();

    [GeneratedRegex(@"SD#\d+")]
    public static partial Regex TicketNumber();
}
