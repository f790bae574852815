using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Notify.Api.Domain;
using ServiceDesk.Testing;

namespace Notify.Tests;

/// <summary>
/// A bounce (RFC 3464 DSN) the MTA passes to notify marks the message it concerns bounced in the ledger, tells sla
/// (CommunicationFailed: an acknowledgement nobody received does not count) and tells the staff on duty.
/// </summary>
[Collection(NotifyCollection.Name)]
public sealed class BounceTests(NotifyFixture notify)
{
    [Fact]
    public async Task Bounced_acknowledgement_is_marked_bounced_announced_and_staff_are_told_once()
    {
        var ticket = await notify.OpenTicketAsync(3101);
        var acknowledgement = await notify.AcknowledgeAsync(ticket);
        var dsn = Dsn(acknowledgement, ticket.ContactEmail);

        using var response = await PostBounceAsync(dsn, NotifyFixture.BounceToken);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        Assert.Equal(1, (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("matched").GetInt32());
        var row = Assert.Single(await notify.DeliveriesAsync(ticket.TicketId), d => d.Kind == MessageKind.Acknowledgement);
        Assert.Equal(DeliveryState.Bounced, row.State);
        Assert.Contains("5.1.1", row.LastError);
        var failed = Assert.Single(await notify.PublishedAsync("CommunicationFailed", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId));
        Assert.Equal((acknowledgement, "acknowledgement", "bounced", ticket.ContactEmail),
            (failed.GetProperty("messageId").GetString(), failed.GetProperty("kind").GetString(), failed.GetProperty("state").GetString(),
                failed.GetProperty("recipient").GetString()));
        // Nobody is assigned and the ticket has no team: the desk is on duty.
        var alert = await Eventually.GetAsync(() => Task.FromResult(notify.MailsTo(NotifyFixture.Desk)
            .SingleOrDefault(m => m.Subject?.StartsWith("[SD#3101] The acknowledgement did not reach", StringComparison.Ordinal) == true)),
            "the desk to be told", explain: notify.Explain);
        Assert.Contains("at risk again", alert.TextBody);

        using var again = await PostBounceAsync(dsn, NotifyFixture.BounceToken); // the MTA retries its pipe
        Assert.Equal(HttpStatusCode.Accepted, again.StatusCode);
        Assert.Single(await notify.DeliveriesAsync(ticket.TicketId), d => d is { Kind: MessageKind.DeliveryFailed, Channel: "email" });
        Assert.Single(notify.Published("CommunicationFailed", m => m.GetProperty("ticketId").GetGuid() == ticket.TicketId));
    }

    [Fact]
    public async Task Bounce_with_a_wrong_token_is_401_and_a_delay_notice_changes_nothing()
    {
        var ticket = await notify.OpenTicketAsync(3102);
        var acknowledgement = await notify.AcknowledgeAsync(ticket);

        using var forged = await PostBounceAsync(Dsn(acknowledgement, ticket.ContactEmail), "not-the-bounce-token-0123456789abcdef0123");
        using var delayed = await PostBounceAsync(Dsn(acknowledgement, ticket.ContactEmail, action: "delayed"), NotifyFixture.BounceToken);

        Assert.Equal((HttpStatusCode.Unauthorized, HttpStatusCode.Accepted), (forged.StatusCode, delayed.StatusCode));
        var row = Assert.Single(await notify.DeliveriesAsync(ticket.TicketId));
        Assert.Equal(DeliveryState.Sent, row.State);
    }

    private Task<HttpResponseMessage> PostBounceAsync(string dsn, string token) => PostBounceAsync(notify, dsn, token);

    internal static async Task<HttpResponseMessage> PostBounceAsync(NotifyFixture notify, string dsn, string token)
    {
        using var app = notify.App.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/notify/bounces")
        {
            Content = new ByteArrayContent(Encoding.UTF8.GetBytes(dsn)) { Headers = { ContentType = new MediaTypeHeaderValue("message/rfc822") } },
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await app.SendAsync(request);
    }

    /// <summary>A DSN as Postfix writes one: a multipart/report with the status per recipient and the original's headers.</summary>
    internal static string Dsn(string messageId, string recipient, string action = "failed") => $"""
        Return-Path: <>
        From: MAILER-DAEMON@mx.acme-dental.example (Mail Delivery System)
        To: bounces@{NotifyFixture.Domain}
        Subject: Undelivered Mail Returned to Sender
        Message-ID: <{Guid.NewGuid():N}@mx.acme-dental.example>
        Auto-Submitted: auto-replied
        MIME-Version: 1.0
        Content-Type: multipart/report; report-type=delivery-status; boundary="B0UND"

        --B0UND
        Content-Type: text/plain; charset=us-ascii

        I'm sorry to have to inform you that your message could not be delivered.

        --B0UND
        Content-Type: message/delivery-status

        Reporting-MTA: dns; mx.acme-dental.example
        Arrival-Date: Mon, 7 Dec 2026 03:40:00 +0000

        Final-Recipient: rfc822; {recipient}
        Original-Recipient: rfc822;{recipient}
        Action: {action}
        Status: {(action == "failed" ? "5.1.1" : "4.4.1")}
        Diagnostic-Code: smtp; 550 5.1.1 <{recipient}>: Recipient address rejected: User unknown

        --B0UND
        Content-Type: text/rfc822-headers

        From: ServiceDesk <support@{NotifyFixture.Domain}>
        To: {recipient}
        Subject: We received your request
        Message-ID: <{messageId}>

        --B0UND--
        """.ReplaceLineEndings("\r\n");
}
