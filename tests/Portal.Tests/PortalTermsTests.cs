using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.Playwright;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Portal.Tests;

/// <summary>"How to get help": the client's own terms, generated from the live tier, as a page and a one-page PDF.</summary>
public sealed partial class PortalTests
{
    [Fact]
    public async Task Terms_page_and_pdf_show_the_tiers_real_numbers_and_follow_a_tier_change()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var created = await dispatcher.PostAsJsonAsync(new Uri("/api/clients", UriKind.Relative), new { name = $"Terms Dental {Guid.NewGuid():N}", tier = "standard" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var client = (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var admin = TestAuth.Token(Roles.ClientAdmin, client, "terry", Guid.NewGuid());
        using (var asClient = system.Client(admin))
            await Eventually.TrueAsync(async () => (await asClient.GetAsync(new Uri("/api/sla/terms", UriKind.Relative))).IsSuccessStatusCode, "sla to know the client");

        await OpenAsync(admin);
        await _page.GetByRole(AriaRole.Link, new() { Name = "How to get help" }).ClickAsync();
        var terms = _page.Locator("#terms");
        // The standard tier's contractual targets, in words; the internal ones never show.
        await Expect(terms).ToContainTextAsync("your standard service terms");
        await Expect(terms).ToContainTextAsync("P1: we confirm we have it within 1 business hour; work begins within 2 business hours; resolution not promised.");
        await Expect(terms).ToContainTextAsync("does not cover work outside business hours");
        await Expect(terms).ToContainTextAsync("Emergency line: +1 202 555 0199.");
        await Expect(terms).ToContainTextAsync("A text or call to a technician's own phone.");
        await SaveScreenshotAsync("terms.png");

        // The PDF: one page, for the same client only.
        using (var asClient = system.Client(admin))
        {
            var pdf = await asClient.GetAsync(new Uri("/api/billing/terms/document.pdf", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, pdf.StatusCode);
            Assert.Equal("application/pdf", pdf.Content.Headers.ContentType?.MediaType);
            var text = Encoding.Latin1.GetString(await pdf.Content.ReadAsByteArrayAsync());
            Assert.StartsWith("%PDF-", text, StringComparison.Ordinal);
            Assert.Contains("/Count 1", text, StringComparison.Ordinal);
        }

        // The tier changes: so do the terms.
        var current = await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/clients/{client}", UriKind.Relative));
        var changed = await dispatcher.PutAsJsonAsync(new Uri($"/api/clients/{client}", UriKind.Relative), new
        {
            name = current.GetProperty("name").GetString(), tier = "premium", active = true, revision = current.GetProperty("revision").GetInt32(),
        });
        Assert.Equal(HttpStatusCode.OK, changed.StatusCode);
        using (var asClient = system.Client(admin))
            await Eventually.TrueAsync(async () => (await asClient.GetFromJsonAsync<JsonElement>(new Uri("/api/sla/terms", UriKind.Relative)))
                .GetProperty("tier").GetString() == "premium", "sla to apply the new tier");
        await _page.ReloadAsync();
        await Expect(terms).ToContainTextAsync("your premium service terms");
        await Expect(terms).ToContainTextAsync(
            "P1: we confirm we have it within 30 minutes, around the clock; work begins within 1 hour, around the clock; resolved within 8 hours, around the clock.");
        await Expect(terms).ToContainTextAsync("P1: covered around the clock; the on-call technician is paged at once.");
        Assert.Empty(_pageErrors);
    }
}
