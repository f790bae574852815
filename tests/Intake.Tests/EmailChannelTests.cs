using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Intake.Api.Data;
using Intake.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Tickets.Contracts;

namespace Intake.Tests;

/// <summary>Raw mail through the MTA pipe's endpoint into requests, triage, or nowhere (auto-mail), against real PostgreSQL and RabbitMQ.</summary>
public sealed class EmailChannelTests(IntakeFixture intake) : IClassFixture<IntakeFixture>
{
    private static string Mail(string from, string subject, string messageId, string body = "The printer on floor 2 is jammed again.",
        string extraHeaders = "") => $"""
        From: {from}
        To: support@msp.example
        Subject: {subject}
        Message-ID: <{messageId}>
        Date: Mon, 23 Nov 2026 09:00:00 +0000
        MIME-Version: 1.0
        {extraHeaders}Content-Type: text/plain; charset=utf-8

        {body}
        """;

    private async Task<(Guid Client, string Email)> KnownContactAsync()
    {
        var client = Guid.NewGuid();
        var email = $"dana.{client:N}@acme-dental.example";
        await intake.DirectoryAsync(client, 1, true, new ContactSnapshot(Guid.NewGuid(), "Dana Scully", [email.ToUpperInvariant()], ["+15551230001"], 1));
        return (client, email);
    }

    private static async Task<JsonElement> OutcomeAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    [Fact]
    public async Task Mail_to_the_emergency_address_declares_an_emergency_and_mail_to_support_does_not()
    {
        var (client, email) = await KnownContactAsync();
        var (urgent, usual) = ($"{Guid.NewGuid():N}@acme-dental.example", $"{Guid.NewGuid():N}@acme-dental.example");

        await OutcomeAsync(await intake.PostEmailAsync(Mail(email, "Server room flooding", urgent)
            .Replace("To: support@msp.example", $"To: Emergencies <{IntakeFixture.EmergencyAddress.ToUpperInvariant()}>", StringComparison.Ordinal)));
        await OutcomeAsync(await intake.PostEmailAsync(Mail(email, "Printer jam", usual)));

        var declared = await intake.WithDbAsync(db => db.Requests.IgnoreQueryFilters()
            .Where(r => r.ClientId == client).OrderBy(r => r.Subject).Select(r => new { r.Subject, r.EmergencyDeclared }).ToListAsync());
        Assert.Equal(
            [("Printer jam", (string?)null), ("Server room flooding", $"email: sent to the emergency address {IntakeFixture.EmergencyAddress.ToUpperInvariant()}")],
            declared.Select(d => (d.Subject, d.EmergencyDeclared)));
    }

    [Fact]
    public async Task Mail_whose_subject_starts_with_the_emergency_prefix_declares_an_emergency_and_one_mentioning_it_later_does_not()
    {
        var (client, email) = await KnownContactAsync();

        await OutcomeAsync(await intake.PostEmailAsync(Mail(email, "[emergency] Server room flooding", $"{Guid.NewGuid():N}@acme-dental.example")));
        await OutcomeAsync(await intake.PostEmailAsync(Mail(email, "Printer jam, not an [EMERGENCY]", $"{Guid.NewGuid():N}@acme-dental.example")));

        var declared = await intake.WithDbAsync(db => db.Requests.IgnoreQueryFilters()
            .Where(r => r.ClientId == client).Select(r => new { r.Subject, r.EmergencyDeclared }).ToListAsync());
        Assert.Equal(
            [("Printer jam, not an [EMERGENCY]", (string?)null), ("[emergency] Server room flooding", $"email subject: starts with {IntakeFixture.EmergencySubjectPrefix}")],
            declared.Select(d => (d.Subject, d.EmergencyDeclared)).OrderBy(d => d.Subject, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Mail_from_a_known_contact_becomes_a_request_of_their_client_and_the_same_message_twice_is_one()
    {
        var (client, email) = await KnownContactAsync();
        var messageId = $"{Guid.NewGuid():N}@acme-dental.example";
        var mail = Mail($"Dana Scully <{email}>", "Printer jam", messageId);

        var first = await OutcomeAsync(await intake.PostEmailAsync(mail));
        var again = await OutcomeAsync(await intake.PostEmailAsync(mail));

        Assert.Equal("accepted", first.GetProperty("outcome").GetString());
        Assert.Equal("duplicate", again.GetProperty("outcome").GetString());
        var requestId = first.GetProperty("resultId").GetGuid();
        Assert.Equal(requestId, again.GetProperty("resultId").GetGuid());
        var stored = await intake.WithDbAsync(db => db.Requests.SingleAsync(r => r.ExternalId == messageId));
        Assert.Equal((requestId, "email", client, email, "Printer jam"), (stored.Id, stored.Channel, stored.ClientId, stored.ContactEmail, stored.Subject));
        Assert.StartsWith("The printer on floor 2", stored.Description);
        // Both copies were stored raw before they were parsed.
        Assert.Equal(2, await intake.WithDbAsync(db => db.RawPayloads.CountAsync(p => p.ResultId == requestId)));

        var published = (await intake.TakePublishedAsync()).Where(b => b.Contains(messageId, StringComparison.Ordinal)).ToList();
        var message = Assert.Single(published);
        using var json = JsonDocument.Parse(message);
        var body = json.RootElement.GetProperty("message");
        Assert.Equal(2, body.GetProperty("version").GetInt32());
        Assert.Equal(requestId, body.GetProperty("requestId").GetGuid());
    }

    [Fact]
    public async Task Mail_from_an_unknown_sender_waits_in_triage_until_staff_assign_it_with_its_original_time()
    {
        var messageId = $"{Guid.NewGuid():N}@stranger.example";
        var outcome = await OutcomeAsync(await intake.PostEmailAsync(Mail("Stranger <who@stranger.example>", "Help", messageId)));
        Assert.Equal("triaged", outcome.GetProperty("outcome").GetString());
        Assert.Contains("Unknown sender who@stranger.example", outcome.GetProperty("reason").GetString());
        Assert.False(await intake.WithDbAsync(db => db.Requests.AnyAsync(r => r.ExternalId == messageId)));

        var itemId = outcome.GetProperty("resultId").GetGuid();
        using var staff = intake.Staff();
        var open = await staff.GetFromJsonAsync<JsonElement>("/api/triage");
        Assert.Contains(open.EnumerateArray(), i => i.GetProperty("id").GetGuid() == itemId);

        var assigned = await staff.PostAsJsonAsync($"/api/triage/{itemId}/assign", new { clientId = IntakeDbContext.DemoClientId });
        Assert.Equal(HttpStatusCode.Accepted, assigned.StatusCode);
        var requestId = (await assigned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var (request, item) = await intake.WithDbAsync(async db =>
            (await db.Requests.SingleAsync(r => r.Id == requestId), await db.Triage.SingleAsync(t => t.Id == itemId)));
        Assert.Equal((IntakeDbContext.DemoClientId, "who@stranger.example", messageId), (request.ClientId, request.ContactEmail, request.ExternalId));
        Assert.Equal(item.ReceivedAt, request.ReceivedAt); // the clock counts from arrival, not from triage
        Assert.Equal(requestId, item.RequestId);

        // Resolved once: a second decision is refused and changes nothing.
        Assert.Equal(HttpStatusCode.Conflict, (await staff.PostAsJsonAsync($"/api/triage/{itemId}/discard", new { reason = "spam" })).StatusCode);
    }

    [Fact]
    public async Task Auto_replies_bounces_and_list_mail_never_become_requests()
    {
        var (_, email) = await KnownContactAsync();
        var ids = new[] { Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N"), Guid.NewGuid().ToString("N") };
        var outcomes = new[]
        {
            await OutcomeAsync(await intake.PostEmailAsync(Mail(email, "Out of office", ids[0], extraHeaders: "Auto-Submitted: auto-replied\n"))),
            await OutcomeAsync(await intake.PostEmailAsync(Mail(email, "Newsletter", ids[1], extraHeaders: "List-Id: <news.acme-dental.example>\n"))),
            await OutcomeAsync(await intake.PostEmailAsync(Mail("MAILER-DAEMON@acme-dental.example", "Undelivered", ids[2], extraHeaders: "Return-Path: <>\n"))),
        };

        Assert.All(outcomes, o => Assert.Equal("ignored", o.GetProperty("outcome").GetString()));
        Assert.Equal(["AutoReply", "MailingList", "Bounce"], outcomes.Select(o => o.GetProperty("reason").GetString()!.Split(':')[0]));
        Assert.False(await intake.WithDbAsync(db => db.Requests.AnyAsync(r => ids.Any(id => r.ExternalId!.StartsWith(id)))));
        Assert.False(await intake.WithDbAsync(db => db.Triage.AnyAsync(t => ids.Any(id => t.ExternalId!.StartsWith(id)))));
    }

    [Fact]
    public async Task A_reply_carries_its_thread_hints_and_its_new_text_only()
    {
        var (_, email) = await KnownContactAsync();
        var messageId = $"{Guid.NewGuid():N}@acme-dental.example";
        var reply = Mail(email, "RE: [SD#1234] Printer jam", messageId, "Still jammed after the restart.\n\n-----Original Message-----\nFrom: MSP Support\nWe received your request.",
            extraHeaders: "In-Reply-To: <abc.ack@msp.example>\nReferences: <abc.ack@msp.example>\n");

        var outcome = await OutcomeAsync(await intake.PostEmailAsync(reply));

        var stored = await intake.WithDbAsync(db => db.Requests.SingleAsync(r => r.Id == outcome.GetProperty("resultId").GetGuid()));
        Assert.Equal((1234L, "abc.ack@msp.example"), (stored.ThreadTicketNumber, stored.InReplyTo));
        Assert.Equal(["abc.ack@msp.example"], stored.References);
        Assert.Equal("Still jammed after the restart.", stored.Description.Trim());
    }

    [Fact]
    public async Task Attachments_are_kept_with_the_request()
    {
        var (client, email) = await KnownContactAsync();
        var messageId = $"{Guid.NewGuid():N}@acme-dental.example";
        var mail = $"""
            From: {email}
            To: support@msp.example
            Subject: Screenshot
            Message-ID: <{messageId}>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/plain

            See the attached log.
            --b1
            Content-Type: text/plain; name="error.log"
            Content-Disposition: attachment; filename="error.log"

            ERROR 42
            --b1--
            """;

        var outcome = await OutcomeAsync(await intake.PostEmailAsync(mail));

        var requestId = outcome.GetProperty("resultId").GetGuid();
        var attachment = await intake.WithDbAsync(db => db.Attachments.SingleAsync(a => a.RequestId == requestId));
        Assert.Equal(("error.log", client), (attachment.FileName, attachment.ClientId));
        Assert.Equal("ERROR 42", System.Text.Encoding.UTF8.GetString(attachment.Content).Trim());
    }

    [Fact]
    public async Task A_triaged_mail_keeps_its_attachments_html_and_thread_hints_for_the_request_staff_make_of_it()
    {
        var messageId = $"{Guid.NewGuid():N}@new-hire.example";
        var mail = $"""
            From: New Hire <new.hire@new-hire.example>
            To: support@msp.example
            Subject: RE: [SD#4242] Laptop setup
            Message-ID: <{messageId}>
            In-Reply-To: <earlier.ack@msp.example>
            References: <earlier.ack@msp.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: multipart/alternative; boundary="b2"

            --b2
            Content-Type: text/plain

            My colleague's laptop shows this.
            --b2
            Content-Type: text/html

            <p>My colleague's laptop shows <b>this</b>.</p>
            --b2--
            --b1
            Content-Type: text/plain; name="error.log"
            Content-Disposition: attachment; filename="error.log"

            ERROR 42
            --b1--
            """;
        var itemId = (await OutcomeAsync(await intake.PostEmailAsync(mail))).GetProperty("resultId").GetGuid();
        await intake.TakePublishedAsync(); // nothing of this mail yet; start the next look from here

        using var staff = intake.Staff();
        var assigned = await staff.PostAsJsonAsync($"/api/triage/{itemId}/assign", new { clientId = IntakeDbContext.DemoClientId });
        Assert.Equal(HttpStatusCode.Accepted, assigned.StatusCode);
        var requestId = (await assigned.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();

        var attachments = await intake.WithDbAsync(db => db.Attachments.Where(a => a.RequestId == requestId || a.RequestId == itemId).ToListAsync());
        var attachment = Assert.Single(attachments); // moved from the item to the request, not copied
        Assert.Equal((requestId, IntakeDbContext.DemoClientId, "error.log"), (attachment.RequestId, attachment.ClientId, attachment.FileName));
        var published = Assert.Single(await intake.TakePublishedAsync(), b => b.Contains(messageId, StringComparison.Ordinal));
        var body = JsonDocument.Parse(published).RootElement.GetProperty("message");
        Assert.Equal(4242, body.GetProperty("thread").GetProperty("ticketNumber").GetInt64());
        Assert.Equal("earlier.ack@msp.example", body.GetProperty("thread").GetProperty("inReplyTo").GetString());
        Assert.Contains("<b>this</b>", body.GetProperty("descriptionHtml").GetString());
        Assert.Equal("error.log", Assert.Single(body.GetProperty("attachments").EnumerateArray()).GetProperty("fileName").GetString());
    }

    [Theory]
    [InlineData(null, "message/rfc822", HttpStatusCode.Unauthorized)]
    [InlineData("not-the-token-of-this-email-channel", "message/rfc822", HttpStatusCode.Unauthorized)]
    [InlineData(IntakeFixture.EmailToken, "text/plain", HttpStatusCode.UnsupportedMediaType)]
    public async Task A_post_without_the_channel_token_or_as_the_wrong_type_is_refused_and_stores_nothing(string? token, string contentType, HttpStatusCode expected)
    {
        var before = await intake.WithDbAsync(db => db.RawPayloads.CountAsync());
        var response = await intake.PostEmailAsync(Mail("x@acme-dental.example", "Hi", $"{Guid.NewGuid():N}@x"), token ?? "", contentType);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, await intake.WithDbAsync(db => db.RawPayloads.CountAsync()));
    }

    [Fact]
    public async Task Unreadable_mail_is_quarantined_not_lost()
    {
        var outcome = await OutcomeAsync(await intake.PostEmailAsync("this is not an email at all"));

        Assert.Equal("quarantined", outcome.GetProperty("outcome").GetString());
        var payload = await intake.WithDbAsync(db => db.RawPayloads.SingleAsync(p => p.Id == outcome.GetProperty("payloadId").GetGuid()));
        Assert.Equal(PayloadOutcome.Quarantined, payload.Outcome);
        Assert.Equal("this is not an email at all", System.Text.Encoding.UTF8.GetString(payload.Content));
    }

    [Fact]
    public async Task An_older_directory_revision_arriving_late_changes_nothing()
    {
        var client = Guid.NewGuid();
        var contact = Guid.NewGuid();
        await intake.DirectoryAsync(client, 2, true, new ContactSnapshot(contact, "New Name", ["new@acme-dental.example"], [], null));
        await intake.App.Services.GetRequiredService<MassTransit.IBus>().Publish(new ClientChanged(client, 1, "Old", "standard", null, true,
            [new ContactSnapshot(contact, "Old Name", ["old@acme-dental.example"], [], null)], DateTimeOffset.UtcNow, "test"));
        // A later revision proves the old one has been consumed by then (one queue, in order).
        await intake.DirectoryAsync(client, 3, true, new ContactSnapshot(contact, "New Name", ["new@acme-dental.example"], [], null));

        var stored = await intake.WithDbAsync(db => db.Contacts.IgnoreQueryFilters().SingleAsync(c => c.Id == contact));
        Assert.Equal(["new@acme-dental.example"], stored.Emails);
    }
}
