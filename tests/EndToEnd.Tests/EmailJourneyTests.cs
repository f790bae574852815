using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Npgsql;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>
/// The email channel through the gateway and RabbitMQ: a mail from a contact an admin added opens a ticket, the
/// acknowledgement goes out over SMTP, and the contact's answer to it lands on the same ticket; an auto-reply opens nothing.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class EmailJourneyTests(RunningSystem system)
{
    [Fact]
    public async Task Mail_opens_a_ticket_and_the_answer_to_its_acknowledgement_is_added_to_it()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var contact = $"sam.{Guid.NewGuid():N}@harbor-clinic.example";
        var client = await NewClientWithContactAsync(dispatcher, contact);

        // 1. The MTA pipes the mail in; intake knows the sender from tickets' client directory.
        var first = $"{Guid.NewGuid():N}@harbor-clinic.example";
        var accepted = await PostMailAsync(Mail(contact, "Scanner offline", first, "The scanner at reception shows offline."));
        Assert.Equal("accepted", accepted.GetProperty("outcome").GetString());
        var ticketId = accepted.GetProperty("resultId").GetGuid();

        var ticket = await Eventually.GetAsync(async () =>
        {
            var response = await dispatcher.GetAsync(new Uri($"/api/tickets/{ticketId}", UriKind.Relative));
            return response.IsSuccessStatusCode ? (object)await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }, "the ticket", explain: () => system.Output) is JsonElement t ? t : default;
        Assert.Equal(("email", client, "Scanner offline"), (ticket.GetProperty("channel").GetString(), ticket.GetProperty("clientId").GetGuid(),
            ticket.GetProperty("subject").GetString()));
        var number = ticket.GetProperty("number").GetInt64();

        // 2. The acknowledgement, over real SMTP.
        var acknowledgement = await Eventually.GetAsync(() => Task.FromResult(
            system.Mail.Messages().SingleOrDefault(m => m.To.Mailboxes.Any(to => to.Address == contact))), "the acknowledgement",
            explain: () => system.Output);
        Assert.Contains($"[SD#{number}]", acknowledgement.Subject, StringComparison.Ordinal);
        // Tickets records the acknowledgement's Message-ID with the status change; a person answers later than a test does.
        await Eventually.TrueAsync(async () => (await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets/{ticketId}", UriKind.Relative)))
            .GetProperty("status").GetString() == "Acknowledged", "the ticket to be acknowledged", explain: () => system.Output);

        // 3. The contact answers it from a mail program that dropped our subject token: In-Reply-To alone finds the ticket.
        var answer = await PostMailAsync(Mail(contact, "Re: Scanner", $"{Guid.NewGuid():N}@harbor-clinic.example",
            "Still offline after a restart.\n\n> We received your request", inReplyTo: acknowledgement.MessageId));
        Assert.Equal("accepted", answer.GetProperty("outcome").GetString());
        var answerId = answer.GetProperty("resultId").GetGuid();

        var message = await Eventually.GetAsync(async () =>
            (await dispatcher.GetFromJsonAsync<JsonElement[]>(new Uri($"/api/tickets/{ticketId}/conversation", UriKind.Relative)))!
            .Where(m => m.GetProperty("id").GetGuid() == answerId).Select(m => (object)m).SingleOrDefault(), "the answer on the ticket",
            explain: () => system.Output) is JsonElement m ? m : default;
        Assert.Equal("ClientMessage", message.GetProperty("kind").GetString());
        Assert.StartsWith("Still offline after a restart.", message.GetProperty("body").GetString());
        Assert.Equal($"In-Reply-To <{acknowledgement.MessageId}> (SD#{number})", message.GetProperty("matchedBy").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await dispatcher.GetAsync(new Uri($"/api/tickets/{answerId}", UriKind.Relative))).StatusCode);

        // 4. The contact's out-of-office answering our mail opens nothing and is not acknowledged (no mail loop).
        var autoReply = await PostMailAsync(Mail(contact, $"Out of office: [SD#{number}]", $"{Guid.NewGuid():N}@harbor-clinic.example",
            "I am away until Monday.", inReplyTo: acknowledgement.MessageId, extraHeaders: "Auto-Submitted: auto-replied\n"));
        Assert.Equal("ignored", autoReply.GetProperty("outcome").GetString());
        Assert.Single(system.Mail.Messages(), m => m.To.Mailboxes.Any(to => to.Address == contact));

        // 5. Resolved: the contact is told, in the acknowledgement's thread (tickets' TicketResolved reaches notify).
        var version = (await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets/{ticketId}", UriKind.Relative))).GetProperty("version").GetUInt32();
        using var tech = system.Client(TestAuth.Token(Roles.Technician, subject: "tess"));
        var resolved = await tech.PostAsJsonAsync(new Uri($"/api/tickets/{ticketId}/status", UriKind.Relative), new { to = "Resolved", version });
        Assert.Equal(HttpStatusCode.OK, resolved.StatusCode);
        var resolution = await Eventually.GetAsync(() => Task.FromResult(system.Mail.Messages()
            .SingleOrDefault(m => m.To.Mailboxes.Any(to => to.Address == contact) && m.MessageId != acknowledgement.MessageId)), "the resolution mail",
            explain: () => system.Output);
        Assert.Equal(acknowledgement.MessageId, resolution.InReplyTo);
    }

    [Fact]
    public async Task Mail_sent_over_SMTP_to_the_support_alias_reaches_intake_through_the_mail_pipe()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var contact = $"lee.{Guid.NewGuid():N}@harbor-clinic.example";
        var client = await NewClientWithContactAsync(dispatcher, contact);
        var pipe = Path.Combine(Repository.Root, "tools/mail-pipe/servicedesk-mail-pipe");
        var settings = new Dictionary<string, string>
        {
            ["SERVICEDESK_URL"] = system.App("gateway").Url.ToString(),
            ["SERVICEDESK_MAIL_PIPE_CONF"] = "/nonexistent/mail-pipe.conf", // never the machine's own
        };
        // The MSP's MTA: support@ is an alias piping into tools/mail-pipe, which posts to the gateway.
        await using var mta = await SmtpServer.StartPipingAsync(pipe, new Dictionary<string, string>(settings) { ["SERVICEDESK_MAIL_TOKEN"] = RunningSystem.EmailToken });
        await using var misconfigured = await SmtpServer.StartPipingAsync(pipe, new Dictionary<string, string>(settings) { ["SERVICEDESK_MAIL_TOKEN"] = "a-wrong-token" });
        var subject = $"Fax line dead {Guid.NewGuid():N}";

        await SendAsync(mta.Port, contact, subject);

        var ticket = await Eventually.GetAsync(async () =>
            (await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets?clientId={client}", UriKind.Relative)))
            .GetProperty("items").EnumerateArray().Where(i => i.GetProperty("subject").GetString() == subject).Select(i => (object)i).SingleOrDefault(),
            "the ticket from the SMTP delivery", explain: () => system.Output) is JsonElement found ? found : default;
        Assert.Equal(client, ticket.GetProperty("clientId").GetGuid());

        // A wrong token is the MSP's configuration, not the sender's fault: the MTA keeps the mail queued (451).
        var refused = await Assert.ThrowsAsync<MailKit.Net.Smtp.SmtpCommandException>(() => SendAsync(misconfigured.Port, contact, subject + " again"));
        Assert.Equal(451, (int)refused.StatusCode);
        Assert.Contains("refused our credentials", refused.Message, StringComparison.Ordinal);
    }

    private static async Task SendAsync(int port, string from, string subject)
    {
        var message = new MimeKit.MimeMessage { Subject = subject, Body = new MimeKit.TextPart("plain") { Text = "The fax line has no dial tone." } };
        message.From.Add(MimeKit.MailboxAddress.Parse(from));
        message.To.Add(MimeKit.MailboxAddress.Parse("support@msp.example"));
        using var smtp = new MailKit.Net.Smtp.SmtpClient();
        await smtp.ConnectAsync("127.0.0.1", port, MailKit.Security.SecureSocketOptions.None);
        await smtp.SendAsync(message);
        await smtp.DisconnectAsync(quit: true);
    }

    [Fact]
    public async Task The_email_route_answers_401_without_the_channels_token_and_stores_nothing()
    {
        var messageId = $"{Guid.NewGuid():N}@intruder.example";
        using var anonymous = system.Client();
        using var content = MailContent(Mail("x@intruder.example", "Hi", messageId, "Let me in."));
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/email/messages") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "not-the-token");

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.SendAsync(request)).StatusCode);

        await using var intake = new NpgsqlConnection(system.DatabaseOf("intake"));
        await intake.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM raw_payloads WHERE convert_from(\"Content\", 'UTF8') LIKE $1", intake)
        {
            Parameters = { new() { Value = $"%{messageId}%" } },
        };
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    /// <summary>A client and contact created the way staff do, once intake's copy of the directory has them.</summary>
    private async Task<Guid> NewClientWithContactAsync(HttpClient dispatcher, string email)
    {
        var client = await ClientDirectory.NewClientAsync(system, dispatcher, $"Harbor Clinic {email}");
        await ClientDirectory.AddContactAsync(system, dispatcher, client, "Sam Ortiz", email);
        return client;
    }

    private async Task<JsonElement> PostMailAsync(string mail)
    {
        using var pipe = system.Client();
        using var content = MailContent(mail);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/email/messages") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", RunningSystem.EmailToken);
        using var response = await pipe.SendAsync(request);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static ByteArrayContent MailContent(string mail)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes(mail.ReplaceLineEndings("\r\n")));
        content.Headers.ContentType = new MediaTypeHeaderValue("message/rfc822");
        return content;
    }

    private static string Mail(string from, string subject, string messageId, string body, string? inReplyTo = null, string extraHeaders = "") =>
        $"""
        From: {from}
        To: support@msp.example
        Subject: {subject}
        Message-ID: <{messageId}>
        {(inReplyTo is null ? "" : $"In-Reply-To: <{inReplyTo}>\nReferences: <{inReplyTo}>\n")}{extraHeaders}Date: {DateTimeOffset.UtcNow:r}
        MIME-Version: 1.0
        Content-Type: text/plain; charset=utf-8

        {body}

        """;
}
