using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using Npgsql;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>
/// The SMS channel through the gateway and RabbitMQ, called as Twilio calls it: the channel (its own process) posts a
/// contact's text to intake's signed "sms" channel through the gateway; the text opens a ticket for the channel's client,
/// a text quoting its SD# is added to it, and Twilio's resend of a text changes nothing.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class SmsJourneyTests(RunningSystem system)
{
    private const string ServiceNumber = RunningSystem.ServiceNumber;

    [Fact]
    public async Task Text_opens_a_ticket_and_a_text_quoting_its_number_is_added_to_it_once()
    {
        // The channel serves one client (Channels:sms:ClientIds), the demo client: staff give it a contact with a mobile.
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var (email, phone) = ($"ari.{Guid.NewGuid():N}@acme-dental.example", ClientDirectory.NewPhone());
        await ClientDirectory.AddContactAsync(system, dispatcher, RunningSystem.DemoClient, "Ari Cohen", email, phone);
        using var twilio = system.Client();

        // 1. A text from the contact: Twilio hears 200 and an empty TwiML once intake has stored it.
        var first = Sms(phone, "Front desk printer jammed\nIt shows error 13 and blinks orange.");
        await AssertReceivedAsync(await PostAsync(twilio, first));
        var ticketId = await RequestIdAsync(first);

        var ticket = await Eventually.GetAsync(async () =>
        {
            var response = await dispatcher.GetAsync(new Uri($"/api/tickets/{ticketId}", UriKind.Relative));
            return response.IsSuccessStatusCode ? (object)await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }, "the text's ticket", explain: () => system.Output) is JsonElement t ? t : default;
        Assert.Equal(("sms", RunningSystem.DemoClient, email, "Front desk printer jammed"), (ticket.GetProperty("channel").GetString(),
            ticket.GetProperty("clientId").GetGuid(), ticket.GetProperty("contact").GetProperty("email").GetString(), ticket.GetProperty("subject").GetString()));
        Assert.Contains("error 13", ticket.GetProperty("description").GetString(), StringComparison.Ordinal);
        var number = ticket.GetProperty("number").GetInt64();

        // 2. The contact texts again, quoting the number from the acknowledgement: a message on that ticket, not a new one.
        var followUp = Sms(phone, $"Any news on SD#{number}? The printer still shows error 13.");
        await AssertReceivedAsync(await PostAsync(twilio, followUp));
        var messageId = await RequestIdAsync(followUp);

        var message = await Eventually.GetAsync(async () =>
            (await dispatcher.GetFromJsonAsync<JsonElement[]>(new Uri($"/api/tickets/{ticketId}/conversation", UriKind.Relative)))!
            .Where(m => m.GetProperty("id").GetGuid() == messageId).Select(m => (object)m).SingleOrDefault(), "the follow-up on the ticket",
            explain: () => system.Output) is JsonElement m ? m : default;
        Assert.Equal(("ClientMessage", "sms"), (message.GetProperty("kind").GetString(), message.GetProperty("channel").GetString()));
        Assert.StartsWith($"Any news on SD#{number}?", message.GetProperty("body").GetString(), StringComparison.Ordinal);
        Assert.Equal($"subject token [SD#{number}] (SD#{number})", message.GetProperty("matchedBy").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await dispatcher.GetAsync(new Uri($"/api/tickets/{messageId}", UriKind.Relative))).StatusCode);

        // 3. Twilio resends the follow-up (it did not hear our answer): answered the same, and it is still the one message.
        await AssertReceivedAsync(await PostAsync(twilio, followUp));
        Assert.Equal(2L, await CountAsync("SELECT count(*) FROM service_requests WHERE \"ContactPhone\" = $1", phone));
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM triage_items WHERE \"SenderPhone\" = $1", phone));
        Assert.Single((await dispatcher.GetFromJsonAsync<JsonElement[]>(new Uri($"/api/tickets/{ticketId}/conversation", UriKind.Relative)))!,
            c => c.GetProperty("kind").GetString() == "ClientMessage");
    }

    [Fact]
    public async Task A_text_answering_our_text_threads_onto_its_ticket_and_a_text_from_a_number_we_never_texted_opens_a_new_one()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var (email, phone) = ($"eli.{Guid.NewGuid():N}@acme-dental.example", ClientDirectory.NewPhone());
        await ClientDirectory.AddContactAsync(system, dispatcher, RunningSystem.DemoClient, "Eli Navarro", email, phone);
        await NotifyKnowsAsync(phone); // a request by text is acknowledged by text to the number in the directory
        using var twilio = system.Client();

        // 1. A text opens a ticket, and notify acknowledges it by text (through Twilio's API) as well as by email.
        var first = Sms(phone, "Scanner at reception is offline");
        await AssertReceivedAsync(await PostAsync(twilio, first));
        var ticketId = await RequestIdAsync(first);
        var number = (await Eventually.GetAsync(async () =>
        {
            var response = await dispatcher.GetAsync(new Uri($"/api/tickets/{ticketId}", UriKind.Relative));
            return response.IsSuccessStatusCode ? (object)await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }, "the text's ticket", explain: () => system.Output) is JsonElement ticket ? ticket : default).GetProperty("number").GetInt64();
        var acknowledgement = await Eventually.GetAsync(() => Task.FromResult(system.Twilio.Requests(phone)
                .FirstOrDefault(r => r.Form.GetValueOrDefault("Body", "").Contains($"SD#{number}", StringComparison.Ordinal))),
            "the acknowledgement by text", explain: () => system.Output);
        Assert.Equal(("Messages", ServiceNumber), (acknowledgement.Resource, acknowledgement.Form["From"]));
        await TicketsKnowsOurTextAsync(phone, ticketId);

        // 2. The contact answers the text without quoting the number: it is a message on that ticket, not a new ticket.
        var answer = Sms(phone, "Thanks, it works again after a restart");
        await AssertReceivedAsync(await PostAsync(twilio, answer));
        var answerId = await RequestIdAsync(answer);
        var message = await Eventually.GetAsync(async () =>
            (await dispatcher.GetFromJsonAsync<JsonElement[]>(new Uri($"/api/tickets/{ticketId}/conversation", UriKind.Relative)))!
            .Where(m => m.GetProperty("id").GetGuid() == answerId).Select(m => (object)m).SingleOrDefault(), "the answer on the ticket",
            explain: () => system.Output) is JsonElement m ? m : default;
        Assert.Equal(("ClientMessage", "sms"), (message.GetProperty("kind").GetString(), message.GetProperty("channel").GetString()));
        Assert.Equal($"answers our last text to {phone} (SD#{number})", message.GetProperty("matchedBy").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await dispatcher.GetAsync(new Uri($"/api/tickets/{answerId}", UriKind.Relative))).StatusCode);

        // 3. A colleague we never texted sends "Thanks!": it answers nothing of ours, so it is a new request, and the
        //    ticket above does not take it.
        var (otherEmail, otherPhone) = ($"kai.{Guid.NewGuid():N}@acme-dental.example", ClientDirectory.NewPhone());
        await ClientDirectory.AddContactAsync(system, dispatcher, RunningSystem.DemoClient, "Kai Brandt", otherEmail, otherPhone);
        var stray = Sms(otherPhone, "Thanks!");
        await AssertReceivedAsync(await PostAsync(twilio, stray));
        var strayId = await RequestIdAsync(stray);
        var opened = await Eventually.GetAsync(async () =>
        {
            var response = await dispatcher.GetAsync(new Uri($"/api/tickets/{strayId}", UriKind.Relative));
            return response.IsSuccessStatusCode ? (object)await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }, "the stray text's own ticket", explain: () => system.Output) is JsonElement t ? t : default;
        Assert.Equal(("Thanks!", otherEmail), (opened.GetProperty("subject").GetString(), opened.GetProperty("contact").GetProperty("email").GetString()));
        Assert.DoesNotContain((await dispatcher.GetFromJsonAsync<JsonElement[]>(new Uri($"/api/tickets/{ticketId}/conversation", UriKind.Relative)))!,
            c => c.GetProperty("id").GetGuid() == strayId);
    }

    /// <summary>Waits until notify's copy of the client directory has the number (ClientChanged reached it).</summary>
    private Task NotifyKnowsAsync(string phone) => Eventually.TrueAsync(async () =>
    {
        await using var notify = new NpgsqlConnection(system.DatabaseOf("notify"));
        await notify.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT count(*) FROM directory_clients WHERE \"Contacts\"::text LIKE '%' || $1 || '%'", notify)
        {
            Parameters = { new() { Value = phone } },
        };
        return (long)(await query.ExecuteScalarAsync())! > 0;
    }, "notify to know the contact's number");

    /// <summary>Waits until tickets has heard (TextMessageSent) that notify texted the number about the ticket.</summary>
    private Task TicketsKnowsOurTextAsync(string phone, Guid ticketId) => Eventually.TrueAsync(async () =>
    {
        await using var tickets = new NpgsqlConnection(system.DatabaseOf("tickets"));
        await tickets.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT count(*) FROM text_threads WHERE \"Phone\" = $1 AND \"TicketId\" = $2", tickets)
        {
            Parameters = { new() { Value = phone }, new() { Value = ticketId } },
        };
        return (long)(await query.ExecuteScalarAsync())! > 0;
    }, "tickets to know our text");

    [Fact]
    public async Task A_text_not_signed_with_the_accounts_auth_token_gets_401_and_reaches_nothing()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var phone = ClientDirectory.NewPhone();
        await ClientDirectory.AddContactAsync(system, dispatcher, RunningSystem.DemoClient, "Noa Levi", $"noa.{Guid.NewGuid():N}@acme-dental.example", phone);
        using var forger = system.Client();

        var forged = await TwilioWebhook.PostAsync(forger, RunningSystem.SmsWebhookPath, Sms(phone, "Reset my password to hunter2"), new string('f', 32));

        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Equal(0L, await CountAsync("SELECT count(*) FROM service_requests WHERE \"ContactPhone\" = $1", phone));
    }

    private static Task<HttpResponseMessage> PostAsync(HttpClient twilio, List<KeyValuePair<string, string>> form) =>
        TwilioWebhook.PostAsync(twilio, RunningSystem.SmsWebhookPath, form, RunningSystem.TwilioAuthToken);

    private static async Task AssertReceivedAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {body}");
        Assert.Equal("application/xml", response.Content.Headers.ContentType?.MediaType);
        var twiml = XDocument.Parse(body).Root!;
        Assert.Equal(("Response", 0), (twiml.Name.LocalName, twiml.Elements().Count()));
    }

    /// <summary>The request intake stored for the text (its id is the ticket's, or the message's on a ticket).</summary>
    private async Task<Guid> RequestIdAsync(List<KeyValuePair<string, string>> sms)
    {
        var sid = sms.Single(f => f.Key == "MessageSid").Value;
        await using var intake = new NpgsqlConnection(system.DatabaseOf("intake"));
        await intake.OpenAsync();
        await using var query = new NpgsqlCommand("SELECT \"Id\" FROM service_requests WHERE \"Channel\" = 'sms' AND \"ExternalId\" = $1", intake)
        {
            Parameters = { new() { Value = sid } },
        };
        return Assert.IsType<Guid>(await query.ExecuteScalarAsync());
    }

    private async Task<long> CountAsync(string sql, string phone)
    {
        await using var intake = new NpgsqlConnection(system.DatabaseOf("intake"));
        await intake.OpenAsync();
        await using var query = new NpgsqlCommand(sql, intake) { Parameters = { new() { Value = phone } } };
        return (long)(await query.ExecuteScalarAsync())!;
    }

    /// <summary>Twilio's Messaging webhook fields for an inbound text.</summary>
    private static List<KeyValuePair<string, string>> Sms(string from, string body)
    {
        var sid = $"SM{Guid.NewGuid():N}";
        return
        [
            new("AccountSid", "AC0123456789abcdef0123456789abcdef"), new("MessageSid", sid), new("SmsSid", sid), new("From", from),
            new("To", ServiceNumber), new("Body", body), new("NumMedia", "0"), new("NumSegments", "1"), new("ApiVersion", "2010-04-01"),
        ];
    }
}
