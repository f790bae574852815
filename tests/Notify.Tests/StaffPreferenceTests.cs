using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Notify.Api.Domain;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Contracts;

namespace Notify.Tests;

/// <summary>
/// A member of staff's own alert preferences (docs/adr/0057): quiet hours hand a daytime alert to their team, channels
/// narrow how alerts reach them, and neither holds back a page or the alerts of an emergency they are on call for.
/// </summary>
[Collection(NotifyCollection.Name)]
public sealed class StaffPreferenceTests(NotifyFixture notify)
{
    // 04:00 and 13:00 in Berlin: inside and outside uma's quiet hours (22:00-07:00 there).
    private static readonly DateTimeOffset Night = new(2026, 12, 7, 3, 0, 0, TimeSpan.Zero);
    private static readonly DateTimeOffset Day = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Quiet_hours_hand_a_daytime_alert_to_the_team_but_never_hold_back_a_page_or_the_on_call_persons_alerts()
    {
        using var uma = notify.App.CreateClient().As(TestAuth.Token("technician", subject: "uma"));
        using var set = await uma.PutAsJsonAsync("/api/notify/staff/uma/preferences",
            new { quietFrom = "22:00", quietUntil = "07:00", timeZone = "Europe/Berlin" });
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var (email, phone) = NotifyFixture.People["uma"];

        // Assigned to uma: the warning that fell due in her quiet hours goes to her team; the one at noon to her.
        var ticket = await notify.OpenTicketAsync(3301, NotifyFixture.NetworkTeam);
        await AssignAsync(ticket, "uma");
        await notify.ConsumedAsync(await notify.PublishAsync(Warning(ticket, Night)));
        await notify.ConsumedAsync(await notify.PublishAsync(Warning(ticket, Day)));
        var warnings = (await notify.DeliveriesAsync(ticket.TicketId)).Where(d => d is { Kind: MessageKind.SlaWarning, Channel: "email" })
            .OrderBy(d => d.EventKey.Contains(Night.UtcTicks.ToString(System.Globalization.CultureInfo.InvariantCulture)) ? 0 : 1).ToList();
        Assert.Equal([NotifyFixture.NetworkTeamAddress, email], warnings.Select(d => d.Recipient));

        // On call for a night emergency: the page goes out on every channel, and its night alerts reach her.
        var emergency = await notify.OpenTicketAsync(3302, NotifyFixture.NetworkTeam, priority: "P1");
        await notify.ConsumedAsync(await notify.PublishAsync(new OnCallPaged(Guid.NewGuid(), emergency.TicketId, emergency.ClientId, null, "uma",
            "primary", 1, DateTimeOffset.UtcNow, "TOKEN" + Guid.NewGuid().ToString("N"), DateTimeOffset.UtcNow.AddHours(24))));
        await notify.ConsumedAsync(await notify.PublishAsync(Warning(emergency, Night) with { AfterHours = true }));
        var rows = await notify.DeliveriesAsync(emergency.TicketId);
        Assert.Equal(["email", "sms", "voice"], rows.Where(d => d.Kind == MessageKind.Page).Select(d => d.Channel).Order());
        Assert.Single(rows, d => d is { Kind: MessageKind.SlaWarning, Channel: "email" } && d.Recipient == email);
        Assert.Single(notify.Twilio.Requests(phone), r => r.Resource == "Calls");
    }

    [Fact]
    public async Task Alerts_go_only_by_the_channels_a_person_allows_and_never_vanish_for_it()
    {
        using var zoe = notify.App.CreateClient().As(TestAuth.Token("technician", subject: "zoe"));
        using var set = await zoe.PutAsJsonAsync("/api/notify/staff/zoe/preferences", Channels("SMS"));
        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        var (email, phone) = NotifyFixture.People["zoe"];

        var ticket = await notify.OpenTicketAsync(3303, NotifyFixture.NetworkTeam);
        await AssignAsync(ticket, "zoe");
        await notify.ConsumedAsync(await notify.PublishAsync(Warning(ticket, Day))); // by email, were it not for her choice
        await notify.ConsumedAsync(await notify.PublishAsync(new SlaBreached(ticket.TicketId, ticket.ClientId, "P2", SlaTargets.WorkBegins,
            SlaCommitments.Internal, Day))); // by email and SMS

        var rows = (await notify.DeliveriesAsync(ticket.TicketId)).Where(d => d.Kind is MessageKind.SlaWarning or MessageKind.SlaBreach
            && d.Channel != "webhook").ToList();
        Assert.Equal([("sms", phone), ("sms", phone)], rows.Select(d => (d.Channel, d.Recipient)));
        Assert.Empty(notify.MailsTo(email));
    }

    [Fact]
    public async Task Preferences_are_a_persons_own_validated_and_only_for_staff_notify_can_reach()
    {
        using var zoe = notify.App.CreateClient().As(TestAuth.Token("technician", subject: "zoe"));
        using var tess = notify.App.CreateClient().As(TestAuth.Token("technician", subject: "tess"));
        using var admin = notify.App.CreateClient().As(TestAuth.Token("admin", subject: "ada"));
        using var client = notify.App.CreateClient().As(TestAuth.Token("client-user", Guid.NewGuid(), subject: "zoe"));
        var before = await admin.GetFromJsonAsync<JsonElement>("/api/notify/staff/tess/preferences");

        using var others = await zoe.PutAsJsonAsync("/api/notify/staff/tess/preferences", Channels("email"));
        using var asClient = await client.GetAsync("/api/notify/staff/zoe/preferences");
        using var unknown = await admin.PutAsJsonAsync("/api/notify/staff/nobody/preferences", Channels("email"));
        using var pigeon = await tess.PutAsJsonAsync("/api/notify/staff/tess/preferences", Channels("pigeon"));
        using var half = await tess.PutAsJsonAsync("/api/notify/staff/tess/preferences", new { quietFrom = "22:00", timeZone = "Europe/Berlin" });
        using var badTime = await tess.PutAsJsonAsync("/api/notify/staff/tess/preferences",
            new { quietFrom = "25:00", quietUntil = "07:00", timeZone = "Europe/Berlin" });
        using var badZone = await tess.PutAsJsonAsync("/api/notify/staff/tess/preferences",
            new { quietFrom = "22:00", quietUntil = "07:00", timeZone = "Mars/Olympus" });

        Assert.Equal((HttpStatusCode.Forbidden, HttpStatusCode.Forbidden, HttpStatusCode.NotFound),
            (others.StatusCode, asClient.StatusCode, unknown.StatusCode));
        Assert.Equal("channels", Field(await pigeon.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal("quietUntil", Field(await half.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal("quietFrom", Field(await badTime.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal("timeZone", Field(await badZone.Content.ReadFromJsonAsync<JsonElement>()));
        Assert.Equal(before.ToString(), (await admin.GetFromJsonAsync<JsonElement>("/api/notify/staff/tess/preferences")).ToString());

        // An admin may set anyone's; the answer is what is stored.
        using var byAdmin = await admin.PutAsJsonAsync("/api/notify/staff/tess/preferences",
            new { channels = EmailAndTexts, quietFrom = "23:30", quietUntil = "06:00", timeZone = "America/New_York" });
        Assert.Equal(HttpStatusCode.OK, byAdmin.StatusCode);
        var stored = await tess.GetFromJsonAsync<JsonElement>("/api/notify/staff/tess/preferences");
        Assert.Equal(("email,sms", "23:30", "06:00", "America/New_York", "ada"), (string.Join(",", stored.GetProperty("channels").EnumerateArray()),
            stored.GetProperty("quietFrom").GetString(), stored.GetProperty("quietUntil").GetString(), stored.GetProperty("timeZone").GetString(),
            stored.GetProperty("updatedBy").GetString()));
        // Put back: tess is other tests' assignee.
        using var reset = await admin.PutAsJsonAsync("/api/notify/staff/tess/preferences", new { });
        Assert.Equal(HttpStatusCode.OK, reset.StatusCode);

        static string Field(JsonElement problem) => Assert.Single(problem.GetProperty("errors").EnumerateObject()).Name;
    }

    private static readonly string[] EmailAndTexts = ["email", "sms"];

    private static object Channels(params string[] channels) => new { channels };

    private static SlaWarning Warning(TicketOpened ticket, DateTimeOffset stepDueAt) =>
        new(ticket.TicketId, ticket.ClientId, ticket.Priority, SlaTargets.WorkBegins, SlaCommitments.Internal, 75, stepDueAt, stepDueAt.AddHours(1));

    private async Task AssignAsync(TicketOpened ticket, string assignee) =>
        await notify.ConsumedAsync(await notify.PublishAsync(new TicketAssigned(ticket.TicketId, ticket.ClientId, NotifyFixture.NetworkTeam, assignee,
            null, null, null, DateTimeOffset.UtcNow, "dispatch", "web", 2)));
}
