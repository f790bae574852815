using System.Net;
using Notify.Api.Domain;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Contracts;

namespace Notify.Tests;

/// <summary>
/// Pages from tickets' paging saga reach the person paged on every channel, once; after hours, a ticket's SLA alerts go
/// to its on-call person alone and nobody else is woken (quiet hours); a spent chain tells the desk.
/// </summary>
[Collection(NotifyCollection.Name)]
public sealed class PagingTests(NotifyFixture notify)
{
    [Fact]
    public async Task A_page_reaches_the_person_by_SMS_call_and_email_with_the_one_tap_link_once()
    {
        var ticket = await notify.OpenTicketAsync(3101, priority: "P1");
        var (email, phone) = NotifyFixture.People["ana"];
        var page = Paged(ticket, "ana");

        await notify.ConsumedAsync(await notify.PublishAsync(page));
        await notify.ConsumedAsync(await notify.PublishAsync(page)); // a copy with a new MessageId

        await notify.DeliveryAsync(ticket.TicketId, d => d is { Kind: MessageKind.Page, Channel: "voice", State: DeliveryState.Sent }, "the call");
        await notify.DeliveryAsync(ticket.TicketId, d => d is { Kind: MessageKind.Page, Channel: "email", State: DeliveryState.Sent }, "the mail");
        var sms = Assert.Single(notify.Twilio.Requests(phone), r => r.Resource == "Messages");
        Assert.Contains($"https://desk.example.com/pages/{page.AckToken}", sms.Form["Body"]);
        Assert.Single(notify.Twilio.Requests(phone), r => r.Resource == "Calls");
        var mail = Assert.Single(notify.MailsTo(email));
        Assert.Contains("EMERGENCY PAGE", mail.Subject);
        Assert.Equal(3, (await notify.DeliveriesAsync(ticket.TicketId)).Count(d => d.Kind == MessageKind.Page));
    }

    [Fact]
    public async Task After_hours_alerts_reach_only_the_on_call_person_of_a_paged_emergency_and_nobody_for_anything_else()
    {
        var ordinary = await notify.OpenTicketAsync(3102, NotifyFixture.NetworkTeam);
        await AssignAsync(ordinary, "tess");
        var emergency = await notify.OpenTicketAsync(3103, NotifyFixture.NetworkTeam, priority: "P1");
        await AssignAsync(emergency, "tess");
        await notify.ConsumedAsync(await notify.PublishAsync(Paged(emergency, "pat")));
        await notify.ConsumedAsync(await notify.PublishAsync(new PageAcknowledged(emergency.TicketId, emergency.ClientId, null, "oli", "api",
            DateTimeOffset.UtcNow)));

        var night = DateTimeOffset.UtcNow;
        await notify.ConsumedAsync(await notify.PublishAsync(new SlaWarning(ordinary.TicketId, ordinary.ClientId, "P3", SlaTargets.WorkBegins,
            SlaCommitments.Internal, 75, night, night.AddHours(1)) { AfterHours = true }));
        await notify.ConsumedAsync(await notify.PublishAsync(new SlaBreached(emergency.TicketId, emergency.ClientId, "P1", SlaTargets.WorkBegins,
            SlaCommitments.Contractual, night) { AfterHours = true }));

        // The ordinary ticket's warning: the dispatcher's screen (webhook) only; tess and the team sleep.
        var ordinaryRows = await notify.DeliveriesAsync(ordinary.TicketId);
        Assert.Equal(["webhook"], ordinaryRows.Where(d => d.Kind == MessageKind.SlaWarning).Select(d => d.Channel));
        // The emergency's breach: oli took it, so oli (email, SMS and a call for a P1's contractual breach), not tess.
        await notify.DeliveryAsync(emergency.TicketId, d => d is { Kind: MessageKind.SlaBreach, Channel: "voice" }, "the call to oli");
        var breach = (await notify.DeliveriesAsync(emergency.TicketId)).Where(d => d.Kind == MessageKind.SlaBreach).ToList();
        var oli = NotifyFixture.People["oli"];
        Assert.Equal(Sorted([oli.Email, oli.Phone, oli.Phone, "pager"]), Sorted(breach.Select(d => d.Recipient)));
        Assert.DoesNotContain(notify.MailsTo(NotifyFixture.People["tess"].Email), m => m.Subject?.Contains("SD#310", StringComparison.Ordinal) == true);
        Assert.DoesNotContain(notify.MailsTo(NotifyFixture.NetworkTeamAddress), m => m.Subject?.Contains("SD#310", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task A_failed_acknowledgement_is_told_by_the_clients_hours_at_night_to_the_on_call_person_only_by_day_to_the_assignee()
    {
        // Two clients: one whose calendar is closed now (night for it), one whose calendar is always open.
        var (night, day) = (await ClientWithHoursAsync(open: false), await ClientWithHoursAsync(open: true));
        var emergency = await OpenAsync(3121, night, "P1");
        var ordinary = await OpenAsync(3122, night, "P3");
        var daytime = await OpenAsync(3123, day, "P3");
        foreach (var ticket in new[] { emergency, ordinary, daytime }) await AssignAsync(ticket, "kim");
        await notify.ConsumedAsync(await notify.PublishAsync(Paged(emergency, "pat")));
        await notify.ConsumedAsync(await notify.PublishAsync(new PageAcknowledged(emergency.TicketId, emergency.ClientId, null, "oli", "api",
            DateTimeOffset.UtcNow)));

        foreach (var ticket in new[] { emergency, ordinary, daytime })
            await notify.ConsumedAsync(await notify.PublishAsync(new Notify.Contracts.CommunicationFailed(ticket.TicketId, ticket.ClientId,
                $"{ticket.TicketId:N}.ack@servicedesk.example", MessageKind.Acknowledgement, "email", ticket.ContactEmail, "bounced",
                "5.1.1 user unknown", DateTimeOffset.UtcNow)));

        async Task<string[]> ToldAsync(TicketOpened ticket) =>
            Sorted((await notify.DeliveriesAsync(ticket.TicketId)).Where(d => d.Kind == MessageKind.DeliveryFailed).Select(d => d.Recipient));
        var (oli, kim) = (NotifyFixture.People["oli"], NotifyFixture.People["kim"]);
        // Night, a paged emergency: oli took it, so oli (mail and text: the client was not told), not kim.
        Assert.Equal(Sorted([oli.Email, oli.Phone, "pager"]), await ToldAsync(emergency));
        // Night, anything else: only the dispatcher's screen; kim sleeps.
        Assert.Equal(["pager"], await ToldAsync(ordinary));
        // Day: the assignee.
        Assert.Equal(Sorted([kim.Email, kim.Phone, "pager"]), await ToldAsync(daytime));
    }

    /// <summary>A client with a calendar of its own that sla announced: open all week, or never.</summary>
    private async Task<Guid> ClientWithHoursAsync(bool open)
    {
        var (clientId, calendarId) = (Guid.NewGuid(), Guid.NewGuid());
        // "Never" is one minute a week, three days from today: a calendar needs some open time.
        IReadOnlyList<CalendarRevisedDay> week = open
            ? [.. Enum.GetValues<DayOfWeek>().Select(d => new CalendarRevisedDay(d, [new CalendarRevisedRange(TimeOnly.MinValue, TimeOnly.MinValue)]))]
            : [new CalendarRevisedDay((DayOfWeek)(((int)DateTime.UtcNow.DayOfWeek + 3) % 7), [new CalendarRevisedRange(new(0, 0), new(0, 1))])];
        await notify.ConsumedAsync(await notify.PublishAsync(new CalendarRevised(calendarId, 1, open ? "Always open" : "Never open", "Etc/UTC",
            week, [], DateTimeOffset.UtcNow, "ada")));
        await notify.ConsumedAsync(await notify.PublishAsync(new ClientChanged(clientId, 1, "Acme Dental", "premium", calendarId.ToString(), true, [],
            DateTimeOffset.UtcNow, "ada")));
        return clientId;
    }

    private async Task<TicketOpened> OpenAsync(long number, Guid clientId, string priority)
    {
        var ticket = new TicketOpened(Guid.NewGuid(), number, clientId, $"dana.{number}@acme-dental.example", "Dana Reyes", "email",
            $"Printer jam {number}", priority, DateTimeOffset.UtcNow, NotifyFixture.NetworkTeam);
        await notify.KnowAsync(ticket);
        return ticket;
    }

    [Fact]
    public async Task A_spent_chain_tells_the_desk()
    {
        var ticket = await notify.OpenTicketAsync(3104, priority: "P1");
        await notify.ConsumedAsync(await notify.PublishAsync(new PagingExhausted(ticket.TicketId, ticket.ClientId, null, 2,
            "Nobody acknowledged 6 pages in 2 rounds.", DateTimeOffset.UtcNow)));

        var mail = await Eventually.GetAsync(() => Task.FromResult(notify.MailsTo(NotifyFixture.Desk)
            .FirstOrDefault(m => m.Subject?.Contains("SD#3104", StringComparison.Ordinal) == true)), "the desk's mail");
        Assert.Contains("Nobody took the emergency", mail.Subject);
        Assert.Contains("6 pages in 2 rounds", mail.TextBody);
    }

    [Fact]
    public async Task A_reply_from_the_number_a_page_was_texted_to_is_passed_to_tickets_and_one_from_another_number_is_not()
    {
        var (older, newer) = (await notify.OpenTicketAsync(3105, priority: "P1"), await notify.OpenTicketAsync(3106, priority: "P1"));
        var phone = NotifyFixture.People["ivy"].Phone;
        var (first, second) = (Paged(older, "ivy"), Paged(newer, "ivy"));
        await notify.ConsumedAsync(await notify.PublishAsync(first));
        await notify.ConsumedAsync(await notify.PublishAsync(second));
        await notify.DeliveryAsync(newer.TicketId, d => d is { Kind: MessageKind.Page, Channel: "sms", State: DeliveryState.Sent }, "the SMS page");
        using var channel = notify.App.CreateClient();

        var taken = await ReplyAsync(channel, phone, "SM" + Guid.NewGuid().ToString("N"));
        var stranger = await ReplyAsync(channel, "+15559990000", "SM" + Guid.NewGuid().ToString("N"));
        var forged = await ReplyAsync(channel, phone, "SM" + Guid.NewGuid().ToString("N"), secret: "not-the-sms-channel-secret-0123456789abcdef");

        Assert.Equal(HttpStatusCode.Accepted, taken.StatusCode);
        var reply = Assert.Single(await notify.PublishedAsync("PageReplyReceived", m => m.GetProperty("phone").GetString() == phone));
        // Newest first: tickets acknowledges the newest chain still open.
        Assert.Equal([second.PageId, first.PageId], reply.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("pageId").GetGuid()));
        Assert.Equal(HttpStatusCode.NotFound, stranger.StatusCode); // the SMS channel then hands it to intake, as today
        Assert.Equal(HttpStatusCode.Unauthorized, forged.StatusCode);
        Assert.Empty(notify.Published("PageReplyReceived", m => m.GetProperty("phone").GetString() == "+15559990000"));
    }

    [Fact]
    public async Task A_page_taken_by_SMS_reply_is_confirmed_by_one_text_back_and_one_taken_otherwise_is_not()
    {
        var (bySms, byLink) = (await notify.OpenTicketAsync(3107, priority: "P1"), await notify.OpenTicketAsync(3108, priority: "P1"));
        var phone = NotifyFixture.People["max"].Phone;
        var (smsPage, linkPage) = (Paged(bySms, "max"), Paged(byLink, "max"));
        await notify.ConsumedAsync(await notify.PublishAsync(smsPage));
        await notify.ConsumedAsync(await notify.PublishAsync(linkPage));
        await notify.DeliveryAsync(byLink.TicketId, d => d is { Kind: MessageKind.Page, Channel: "sms", State: DeliveryState.Sent }, "the SMS page");

        var taken = new PageAcknowledged(bySms.TicketId, bySms.ClientId, smsPage.PageId, "max", "sms", DateTimeOffset.UtcNow);
        await notify.ConsumedAsync(await notify.PublishAsync(taken));
        await notify.ConsumedAsync(await notify.PublishAsync(taken)); // a redelivery (a copy with a new MessageId)
        await notify.ConsumedAsync(await notify.PublishAsync(new PageAcknowledged(byLink.TicketId, byLink.ClientId, linkPage.PageId, "max", "link",
            DateTimeOffset.UtcNow)));

        await notify.DeliveryAsync(bySms.TicketId, d => d is { Kind: MessageKind.PageTaken, Channel: "sms", State: DeliveryState.Sent }, "the confirmation");
        var confirmation = Assert.Single(notify.Twilio.Requests(phone), r => r.Resource == "Messages" && r.Form["Body"].Contains("you have it", StringComparison.Ordinal));
        Assert.Contains("Acknowledged SD#3107 \u2014 you have it", confirmation.Form["Body"]);
        Assert.DoesNotContain(await notify.DeliveriesAsync(byLink.TicketId), d => d.Kind == MessageKind.PageTaken); // the tapper saw the page say so
    }

    [Fact]
    public async Task A_reply_that_arrives_while_the_page_is_still_being_sent_is_matched_to_the_page()
    {
        var ticket = await notify.OpenTicketAsync(3109, priority: "P1");
        var phone = NotifyFixture.People["max"].Phone;
        var page = Paged(ticket, "max");
        using var channel = notify.App.CreateClient();
        HttpStatusCode? answer = null;
        // The fastest thumb: the reply reaches notify after Twilio took the text and before notify heard back from it.
        notify.Twilio.BeforeAnswer = async request =>
        {
            if (request is { Resource: "Messages" } && request.To == phone && request.Form["Body"].Contains("SD#3109", StringComparison.Ordinal) && answer is null)
                answer = (await ReplyAsync(channel, phone, "SM" + Guid.NewGuid().ToString("N"))).StatusCode;
        };
        try
        {
            await notify.ConsumedAsync(await notify.PublishAsync(page));
            await notify.DeliveryAsync(ticket.TicketId, d => d is { Kind: MessageKind.Page, Channel: "sms", State: DeliveryState.Sent }, "the SMS page");
        }
        finally
        {
            notify.Twilio.BeforeAnswer = null;
        }

        Assert.Equal(HttpStatusCode.Accepted, answer);
        var reply = await notify.PublishedAsync("PageReplyReceived", m => m.GetProperty("pages").EnumerateArray()
            .Any(p => p.GetProperty("pageId").GetGuid() == page.PageId));
        Assert.Single(reply);
    }

    /// <summary>What the SMS channel posts for a text that is an acknowledgement word, signed with its channel secret.</summary>
    private static async Task<HttpResponseMessage> ReplyAsync(HttpClient channel, string from, string messageSid, string secret = NotifyFixture.SmsChannelSecret)
    {
        var body = System.Text.Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(new { contactPhone = from, subject = "ACK", description = "ACK" }));
        var unix = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/notify/page-replies/sms")
        {
            Content = new ByteArrayContent(body) { Headers = { ContentType = new("application/json") } },
        };
        request.Headers.Add(WebhookVerifier.TimestampHeader, unix.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.Add(WebhookVerifier.DeliveryHeader, messageSid);
        request.Headers.Add(WebhookVerifier.SignatureHeader, WebhookVerifier.Sign(secret, unix, messageSid, body));
        return await channel.SendAsync(request);
    }

    private static string[] Sorted(IEnumerable<string> values) => [.. values.Order(StringComparer.Ordinal)];

    private static OnCallPaged Paged(TicketOpened ticket, string person) =>
        new(Guid.NewGuid(), ticket.TicketId, ticket.ClientId, null, person, "primary", 1, DateTimeOffset.UtcNow, "TOKEN" + Guid.NewGuid().ToString("N"),
            DateTimeOffset.UtcNow.AddHours(24));

    private async Task AssignAsync(TicketOpened ticket, string assignee) =>
        await notify.ConsumedAsync(await notify.PublishAsync(new TicketAssigned(ticket.TicketId, ticket.ClientId, null, assignee, null, null, null,
            DateTimeOffset.UtcNow, "dispatch", "web", 2)));
}
