using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Contracts;

namespace Notify.Tests;

/// <summary>Client-facing messages in the contact's language (theirs, else their client's, else English) and zone.</summary>
[Collection(NotifyCollection.Name)]
public sealed class LanguageTests(NotifyFixture notify)
{
    [Fact]
    public async Task Client_that_reads_german_gets_german_acknowledgements_in_its_calendars_zone_unless_a_contact_chose_english_and_their_zone()
    {
        var clientId = Guid.NewGuid();
        var (greta, john) = (Guid.NewGuid(), Guid.NewGuid());
        const string gretaMail = "greta.3301@zahnarzt.example", johnMail = "john.3302@zahnarzt.example";
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Zahnarzt Berlin", "standard", null, true,
            [new ContactSnapshot(greta, "Greta Vogel", [gretaMail], [], null), new ContactSnapshot(john, "John Park", [johnMail], [], null)],
            DateTimeOffset.UtcNow, "ada")));
        using var staff = notify.App.CreateClient().As(TestAuth.Token("technician"));
        using var german = await staff.PutAsJsonAsync($"/api/notify/clients/{clientId}/preferences", new { language = "DE" });
        using var english = await staff.PutAsJsonAsync($"/api/notify/contacts/{john}/preferences", new { language = "en", timeZone = "America/New_York" });
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (german.StatusCode, english.StatusCode));
        Assert.Equal("de", (await staff.GetFromJsonAsync<JsonElement>($"/api/notify/clients/{clientId}/preferences")).GetProperty("language").GetString());

        // Work begins 2026-11-23 15:00 UTC: 16:00 in Berlin (the calendar), 10:00 in New York (John's own zone).
        var workBegins = new DateTimeOffset(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);
        var gretasTicket = await OpenAndStartAsync(3301, clientId, gretaMail, "Greta Vogel", "Drucker klemmt", workBegins);
        var johnsTicket = await OpenAndStartAsync(3302, clientId, johnMail, "John Park", "Label printer", workBegins);

        var toGreta = await Eventually.GetAsync(() => Task.FromResult(notify.MailsTo(gretaMail) is [var first, ..] ? first : null), "Greta's acknowledgement");
        Assert.Equal("[SD#3301] Wir haben Ihre Anfrage erhalten: Drucker klemmt", toGreta.Subject);
        Assert.Contains("Guten Tag Greta Vogel,", toGreta.TextBody, StringComparison.Ordinal);
        Assert.Contains("Die Arbeit beginnt spätestens am Montag, 23. November 2026, 16:00 Uhr (Europe/Berlin).", toGreta.TextBody, StringComparison.Ordinal);
        Assert.Contains("Wir haben Ihre Anfrage „Drucker klemmt“ erhalten", toGreta.HtmlBody, StringComparison.Ordinal);

        var toJohn = await Eventually.GetAsync(() => Task.FromResult(notify.MailsTo(johnMail) is [var first, ..] ? first : null), "John's acknowledgement");
        Assert.Equal("[SD#3302] We received your request: Label printer", toJohn.Subject);
        Assert.Contains("Work will begin by Monday 23 November 2026, 10:00 (America/New_York).", toJohn.TextBody, StringComparison.Ordinal);

        // The resolution follows the same choice.
        await notify.ConsumedAsync(await notify.PublishAsync(new TicketResolved(gretasTicket.TicketId, clientId, workBegins.AddHours(2), 5)));
        var resolved = await Eventually.GetAsync(() => Task.FromResult(notify.MailsTo(gretaMail).FirstOrDefault(m => m.Subject?.Contains("Gelöst", StringComparison.Ordinal) == true)),
            "Greta's resolution");
        Assert.Contains("am Montag, 23. November 2026, 18:00 Uhr (Europe/Berlin) gelöst", resolved.TextBody, StringComparison.Ordinal);
        Assert.NotEqual(gretasTicket.TicketId, johnsTicket.TicketId);
    }

    [Fact]
    public async Task Unknown_language_or_zone_is_a_400_naming_the_field_and_changes_nothing()
    {
        var clientId = Guid.NewGuid();
        var contactId = Guid.NewGuid();
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Acme Dental", "standard", null, true,
            [new ContactSnapshot(contactId, "Ana Lim", ["ana.3303@acme-dental.example"], [], null)], DateTimeOffset.UtcNow, "ada")));
        using var staff = notify.App.CreateClient().As(TestAuth.Token("technician"));
        using var admin = notify.App.CreateClient().As(TestAuth.Token("admin"));

        using var klingon = await staff.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", new { language = "tlh" });
        using var mars = await staff.PutAsJsonAsync($"/api/notify/contacts/{contactId}/preferences", new { timeZone = "Mars/Olympus_Mons" });
        using var clientKlingon = await staff.PutAsJsonAsync($"/api/notify/clients/{clientId}/preferences", new { language = "tlh" });
        using var otherClient = await notify.App.CreateClient().As(TestAuth.Token("client-user", Guid.NewGuid()))
            .PutAsJsonAsync($"/api/notify/clients/{clientId}/preferences", new { language = "de" });
        using var preview = await admin.GetAsync("/api/notify/templates/acknowledgement/preview?language=tlh");

        Assert.Equal((HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.BadRequest, HttpStatusCode.NotFound, HttpStatusCode.BadRequest),
            (klingon.StatusCode, mars.StatusCode, clientKlingon.StatusCode, otherClient.StatusCode, preview.StatusCode));
        Assert.Equal(["language"], await ErrorFieldsAsync(klingon));
        Assert.Equal(["timeZone"], await ErrorFieldsAsync(mars));
        Assert.Equal(["language"], await ErrorFieldsAsync(clientKlingon));
        Assert.Equal(["language"], await ErrorFieldsAsync(preview));
        Assert.Null(await notify.WithDbAsync(db => db.Directory.Where(c => c.ClientId == clientId).Select(c => c.Language).SingleAsync()));
        Assert.False(await notify.WithDbAsync(db => db.Preferences.AnyAsync(p => p.ContactId == contactId)));
    }

    [Fact]
    public async Task Admin_previews_a_template_in_german()
    {
        using var admin = notify.App.CreateClient().As(TestAuth.Token("admin"));
        var preview = await admin.GetFromJsonAsync<JsonElement>("/api/notify/templates/approval-confirmation/preview?language=de&timeZone=Europe/Berlin");
        var text = preview.GetProperty("text").GetString()!;
        Assert.StartsWith("[SD#1042] Ihre Genehmigung", preview.GetProperty("subject").GetString(), StringComparison.Ordinal);
        Assert.Contains("am Montag, 23. November 2026, 16:00 Uhr (Europe/Berlin)", text, StringComparison.Ordinal);
        Assert.Contains("mit 180,00 USD pro Stunde, mindestens 250,00 USD, für höchstens 2 Stunden.", text, StringComparison.Ordinal);
    }

    private async Task<TicketOpened> OpenAndStartAsync(long number, Guid clientId, string email, string name, string subject, DateTimeOffset workBegins)
    {
        var ticket = new TicketOpened(Guid.NewGuid(), number, clientId, email, name, "email", subject, "P2", DateTimeOffset.UtcNow);
        await notify.PublishAsync(NotifyFixture.Started(ticket, workBegins, "Europe/Berlin"));
        await notify.PublishedAsync("AcknowledgementSent", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId);
        return ticket;
    }

    private static async Task<string[]> ErrorFieldsAsync(HttpResponseMessage response) =>
        [.. (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name)];
}
