using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests;

/// <summary>
/// The client portal in a real browser, opened through the gateway of the whole running system. The page is driven by
/// its labels and roles (GetByLabel, GetByRole), so a control without an accessible name fails the test that uses it.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed partial class PortalTests(RunningSystem system, Chromium chromium) : IAsyncLifetime
{
    private const int Width = 1024;
    private const int Height = 768;
    /// <summary>A request becomes a ticket through the broker: seconds, not instantly.</summary>
    private static readonly LocatorAssertionsToBeVisibleOptions WithinAMoment = new() { Timeout = 30_000 };
    private static readonly LocatorAssertionsToContainTextOptions WithinAMomentText = new() { Timeout = 30_000 };

    private readonly string _dana = TestAuth.Token(Roles.ClientUser, RunningSystem.DemoClient, "dana", RunningSystem.DemoContact);
    private readonly List<string> _pageErrors = [];
    private IBrowserContext _context = null!;
    private IPage _page = null!;

    public async Task InitializeAsync()
    {
        _context = await chromium.Browser.NewContextAsync(new()
        {
            BaseURL = system.App("gateway").Url.ToString(),
            ViewportSize = new() { Width = Width, Height = Height },
            DeviceScaleFactor = 1,
            Locale = "en-US",
            TimezoneId = "UTC",
        });
        // Bounded waits with room for a loaded machine: each assertion polls until it holds or its time is up.
        _context.SetDefaultTimeout(15_000);
        SetDefaultExpectTimeout(15_000);
        _page = await _context.NewPageAsync();
        // Script errors and CSP refusals; not the browser's note on each 4xx/5xx fetch, which the page handles.
        _page.PageError += (_, error) => _pageErrors.Add(error);
        _page.Console += (_, message) =>
        {
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
                _pageErrors.Add(message.Text);
        };
    }

    public async Task DisposeAsync() => await _context.DisposeAsync();

    private async Task OpenAsync(string token)
    {
        await _page.GotoAsync($"/portal/#token={token}");
        // On a page already open the token is taken on the hashchange event, after GotoAsync returns.
        await _page.WaitForFunctionAsync("t => sessionStorage.getItem('servicedesk.portal.token') === t", token);
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Ask for help" })).ToBeVisibleAsync();
    }

    private ILocator SendButton => _page.GetByRole(AriaRole.Button, new() { Name = "Send request" });
    private ILocator RequestResult => _page.Locator("#request-result");

    private async Task FillRequestAsync(string subject, string description = "The front desk printer reports a jam with no paper in it.")
    {
        await _page.GetByLabel("Subject").FillAsync(subject);
        await _page.GetByLabel("Description").FillAsync(description);
        await _page.GetByLabel("How urgent is it?").SelectOptionAsync("P2");
        // Signed in as a contact: the request is theirs, so the page asks for no name or address (docs/adr/0025).
        await Expect(_page.GetByLabel("Your email")).ToBeHiddenAsync();
        await Expect(_page.GetByText("We answer to the address your service provider has on file")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Contact_submits_a_request_sees_it_accepted_and_then_listed_as_a_ticket()
    {
        await OpenAsync(_dana);
        // The token came in the link's fragment and left the address bar (and history) at once.
        Assert.DoesNotContain("token", _page.Url, StringComparison.Ordinal);
        await Expect(_page.GetByText("Signed in as dana")).ToBeVisibleAsync();

        var subject = $"Printer jams {Guid.NewGuid():N}";
        await FillRequestAsync(subject);
        var post = await _page.RunAndWaitForRequestAsync(() => SendButton.ClickAsync(),
            r => r.Method == "POST" && r.Url.EndsWith("/api/requests", StringComparison.Ordinal));

        Assert.True(Guid.TryParse(await post.HeaderValueAsync("idempotency-key"), out _), "the submission has no Idempotency-Key");
        Assert.StartsWith("Bearer ", await post.HeaderValueAsync("authorization"), StringComparison.Ordinal);
        // The ticket may already exist by the time the answer shows, and then the page names it straight away.
        await Expect(RequestResult).ToContainTextAsync(new Regex("your request was received|Your request is now ticket"));
        await Expect(_page.GetByLabel("Subject")).ToHaveValueAsync(""); // ready for the next one

        // The page watches for the new ticket and names it; the list shows it with its number, status and priority.
        var ticketRow = _page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject });
        await Expect(ticketRow).ToBeVisibleAsync(WithinAMoment);
        await Expect(ticketRow.GetByRole(AriaRole.Rowheader)).ToHaveTextAsync(TicketNumber());
        await Expect(ticketRow).ToContainTextAsync("P3"); // triage sets the priority; the P2 hint is only kept
        await Expect(RequestResult).ToContainTextAsync(TicketNumber());
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task Empty_subject_is_refused_with_the_services_message_beside_the_field_and_focus_on_it()
    {
        await OpenAsync(_dana);
        await FillRequestAsync(subject: "");

        // Keyboard only: Enter in a field submits the form.
        await _page.GetByLabel("Subject").PressAsync("Enter");

        var subjectField = _page.GetByLabel("Subject");
        await Expect(subjectField).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(subjectField).ToHaveAccessibleDescriptionAsync("Required.");
        await Expect(subjectField).ToBeFocusedAsync();
        await Expect(RequestResult).ToContainTextAsync("Please correct 1 problem");
        await Expect(_page.GetByLabel("Description")).Not.ToHaveAttributeAsync("aria-invalid", "true");
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task A_retry_after_a_network_failure_sends_the_same_idempotency_key_and_a_new_request_a_new_one()
    {
        await OpenAsync(_dana);
        var keys = new List<string>();
        var failNext = true;
        await _page.RouteAsync("**/api/requests", async route =>
        {
            keys.Add((await route.Request.HeaderValueAsync("idempotency-key"))!);
            if (failNext)
            {
                failNext = false;
                await route.AbortAsync("connectionreset");
            }
            else await route.ContinueAsync();
        });

        await FillRequestAsync($"Retried {Guid.NewGuid():N}");
        await SendButton.ClickAsync();
        await Expect(RequestResult).ToContainTextAsync("Could not reach the service desk");
        await SendButton.ClickAsync();
        // The ticket may already exist by the time the answer shows, and then the page names it straight away.
        await Expect(RequestResult).ToContainTextAsync(new Regex("your request was received|Your request is now ticket"));

        await FillRequestAsync($"Another {Guid.NewGuid():N}");
        await SendButton.ClickAsync();
        // The ticket may already exist by the time the answer shows, and then the page names it straight away.
        await Expect(RequestResult).ToContainTextAsync(new Regex("your request was received|Your request is now ticket"));

        Assert.Equal(3, keys.Count);
        Assert.Equal(keys[0], keys[1]);
        Assert.NotEqual(keys[1], keys[2]);
    }

    [Fact]
    public async Task Every_control_has_an_accessible_name_and_results_are_announced()
    {
        // Before a token: the access-code form.
        await _page.GotoAsync("/portal/");
        await Expect(_page.GetByLabel("Access code")).ToBeVisibleAsync();
        await Expect(_page.Locator("html")).ToHaveAttributeAsync("lang", "en");

        // The first Tab reaches the skip link, which leads to the main content.
        await _page.Keyboard.PressAsync("Tab");
        await Expect(_page.GetByRole(AriaRole.Link, new() { Name = "Skip to content" })).ToBeFocusedAsync();

        await _page.GetByLabel("Access code").FillAsync(_dana);
        await _page.GetByRole(AriaRole.Button, new() { Name = "Use this access code" }).ClickAsync();
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "My tickets" })).ToBeVisibleAsync();

        var controls = _page.Locator("input:visible, select:visible, textarea:visible, button:visible");
        var count = await controls.CountAsync();
        Assert.True(count >= 8, $"only {count} controls found");
        for (var i = 0; i < count; i++)
            await Expect(controls.Nth(i)).ToHaveAccessibleNameAsync(new Regex(@"\w"));

        // Results and errors are read out when they change.
        Assert.Equal(2, await _page.Locator("#home-view [role=status][aria-live=polite]").CountAsync());
        await Expect(_page.GetByRole(AriaRole.Table)).ToHaveAccessibleNameAsync(new Regex("tickets"));
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task A_refused_access_code_asks_for_a_new_link()
    {
        var wrongKey = Auth.CreateToken(new AuthOptions { Issuer = TestAuth.Options.Issuer, SigningKey = new string('k', 48) }, "mallory", Roles.ClientUser, RunningSystem.DemoClient);

        await _page.GotoAsync($"/portal/#token={wrongKey}");

        var accessCode = _page.GetByLabel("Access code");
        await Expect(accessCode).ToBeVisibleAsync();
        await Expect(accessCode).ToHaveAccessibleDescriptionAsync(new Regex("not accepted"));
        Assert.Null(await _page.EvaluateAsync<string?>("sessionStorage.getItem('servicedesk.portal.token')"));
    }

    [Fact]
    public async Task Portal_is_public_through_the_gateway_with_content_types_and_security_headers()
    {
        using var anonymous = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.App("gateway").Url };

        using var bare = await anonymous.GetAsync(new Uri("/portal", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, bare.StatusCode);
        Assert.Equal("/portal/", bare.Headers.Location?.ToString());

        foreach (var (path, type) in new[] { ("/portal/", "text/html"), ("/portal/portal.js", "text/javascript"), ("/portal/portal.css", "text/css") })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
            Assert.StartsWith("default-src 'self';", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
            Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
            Assert.Equal("no-referrer", response.Headers.GetValues("Referrer-Policy").Single());
        }

        // Only the portal's own pages: nothing else from intake's output folder, however the path is written.
        foreach (var path in new[] { "/portal/missing.html", "/portal/index.html.gz", "/portal/..%2FIntake.Api.dll", "/portal/%2E%2E/appsettings.json" })
        {
            using var response = await anonymous.GetAsync(new Uri(path, UriKind.Relative));
            Assert.False(response.IsSuccessStatusCode, $"{path} gave {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Page_renders_something_visible_in_the_viewport()
    {
        await OpenAsync(_dana);
        await Expect(_page.Locator("#tickets-result")).ToContainTextAsync(new Regex("tickets? (shown|to show)")); // the list has loaded

        var bytes = await _page.ScreenshotAsync();
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "portal.png"), bytes); // for humans to look at

        var png = Png.Decode(bytes);
        Assert.Equal((Width, Height), (png.Width, png.Height));
        // A blank or failed render is one colour; text, the banner and the form give many colours and much ink.
        var colours = png.Pixels.GroupBy(p => p).Select(g => g.Count()).OrderDescending().ToList();
        var background = colours[0];
        Assert.True(colours.Count > 20, $"only {colours.Count} distinct colours");
        Assert.True(png.Pixels.Length - background > png.Pixels.Length / 20, $"only {png.Pixels.Length - background} pixels differ from the background");
    }

    [Fact]
    public async Task Contact_signs_in_with_email_and_password_and_opens_a_request_as_herself()
    {
        await _page.GotoAsync("/portal/");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // The identity service's page, through the gateway: labelled fields, no script.
        await Expect(_page.GetByRole(AriaRole.Heading, new() { Name = "Sign in" })).ToBeVisibleAsync();
        await _page.GetByLabel("Email address").FillAsync(RunningSystem.DemoContactEmail);
        await _page.GetByLabel("Password").FillAsync(RunningSystem.DemoPassword);
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "sign-in.png"), await _page.ScreenshotAsync()); // for humans to look at
        // In the portal's look (its stylesheet, allowed by the gateway's policy): a field wide enough for an address.
        var width = await _page.GetByLabel("Email address").EvaluateAsync<int>("field => field.offsetWidth");
        Assert.True(width >= 300, $"the address field is {width} px wide");
        await _page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();

        // Back in the portal, signed in by name; the code has left the address bar.
        await Expect(_page.GetByText("Signed in as Dana Reyes")).ToBeVisibleAsync();
        Assert.DoesNotContain("code=", _page.Url, StringComparison.Ordinal);
        var subject = $"Signed in {Guid.NewGuid():N}";
        await FillRequestAsync(subject);
        await SendButton.ClickAsync();
        await Expect(RequestResult).ToContainTextAsync(new Regex("your request was received|Your request is now ticket"));
        await Expect(_page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject })).ToBeVisibleAsync(WithinAMoment);
        Assert.Empty(_pageErrors);
    }

    [Fact]
    public async Task Declaring_an_emergency_shows_the_after_hours_terms_and_needs_them_confirmed()
    {
        await AgreeForDemoClientAsync();
        await OpenAsync(_dana);
        var subject = $"Server room flooding {Guid.NewGuid():N}";
        await FillRequestAsync(subject, "Water is coming through the ceiling onto the server rack.");
        var terms = _page.GetByRole(AriaRole.Heading, new() { Name = "Your after-hours terms" });
        await Expect(terms).ToBeHiddenAsync();

        await _page.GetByLabel("Yes: work has stopped").CheckAsync();

        // The tier's decision for this very arrival, from the SLA service's preview, and what after-hours work costs.
        await Expect(terms).ToBeVisibleAsync();
        await Expect(_page.Locator("#emergency-coverage")).ToContainTextAsync("Work begins by");
        await Expect(_page.Locator("#emergency-billing")).ToHaveTextAsync(
            "Work outside business hours is billed at $250.00 an hour; an emergency costs at least $400.00, and none is done until you approve it.");
        await SendButton.ClickAsync();
        var confirm = _page.GetByLabel("I have read these terms and declare an emergency");
        await Expect(confirm).ToHaveAttributeAsync("aria-invalid", "true");
        await Expect(confirm).ToBeFocusedAsync();
        await Expect(_page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject })).ToHaveCountAsync(0);
        var folder = Path.Combine(AppContext.BaseDirectory, "screenshots");
        Directory.CreateDirectory(folder);
        await File.WriteAllBytesAsync(Path.Combine(folder, "emergency-terms.png"), await _page.ScreenshotAsync(new() { FullPage = true }));

        await confirm.CheckAsync();
        await SendButton.ClickAsync();

        await Expect(RequestResult).ToContainTextAsync(new Regex("your request was received|Your request is now ticket"));
        // A declared emergency opens as a P1 candidate.
        await Expect(_page.GetByRole(AriaRole.Row).Filter(new() { HasText = subject })).ToContainTextAsync("P1", WithinAMomentText);
        Assert.Empty(_pageErrors);
    }

    /// <summary>The demo client's agreement with billing (once per running system: a second version would overlap it).</summary>
    private async Task AgreeForDemoClientAsync()
    {
        using var clerk = system.Client(TestAuth.Token(Roles.Billing, subject: "bea"));
        var response = await clerk.PostAsJsonAsync(new Uri("/api/billing/agreements", UriKind.Relative), new
        {
            clientId = RunningSystem.DemoClient, effectiveFrom = "2026-01-01", currency = "USD", monthlyFee = 0m, emergencyMinimumCharge = 400m,
            rates = new[] { new { workType = "Emergency", businessHours = 180m, afterHours = (decimal?)250m } },
        });
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created || body.Contains("Overlaps", StringComparison.Ordinal), body);
    }

    [GeneratedRegex(@"SD#\d+")]
    private static partial Regex TicketNumber();
}
