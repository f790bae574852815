using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Notify.Api.Domain;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Contracts;

namespace Notify.Tests;

/// <summary>
/// Every message goes through the delivery ledger: on the right channel, once per event and recipient, retried while
/// its provider's failure is transient, and followed by the provider's signed status callbacks.
/// </summary>
[Collection(NotifyCollection.Name)]
public sealed class DeliveryTests(NotifyFixture notify)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    [Fact]
    public async Task Acknowledgement_is_in_the_ledger_as_sent_with_its_Message_ID_and_staff_can_read_it()
    {
        var ticket = await notify.OpenTicketAsync(3001);
        var messageId = await notify.AcknowledgeAsync(ticket);

        var mail = Assert.Single(notify.Mails(messageId));
        Assert.Contains("Work will begin by", mail.TextBody);
        Assert.Contains("<p>", mail.HtmlBody); // plain text and HTML from one template
        using var staff = notify.App.CreateClient().As(TestAuth.Token("technician"));
        var ledger = await staff.GetFromJsonAsync<JsonElement>($"/api/notify/tickets/{ticket.TicketId}/deliveries", Json);
        var row = Assert.Single(ledger.GetProperty("deliveries").EnumerateArray());
        Assert.Equal(("acknowledgement", "email", ticket.ContactEmail, "sent", messageId, 1),
            (row.GetProperty("kind").GetString(), row.GetProperty("channel").GetString(), row.GetProperty("recipient").GetString(),
                row.GetProperty("state").GetString(), row.GetProperty("providerId").GetString(), row.GetProperty("attempts").GetInt32()));

        using var client = notify.App.CreateClient().As(TestAuth.Token("client-user", ticket.ClientId));
        Assert.Equal(HttpStatusCode.Forbidden, (await client.GetAsync($"/api/notify/tickets/{ticket.TicketId}/deliveries")).StatusCode);
    }

    [Fact]
    public async Task A_clock_start_from_an_older_sla_without_the_ticket_is_acknowledged_from_the_row_notify_kept()
    {
        var ticket = await notify.OpenTicketAsync(3015); // as TicketOpened stored it before docs/adr/0068
        await notify.PublishAsync(NotifyFixture.Started(ticket, timeZone: "Europe/Berlin") with { Ticket = null });

        var sent = await notify.PublishedAsync("AcknowledgementSent", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId);
        var mail = Assert.Single(notify.Mails(sent[0].GetProperty("messageId").GetString()!));
        Assert.Equal($"[SD#3015] We received your request: {ticket.Subject}", mail.Subject);
        Assert.Equal("Europe/Berlin", (await notify.WithDbAsync(db => db.Contacts.SingleAsync(c => c.TicketId == ticket.TicketId))).TimeZone);
    }

    [Fact]
    public async Task Duplicate_clock_starts_give_one_acknowledgement()
    {
        var ticket = await notify.OpenTicketAsync(3002);
        var messageId = await notify.AcknowledgeAsync(ticket);
        var before = await notify.ConsumedAsync(await notify.PublishAsync(NotifyFixture.Started(ticket))); // sla republishes with a new MessageId

        Assert.NotNull(before);
        Assert.Single(notify.Mails(messageId));
        Assert.Single(await notify.DeliveriesAsync(ticket.TicketId));
    }

    [Fact]
    public async Task Resolution_is_mailed_once_in_the_tickets_thread_with_a_reopen_hint()
    {
        var ticket = await notify.OpenTicketAsync(3003);
        var acknowledgement = await notify.AcknowledgeAsync(ticket);
        var resolved = new TicketResolved(ticket.TicketId, ticket.ClientId, DateTimeOffset.UtcNow, 5);

        await notify.ConsumedAsync(await notify.PublishAsync(resolved));
        await notify.ConsumedAsync(await notify.PublishAsync(resolved)); // a copy with a new MessageId

        var mail = Assert.Single(notify.MailsTo(ticket.ContactEmail), m => m.Subject?.StartsWith("[SD#3003] Resolved", StringComparison.Ordinal) == true);
        Assert.Contains("reply to this email and the ticket reopens", mail.TextBody);
        Assert.Equal(acknowledgement, mail.InReplyTo);
        Assert.Equal("auto-generated", mail.Headers[HeaderId.AutoSubmitted]);
        var row = Assert.Single(await notify.DeliveriesAsync(ticket.TicketId), d => d.Kind == MessageKind.Resolution);
        Assert.Equal(DeliveryState.Sent, row.State);
    }

    [Fact]
    public async Task P1_breach_reaches_the_assignee_by_email_sms_and_call_and_callbacks_mark_them_delivered_and_answered()
    {
        var ticket = await notify.OpenTicketAsync(3004, priority: "P1");
        await AssignAsync(ticket, "tess");
        var (email, phone) = NotifyFixture.People["tess"];

        await notify.PublishAsync(new SlaBreached(ticket.TicketId, ticket.ClientId, "P1", SlaTargets.Acknowledge, SlaCommitments.Contractual,
            DateTimeOffset.UtcNow.AddMinutes(-1)));

        var sms = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "sms", State: DeliveryState.Sent }, "the SMS to be sent");
        var call = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "voice", State: DeliveryState.Sent }, "the call to be placed");
        await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "email", State: DeliveryState.Sent }, "the mail to be sent");
        var mail = Assert.Single(notify.MailsTo(email));
        Assert.Contains("BREACHED", mail.Subject);
        var requests = notify.Twilio.Requests(phone);
        var message = Assert.Single(requests, r => r.Resource == "Messages");
        Assert.Equal((NotifyFixture.TwilioFrom, "http://localhost/api/notify/twilio/status"), (message.Form["From"], message.Form["StatusCallback"]));
        Assert.Contains("SD#3004", message.Form["Body"]);
        Assert.Equal(sms.ProviderId, message.Sid);
        Assert.StartsWith("<Response><Say>", Assert.Single(requests, r => r.Resource == "Calls").Form["Twiml"]);

        using var app = notify.App.CreateClient();
        var delivered = await TwilioWebhook.PostAsync(app, "/api/notify/twilio/status",
            [new("MessageSid", sms.ProviderId!), new("MessageStatus", "delivered"), new("To", phone)], NotifyFixture.TwilioAuthToken);
        var answered = await TwilioWebhook.PostAsync(app, "/api/notify/twilio/status",
            [new("CallSid", call.ProviderId!), new("CallStatus", "completed"), new("To", phone)], NotifyFixture.TwilioAuthToken);
        // Twilio retries a callback it thinks failed: the copy changes nothing.
        var again = await TwilioWebhook.PostAsync(app, "/api/notify/twilio/status",
            [new("MessageSid", sms.ProviderId!), new("MessageStatus", "delivered"), new("To", phone)], NotifyFixture.TwilioAuthToken);

        Assert.Equal((HttpStatusCode.NoContent, HttpStatusCode.NoContent, HttpStatusCode.NoContent), (delivered.StatusCode, answered.StatusCode, again.StatusCode));
        var rows = await notify.DeliveriesAsync(ticket.TicketId);
        Assert.Equal(DeliveryState.Delivered, rows.Single(d => d.Id == sms.Id).State);
        Assert.Equal(DeliveryState.Answered, rows.Single(d => d.Id == call.Id).State);
        Assert.Equal(1, await notify.WithDbAsync(db => db.Reports.CountAsync(r => r.DeliveryId == sms.Id)));
    }

    [Fact]
    public async Task Warning_goes_to_the_teams_address_and_the_signed_pager_webhook_when_nobody_is_assigned()
    {
        var ticket = await notify.OpenTicketAsync(3005, NotifyFixture.NetworkTeam);
        var warning = new SlaWarning(ticket.TicketId, ticket.ClientId, "P2", SlaTargets.WorkBegins, SlaCommitments.Internal, 75,
            DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddHours(1));

        await notify.ConsumedAsync(await notify.PublishAsync(warning));
        await notify.ConsumedAsync(await notify.PublishAsync(warning)); // a copy: still one message

        var rows = await notify.DeliveriesAsync(ticket.TicketId);
        Assert.Equal(2, rows.Count);
        var row = Assert.Single(rows, d => d.Channel == "email");
        Assert.Equal((MessageKind.SlaWarning, NotifyFixture.NetworkTeamAddress, DeliveryState.Sent), (row.Kind, row.Recipient, row.State));
        Assert.Single(notify.MailsTo(NotifyFixture.NetworkTeamAddress), m => m.Subject?.Contains("SD#3005", StringComparison.Ordinal) == true);

        // The pager integrator gets it too, signed as inbound channel webhooks are, with the delivery id as the ledger's provider id.
        var hook = Assert.Single(rows, d => d.Channel == "webhook");
        Assert.Equal(("pager", DeliveryState.Sent), (hook.Recipient, hook.State));
        var posted = Assert.Single(notify.Pager.Received, r => r.Delivery == hook.ProviderId);
        Assert.Equal(WebhookVerifier.Sign(NotifyFixture.PagerSecret, long.Parse(posted.Timestamp!, System.Globalization.CultureInfo.InvariantCulture),
            posted.Delivery!, posted.Body), posted.Signature);
        Assert.Contains("SD#3005", JsonDocument.Parse(posted.Body).RootElement.GetProperty("subject").GetString());
    }

    [Fact]
    public async Task Forged_or_unsigned_status_callback_is_401_and_changes_nothing()
    {
        var ticket = await notify.OpenTicketAsync(3006, priority: "P1");
        await AssignAsync(ticket, "lee");
        await notify.PublishAsync(new SlaBreached(ticket.TicketId, ticket.ClientId, "P1", SlaTargets.WorkBegins, SlaCommitments.Internal,
            DateTimeOffset.UtcNow));
        var sms = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "sms", State: DeliveryState.Sent }, "the SMS to be sent");

        using var app = notify.App.CreateClient();
        var forged = await TwilioWebhook.PostAsync(app, "/api/notify/twilio/status",
            [new("MessageSid", sms.ProviderId!), new("MessageStatus", "failed")], "not-the-auth-token-0123456789");
        var unsigned = await app.PostAsync("/api/notify/twilio/status", new FormUrlEncodedContent(
            [new("MessageSid", sms.ProviderId!), new("MessageStatus", "failed")]));

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Unauthorized), (forged.StatusCode, unsigned.StatusCode));
        Assert.Equal("application/problem+json", forged.Content.Headers.ContentType?.MediaType);
        var row = (await notify.DeliveriesAsync(ticket.TicketId)).Single(d => d.Id == sms.Id);
        Assert.Equal((DeliveryState.Sent, (DateTimeOffset?)null), (row.State, row.FailedAt));
        Assert.Equal(0, await notify.WithDbAsync(db => db.Reports.CountAsync(r => r.DeliveryId == sms.Id)));
    }

    [Fact]
    public async Task Transient_provider_failures_are_retried_with_growing_waits_until_sent()
    {
        var ticket = await notify.OpenTicketAsync(3007);
        await AssignAsync(ticket, "ravi");
        var phone = NotifyFixture.People["ravi"].Phone;
        notify.Twilio.Answer(phone, 503, 503); // Twilio is down for two attempts

        await notify.PublishAsync(new SlaBreached(ticket.TicketId, ticket.ClientId, "P2", SlaTargets.WorkBegins, SlaCommitments.Internal, DateTimeOffset.UtcNow));

        var sms = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "sms", State: DeliveryState.Sent }, "the SMS to be sent at last");
        Assert.Equal(3, sms.Attempts);
        Assert.Equal(3, notify.Twilio.Requests(phone).Count);
        var waits = notify.Scheduled(sms.Id).OrderBy(s => s.Attempt).Select(s => s.DueAt - s.SentAt).ToList();
        Assert.Equal(2, waits.Count);
        Assert.InRange(waits[0], NotifyFixture.RetryDelays[0] - TimeSpan.FromMilliseconds(200), NotifyFixture.RetryDelays[0] + TimeSpan.FromMilliseconds(500));
        Assert.InRange(waits[1], NotifyFixture.RetryDelays[1] - TimeSpan.FromMilliseconds(200), NotifyFixture.RetryDelays[1] + TimeSpan.FromMilliseconds(500));
        Assert.Single(notify.MailsTo(NotifyFixture.People["ravi"].Email)); // the mail did not wait for the SMS
    }

    [Fact]
    public async Task Failures_stop_after_the_last_retry_or_at_once_when_permanent_and_the_ledger_says_why()
    {
        var down = await notify.OpenTicketAsync(3008);
        await AssignAsync(down, "mo");
        var phone = NotifyFixture.People["mo"].Phone;
        notify.Twilio.AlwaysAnswer(phone, 503);
        var refused = await notify.OpenTicketAsync(3009);
        await AssignAsync(refused, "mo");

        await notify.PublishAsync(new SlaBreached(down.TicketId, down.ClientId, "P2", SlaTargets.WorkBegins, SlaCommitments.Internal, DateTimeOffset.UtcNow));
        var failed = await notify.DeliveryAsync(down.TicketId, d => d is { Channel: "sms", State: DeliveryState.Failed }, "the SMS to fail for good");

        Assert.Equal(NotifyFixture.RetryDelays.Length + 1, failed.Attempts);
        Assert.Contains("Twilio 503", failed.LastError);
        Assert.Null(failed.NextAttemptAt);
        Assert.Equal(failed.Attempts, notify.Twilio.Requests(phone).Count);
        Assert.Equal(NotifyFixture.RetryDelays.Length, notify.Scheduled(failed.Id).Count);

        notify.Twilio.AlwaysAnswer(phone, 400); // Twilio refuses the number: retrying cannot help
        await notify.PublishAsync(new SlaBreached(refused.TicketId, refused.ClientId, "P2", SlaTargets.WorkBegins, SlaCommitments.Internal, DateTimeOffset.UtcNow));
        var permanent = await notify.DeliveryAsync(refused.TicketId, d => d is { Channel: "sms", State: DeliveryState.Failed }, "the SMS to be refused");

        Assert.Equal(1, permanent.Attempts);
        Assert.Contains("Twilio 400", permanent.LastError);
        Assert.Empty(notify.Scheduled(permanent.Id));
    }

    [Fact]
    public async Task Request_that_came_by_text_is_acknowledged_by_email_and_by_text_to_the_contacts_phone()
    {
        var clientId = Guid.NewGuid();
        const string phone = "+15550109999";
        const string email = "sam.3010@acme-dental.example";
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Acme Dental", "standard", null, true,
            [new ContactSnapshot(Guid.NewGuid(), "Sam Ortiz", [email.ToUpperInvariant()], ["555-0100", phone], 1)], DateTimeOffset.UtcNow, "ada")));
        var ticket = new TicketOpened(Guid.NewGuid(), 3010, clientId, email, "Sam Ortiz", "sms", "Server down", "P2", DateTimeOffset.UtcNow);

        await notify.PublishAsync(NotifyFixture.Started(ticket)); // the ticket's first news to notify: its channel decides the SMS

        var sms = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "sms", State: DeliveryState.Sent }, "the SMS acknowledgement");
        await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "email", State: DeliveryState.Sent }, "the email acknowledgement");
        Assert.Equal((MessageKind.Acknowledgement, phone), (sms.Kind, sms.Recipient)); // the first number in E.164 form
        var text = Assert.Single(notify.Twilio.Requests(phone));
        Assert.StartsWith("We received your request \"Server down\" and opened ticket SD#3010. Work will begin by", text.Form["Body"]);
        var announced = await notify.PublishedAsync("AcknowledgementSent", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId, count: 2);
        Assert.Contains(announced, m => m.GetProperty("medium").GetString() == "sms" && m.GetProperty("recipient").GetString() == phone);
        Assert.Contains(announced, m => m.GetProperty("medium").GetString() == "email" && m.GetProperty("recipient").GetString() == email);
    }

    [Fact]
    public async Task Undelivered_callback_for_a_text_acknowledgement_marks_it_failed_announces_it_and_tells_staff()
    {
        var clientId = Guid.NewGuid();
        const string phone = "+15550108888";
        const string email = "lou.3011@acme-dental.example";
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Acme Dental", "standard", null, true,
            [new ContactSnapshot(Guid.NewGuid(), "Lou Park", [email], [phone], null)], DateTimeOffset.UtcNow, "ada")));
        var ticket = new TicketOpened(Guid.NewGuid(), 3011, clientId, email, "Lou Park", "phone", "No dial tone", "P2", DateTimeOffset.UtcNow,
            NotifyFixture.NetworkTeam);
        await notify.PublishAsync(NotifyFixture.Started(ticket));
        var sms = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "sms", State: DeliveryState.Sent }, "the SMS acknowledgement");

        using var app = notify.App.CreateClient();
        var callback = await TwilioWebhook.PostAsync(app, "/api/notify/twilio/status",
            [new("MessageSid", sms.ProviderId!), new("MessageStatus", "undelivered"), new("ErrorCode", "30003")], NotifyFixture.TwilioAuthToken);

        Assert.Equal(HttpStatusCode.NoContent, callback.StatusCode);
        var failed = (await notify.DeliveriesAsync(ticket.TicketId)).Single(d => d.Id == sms.Id);
        Assert.Equal((DeliveryState.Failed, "Twilio undelivered (error 30003)"), (failed.State, failed.LastError));
        var announced = Assert.Single(await notify.PublishedAsync("CommunicationFailed", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId));
        Assert.Equal((sms.MessageId, "sms", "failed"), (announced.GetProperty("messageId").GetString(), announced.GetProperty("channel").GetString(),
            announced.GetProperty("state").GetString()));
        await Eventually.GetAsync(() => Task.FromResult(notify.MailsTo(NotifyFixture.NetworkTeamAddress)
            .SingleOrDefault(m => m.Subject == $"[SD#3011] The acknowledgement did not reach {phone}")), "the team to be told", explain: notify.Explain);
    }

    [Fact]
    public async Task Status_callback_that_overtakes_the_send_is_applied_once_the_send_is_stored()
    {
        var ticket = await notify.OpenTicketAsync(3012);
        await AssignAsync(ticket, "tess");
        var phone = NotifyFixture.People["tess"].Phone;
        using var app = notify.App.CreateClient();
        var early = new List<HttpStatusCode>();
        notify.Twilio.BeforeAnswer = async request =>
        {
            if (request.To != phone || request.Resource != "Messages") return;
            using var response = await TwilioWebhook.PostAsync(app, "/api/notify/twilio/status",
                [new("MessageSid", request.Sid!), new("MessageStatus", "delivered")], NotifyFixture.TwilioAuthToken);
            early.Add(response.StatusCode);
        };
        try
        {
            await notify.PublishAsync(new SlaBreached(ticket.TicketId, ticket.ClientId, "P2", SlaTargets.WorkBegins, SlaCommitments.Contractual,
                DateTimeOffset.UtcNow));

            var sms = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "sms", State: DeliveryState.Delivered }, "the early callback to apply");
            Assert.Equal([HttpStatusCode.NoContent], early);
            Assert.Equal(1, await notify.WithDbAsync(db => db.Reports.CountAsync(r => r.DeliveryId == sms.Id)));
        }
        finally
        {
            notify.Twilio.BeforeAnswer = null;
        }
    }

    /// <summary>
    /// The narrow race: the callback looks for the row before the send is committed, and stores its report only after the
    /// send looked for early reports. The test holds the report's key in an open transaction of its own, so the callback
    /// stops exactly there (after looking, before storing); only once the send has committed, or is seen waiting for the
    /// callback, does the test let it go. Without the two being serialised the report stays unapplied and this fails.
    /// </summary>
    [Fact]
    public async Task Status_callback_stored_while_the_send_commits_is_not_lost()
    {
        var ticket = await notify.OpenTicketAsync(3014);
        await AssignAsync(ticket, "ravi");
        var phone = NotifyFixture.People["ravi"].Phone;
        using var app = notify.App.CreateClient();
        var connectionString = await notify.WithDbAsync(db => Task.FromResult(db.Database.GetConnectionString()!));
        await using var holder = new Npgsql.NpgsqlConnection(connectionString);
        await holder.OpenAsync();
        await using var held = await holder.BeginTransactionAsync();
        var callbackStarted = new TaskCompletionSource<(string Sid, Task<HttpResponseMessage> Callback)>(TaskCreationOptions.RunContinuationsAsynchronously);
        notify.Twilio.BeforeAnswer = async request =>
        {
            if (request.To != phone || request.Resource != "Messages") return;
            await using (var hold = new Npgsql.NpgsqlCommand(
                "INSERT INTO delivery_reports (\"Key\", \"Raw\", \"ReceivedAt\") VALUES ($1, '', now())", holder, held))
            {
                hold.Parameters.AddWithValue($"twilio:{request.Sid}:delivered");
                await hold.ExecuteNonQueryAsync();
            }
            var callback = TwilioWebhook.PostAsync(app, "/api/notify/twilio/status",
                [new("MessageSid", request.Sid!), new("MessageStatus", "delivered")], NotifyFixture.TwilioAuthToken);
            await Eventually.TrueAsync(() => WaitingAsync(connectionString, "transactionid"), "the callback to wait to store its report");
            callbackStarted.SetResult((request.Sid!, callback));
        };
        try
        {
            await notify.PublishAsync(new SlaBreached(ticket.TicketId, ticket.ClientId, "P2", SlaTargets.WorkBegins, SlaCommitments.Contractual,
                DateTimeOffset.UtcNow));
            var (sid, callback) = await callbackStarted.Task.WaitAsync(TimeSpan.FromMinutes(1));

            // The send has committed its row ("sent"), or waits for the callback's transaction: let the callback store its report.
            async Task<bool> SendCommittedOrWaiting() =>
                await WaitingAsync(connectionString, "advisory") || await notify.WithDbAsync(db => db.Deliveries.AnyAsync(d => d.ProviderId == sid));
            await Eventually.TrueAsync(SendCommittedOrWaiting, "the send to commit or to wait for the callback", explain: notify.Explain);
            await held.RollbackAsync();
            using var answered = await callback;

            Assert.Equal(HttpStatusCode.NoContent, answered.StatusCode);
            var sms = await notify.DeliveryAsync(ticket.TicketId, d => d is { Channel: "sms", State: DeliveryState.Delivered },
                "the callback stored during the send to apply");
            Assert.Equal(1, await notify.WithDbAsync(db => db.Reports.CountAsync(r => r.DeliveryId == sms.Id)));
        }
        finally
        {
            notify.Twilio.BeforeAnswer = null;
        }
    }

    /// <summary>Whether a session of this database waits for a lock of this type (another's transaction id: a row or key; advisory).</summary>
    private static async Task<bool> WaitingAsync(string connectionString, string lockType)
    {
        await using var connection = new Npgsql.NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var query = new Npgsql.NpgsqlCommand(
            "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = $1 AND (database IS NULL OR database = (SELECT oid FROM pg_database WHERE datname = current_database()))",
            connection);
        query.Parameters.AddWithValue(lockType);
        return (long)(await query.ExecuteScalarAsync())! > 0;
    }

    [Fact]
    public async Task Line_breaks_a_client_typed_into_the_subject_never_become_headers()
    {
        var ticket = new TicketOpened(Guid.NewGuid(), 3013, Guid.NewGuid(), "dana.3013@acme-dental.example", "Dana\r\nBcc: x@evil.example",
            "email", "Printer jam\r\nBcc: attacker@evil.example", "P2", DateTimeOffset.UtcNow);

        var mail = Assert.Single(notify.Mails(await notify.AcknowledgeAsync(ticket)));

        Assert.Equal("[SD#3013] We received your request: Printer jam  Bcc: attacker@evil.example", mail.Subject);
        Assert.Empty(mail.Bcc);
        Assert.Null(mail.Headers[HeaderId.Bcc]);
        Assert.Equal("dana.3013@acme-dental.example", Assert.Single(mail.To.Mailboxes).Address);
    }

    [Fact]
    public async Task Template_preview_is_for_admins_and_names_an_unknown_template()
    {
        using var admin = notify.App.CreateClient().As(TestAuth.Token("admin"));
        using var technician = notify.App.CreateClient().As(TestAuth.Token("technician"));

        var preview = await admin.GetFromJsonAsync<JsonElement>("/api/notify/templates/acknowledgement/preview?timeZone=America/New_York", Json);
        var unknown = await admin.GetAsync("/api/notify/templates/nonsense/preview");
        var badZone = await admin.GetAsync("/api/notify/templates/acknowledgement/preview?timeZone=Mars/Olympus");
        var forbidden = await technician.GetAsync("/api/notify/templates/acknowledgement/preview");

        Assert.StartsWith("[SD#1042] We received your request", preview.GetProperty("subject").GetString());
        Assert.Contains("Work will begin by Monday 23 November 2026, 10:00 (America/New_York).", preview.GetProperty("text").GetString());
        Assert.Equal(HttpStatusCode.BadRequest, badZone.StatusCode);
        Assert.Contains("timeZone", (await badZone.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(p => p.Name));
        Assert.Contains("<p>", preview.GetProperty("html").GetString());
        Assert.Equal((HttpStatusCode.NotFound, HttpStatusCode.Forbidden), (unknown.StatusCode, forbidden.StatusCode));
        Assert.Contains("nonsense", await unknown.Content.ReadAsStringAsync());
    }

    private async Task AssignAsync(TicketOpened ticket, string assignee)
    {
        await notify.ConsumedAsync(await notify.PublishAsync(new TicketAssigned(ticket.TicketId, ticket.ClientId, null, assignee, null, null, null,
            DateTimeOffset.UtcNow, "dispatch", "web", 2)));
    }
}
