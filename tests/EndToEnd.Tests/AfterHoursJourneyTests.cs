using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Xml.Linq;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>
/// After hours through the gateway, RabbitMQ and every service (docs/adr/0037). "Night" is a client calendar that is
/// closed now (open only two days from now, 10:00-11:00 UTC), so the tests do not depend on the hour they run at.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class AfterHoursJourneyTests(RunningSystem system)
{
    private static readonly string[] Priorities = ["P1", "P2", "P3", "P4"];
    private static readonly string[] Restarted = ["sla", "notify"];
    private static readonly string[] ExtendedPriorities = ["P1", "P3"];
    private static readonly DateOnly Day = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(2);
    private static readonly DateTimeOffset Opens = new(Day.ToDateTime(new TimeOnly(10, 0)), TimeSpan.Zero);

    [Fact]
    public async Task Free_tier_request_at_night_is_told_the_next_covered_time_and_its_clock_starts_then()
    {
        var (client, nora) = await ClientAtNightAsync("free");

        var id = await RequestAsync(nora, client, new { subject = "Scanner offline", description = "The scanner at reception is offline." });

        var clock = await ClockAsync(nora, id, _ => true);
        Assert.Equal(Opens, clock.GetProperty("countsFrom").GetDateTimeOffset());
        var ticket = await TicketAsync(nora, id, _ => true);
        var number = ticket.GetProperty("number").GetInt64();
        var mail = await Eventually.GetAsync(() => Task.FromResult(
            system.Mail.Messages().SingleOrDefault(m => (m.Subject ?? "").Contains($"[SD#{number}]", StringComparison.Ordinal))),
            "the acknowledgement email", explain: () => system.Output);
        var opens = Opens.ToString("dddd d MMMM yyyy, HH:mm", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"nobody is being woken: we start on it at {opens} (Etc/UTC)", mail.TextBody, StringComparison.Ordinal);
        // The preview of the same arrival tells the same.
        var preview = await PreviewAsync(client, "P3", clock.GetProperty("startedAt").GetDateTimeOffset());
        Assert.False(preview.GetProperty("coverage").GetProperty("covered").GetBoolean());
        Assert.Equal(Opens, preview.GetProperty("coverage").GetProperty("countsFrom").GetDateTimeOffset());
    }

    [Fact]
    public async Task Premium_emergency_declared_at_night_is_P1_at_once_and_counts_from_entry()
    {
        var (client, dana) = await ClientAtNightAsync("premium");

        var id = await RequestAsync(dana, client, new { subject = "Server room flooding", description = "Water on the rack.", emergency = true, emergencyTermsConfirmed = true });

        var ticket = await TicketAsync(dana, id, t => t.GetProperty("priority").GetString() == "P1");
        Assert.Equal("web: declared by the client, who confirmed the after-hours terms", ticket.GetProperty("emergencyDeclared").GetString());
        var clock = await ClockAsync(dana, id, c => c.GetProperty("priority").GetString() == "P1");
        var entered = clock.GetProperty("startedAt").GetDateTimeOffset();
        Assert.Equal(entered, clock.GetProperty("countsFrom").GetDateTimeOffset()); // covered: no waiting for the morning
        // 24x7 targets from the moment of entry: due long before the calendar first opens.
        Assert.True(clock.GetProperty("acknowledgeDueAt").GetDateTimeOffset() < Opens);
        // The admin's preview of the same arrival gives the same due times (one calendar code, one source of truth).
        var preview = await PreviewAsync(client, "P1", entered);
        Assert.True(preview.GetProperty("coverage").GetProperty("pagesOnCall").GetBoolean());
        Assert.Equal(clock.GetProperty("workBeginsDueAt").GetDateTimeOffset(),
            preview.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "work-begins")
                .GetProperty("contractual").GetProperty("dueAt").GetDateTimeOffset());
    }

    [Fact]
    public async Task P3_raised_to_P1_at_night_counts_from_the_raise_under_a_tier_covering_emergencies()
    {
        var tier = await EmergencyOnlyTierAsync();
        var (client, dana) = await ClientAtNightAsync(tier);
        var id = await RequestAsync(dana, client, new { subject = "Phones dead", description = "No dial tone anywhere." });
        await TicketAsync(dana, id, t => t.GetProperty("priority").GetString() == "P3");
        var waiting = await ClockAsync(dana, id, _ => true);
        Assert.Equal(Opens, waiting.GetProperty("countsFrom").GetDateTimeOffset()); // not covered: waits for the opening

        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        // The ticket moves on meanwhile (sla's due times, the acknowledgement): a stale version is a 409, so read and retry.
        await Eventually.TrueAsync(async () =>
        {
            var current = await TicketAsync(dispatcher, id, _ => true);
            var raised = await dispatcher.PostAsJsonAsync(new Uri($"/api/tickets/{id}/priority", UriKind.Relative),
                new { priority = "P1", reason = "Every phone in the clinic is down", version = current.GetProperty("version").GetUInt32() });
            Assert.True(raised.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{raised.StatusCode}: {await raised.Content.ReadAsStringAsync()}");
            return raised.StatusCode == HttpStatusCode.OK;
        }, "the priority raise", explain: () => system.Output);

        var clock = await ClockAsync(dana, id, c => c.GetProperty("priority").GetString() == "P1");
        var countsFrom = clock.GetProperty("countsFrom").GetDateTimeOffset();
        Assert.True(countsFrom > clock.GetProperty("startedAt").GetDateTimeOffset() && countsFrom < Opens, $"counts from {countsFrom}");
        Assert.Equal(countsFrom.AddMinutes(30), clock.GetProperty("acknowledgeDueAt").GetDateTimeOffset());
        Assert.Contains(clock.GetProperty("ledger").EnumerateArray(), e => e.GetProperty("cause").GetString()!.Contains("counts from now"));
    }

    [Fact]
    public async Task Extended_hours_cover_counts_from_entry_on_the_extended_calendar_and_the_acknowledgement_and_preview_agree()
    {
        // Extended hours (docs/adr/0042) open from 10 minutes ago for 30 minutes, and on Day 09:00-14:00 (around the
        // business hour, 10:00-11:00). A P3 (every request opens so) now is covered, and its targets run only while extended hours are open:
        // what is left of the window now, then from Day 09:00. Neither the business calendar (Day 10:00) nor 24x7 gives that.
        var now = DateTimeOffset.UtcNow;
        var (from, until) = (now.AddMinutes(-10), now.AddMinutes(30));
        until = new DateTimeOffset(until.Year, until.Month, until.Day, until.Hour, until.Minute, 0, TimeSpan.Zero); // calendars count whole minutes
        var week = new Dictionary<string, List<object>>();
        void Open(DateTimeOffset start, DateTimeOffset end) => (week.TryGetValue(Key(start), out var day) ? day : week[Key(start)] = []).Add(
            new { opens = start.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture), closes = end.Date > start.Date ? "24:00" : end.ToString("HH:mm", System.Globalization.CultureInfo.InvariantCulture) });
        if (until.Date > from.Date && until.TimeOfDay > TimeSpan.Zero)
        {
            Open(from, until.Date);
            Open(until.Date, until);
        }
        else Open(from, until);
        var dayOpens = new DateTimeOffset(Day.ToDateTime(new TimeOnly(9, 0)), TimeSpan.Zero);
        Open(dayOpens, dayOpens.AddHours(5));
        using var admin = system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));
        var calendar = await ReadAsync(await admin.PostAsJsonAsync(new Uri("/api/sla/calendars", UriKind.Relative),
            new { name = $"Extended {Guid.NewGuid():N}", timeZone = "Etc/UTC", week }));
        var tier = "extended-" + Guid.NewGuid().ToString("N")[..8];
        var targets = Priorities.SelectMany(p => new[] { ("acknowledge", 60), ("work-begins", 240) }.Select(t => new
        {
            priority = p, type = t.Item1, contractualMinutes = t.Item2, internalMinutes = t.Item2 / 2, calendar = p is "P1" or "P3" ? "extended-hours" : "business-hours",
        })).ToArray();
        await ReadAsync(await admin.PostAsJsonAsync(new Uri("/api/sla/tiers", UriKind.Relative), new
        {
            name = tier, afterHoursCovered = false, emergencyCovered = false, targets,
            extendedHours = new { calendarId = calendar.GetProperty("id").GetGuid(), priorities = ExtendedPriorities },
        }));
        var (client, nora) = await ClientAtNightAsync(tier);

        var id = await RequestAsync(nora, client, new { subject = "Payroll export fails", description = "The export stops at 40%." });
        var clock = await ClockAsync(nora, id, _ => true);
        var startedAt = clock.GetProperty("startedAt").GetDateTimeOffset();
        var left = until - startedAt; // of the window open now
        Assert.Equal(startedAt, clock.GetProperty("countsFrom").GetDateTimeOffset()); // covered: no waiting for the office
        Assert.Equal(calendar.GetProperty("id").GetGuid(), clock.GetProperty("extendedHoursCalendar").GetProperty("id").GetGuid());
        var workBegins = clock.GetProperty("workBeginsDueAt").GetDateTimeOffset();
        Assert.Equal(dayOpens + TimeSpan.FromMinutes(240) - left, workBegins, TimeSpan.FromSeconds(1));
        Assert.Equal(dayOpens + TimeSpan.FromMinutes(60) - left, clock.GetProperty("acknowledgeDueAt").GetDateTimeOffset(), TimeSpan.FromSeconds(1));

        // The client is told the same due time; the preview of the same arrival agrees with the real clock.
        var number = (await TicketAsync(nora, id, _ => true)).GetProperty("number").GetInt64();
        var mail = await Eventually.GetAsync(() => Task.FromResult(
            system.Mail.Messages().SingleOrDefault(m => (m.Subject ?? "").Contains($"[SD#{number}]", StringComparison.Ordinal))),
            "the acknowledgement email", explain: () => system.Output);
        Assert.Contains($"Work will begin by {workBegins.ToString("dddd d MMMM yyyy, HH:mm", System.Globalization.CultureInfo.InvariantCulture)} (Etc/UTC)",
            mail.TextBody, StringComparison.Ordinal);
        Assert.DoesNotContain("nobody is being woken", mail.TextBody, StringComparison.Ordinal);
        var preview = await PreviewAsync(client, "P3", startedAt);
        Assert.Equal(("extended-hours", startedAt), (preview.GetProperty("coverage").GetProperty("coveredBy").GetString(),
            preview.GetProperty("coverage").GetProperty("countsFrom").GetDateTimeOffset()));
        Assert.Equal(workBegins, preview.GetProperty("targets").EnumerateArray().Single(t => t.GetProperty("target").GetString() == "work-begins")
            .GetProperty("contractual").GetProperty("dueAt").GetDateTimeOffset());
    }

    private static string Key(DateTimeOffset day) => day.DayOfWeek.ToString().ToLowerInvariant();

    [Fact]
    public async Task Mail_to_the_emergency_address_at_night_opens_a_P1_candidate_that_pages_under_premium()
    {
        var (client, nora) = await ClientAtNightAsync("premium");
        var mail = $"""
            From: Nora Night <nora.{client:N}@night-clinic.example>
            To: {RunningSystem.EmergencyAddress}
            Subject: Server room flooding
            Message-ID: <{Guid.NewGuid():N}@night-clinic.example>
            Date: {DateTimeOffset.UtcNow:r}
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8

            Water is coming through the ceiling.

            """;
        using var pipe = system.Client();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/channels/email/messages")
        {
            Content = new ByteArrayContent(System.Text.Encoding.UTF8.GetBytes(mail.ReplaceLineEndings("\r\n")))
            {
                Headers = { ContentType = new("message/rfc822") },
            },
        };
        request.Headers.Authorization = new("Bearer", RunningSystem.EmailToken);
        using var accepted = await pipe.SendAsync(request);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("resultId").GetGuid();

        var ticket = await TicketAsync(nora, id, t => t.GetProperty("priority").GetString() == "P1");
        Assert.Equal($"email: sent to the emergency address {RunningSystem.EmergencyAddress}", ticket.GetProperty("emergencyDeclared").GetString());
        var clock = await ClockAsync(nora, id, c => c.GetProperty("priority").GetString() == "P1");
        Assert.Equal(clock.GetProperty("startedAt").GetDateTimeOffset(), clock.GetProperty("countsFrom").GetDateTimeOffset());
    }

    [Fact]
    public async Task Pressing_1_on_the_phone_menu_at_night_opens_a_P1_candidate_that_counts_from_entry_under_premium()
    {
        var (client, _) = await ClientAtNightAsync("premium");
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var phone = ClientDirectory.NewPhone();
        await ClientDirectory.AddContactAsync(system, dispatcher, client, "Noel Night", $"noel.{client:N}@night-clinic.example", phone);
        using var twilio = system.Client();
        var (callSid, recordingSid) = ($"CA{Guid.NewGuid():N}", $"RE{Guid.NewGuid():N}");
        KeyValuePair<string, string>[] Call(params (string Key, string Value)[] more) =>
        [
            new("AccountSid", "AC0123456789abcdef0123456789abcdef"), new("CallSid", callSid), new("From", phone),
            new("To", RunningSystem.IvrNumber), new("CallStatus", "in-progress"), .. more.Select(m => KeyValuePair.Create(m.Key, m.Value)),
        ];

        // The call hears the menu; Twilio posts the key to the menu's action, and gets the recording's (marked) URLs back.
        var menu = XDocument.Parse(await ReadTextAsync(await TwilioWebhook.PostAsync(twilio, "/api/channels/phone/twilio/calls", Call(), RunningSystem.TwilioAuthToken)));
        var action = new Uri(menu.Root!.Element("Gather")!.Attribute("action")!.Value);
        var answer = XDocument.Parse(await ReadTextAsync(await TwilioWebhook.PostAsync(twilio, action.PathAndQuery, Call(("Digits", "1")), RunningSystem.TwilioAuthToken)));
        var recording = new Uri(answer.Root!.Element("Record")!.Attribute("action")!.Value);
        await ReadTextAsync(await TwilioWebhook.PostAsync(twilio, recording.PathAndQuery, Call(("RecordingSid", recordingSid),
            ("RecordingUrl", $"https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef/Recordings/{recordingSid}"),
            ("RecordingDuration", "31"), ("Digits", "hangup")), RunningSystem.TwilioAuthToken));

        var ticketId = (Guid)(await Eventually.GetAsync(async () =>
            (await dispatcher.GetFromJsonAsync<JsonElement>(new Uri($"/api/tickets?clientId={client}&status=any", UriKind.Relative)))
                .GetProperty("items").EnumerateArray().Select(t => (object)t.GetProperty("id").GetGuid()).SingleOrDefault(),
            "the voicemail's ticket", explain: () => system.Output))!;
        // Staff read it: Nora, a client user, sees only the tickets she opened (docs/adr/0048), and Noel called.
        var ticket = await TicketAsync(dispatcher, ticketId, t => t.GetProperty("priority").GetString() == "P1");
        Assert.Equal($"phone: IVR choice 1 (emergency) on {RunningSystem.IvrNumber}", ticket.GetProperty("emergencyDeclared").GetString());
        var clock = await ClockAsync(dispatcher, ticketId, c => c.GetProperty("priority").GetString() == "P1");
        Assert.Equal(clock.GetProperty("startedAt").GetDateTimeOffset(), clock.GetProperty("countsFrom").GetDateTimeOffset());
    }

    private static async Task<string> ReadTextAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{(int)response.StatusCode}: {text}");
        return text;
    }

    [Fact]
    public async Task Premium_emergency_at_night_pages_primary_then_backup_even_across_restarts_and_a_tap_stops_the_chain()
    {
        var (client, dana) = await ClientAtNightAsync("premium");
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var team = await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri("/api/teams", UriKind.Relative),
            new { name = $"Night shift {Guid.NewGuid():N}", members = RunningSystem.OnCallStaff, pageWaitSeconds = 30, pageRounds = 1 }));
        var teamId = team.GetProperty("id").GetGuid();
        foreach (var (layer, person) in new[] { ("primary", "olga"), ("backup", "bert") }.AsEnumerable())
            await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri($"/api/teams/{teamId}/rotations", UriKind.Relative), new
            {
                layer, people = new[] { person }, turnDays = 7, handoff = "08:00", timeZone = "Etc/UTC",
                firstTurn = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1),
            }));
        await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri("/api/routing-rules", UriKind.Relative), new { order = 1, clientId = client, teamId }));

        var id = await RequestAsync(dana, client, new { subject = "Server room flooding", description = "Water on the rack.", emergency = true, emergencyTermsConfirmed = true });

        // olga (primary) is paged by email with a one-tap link. sla (which keeps the page's timer) and notify crash and come
        // back while she sleeps: nobody answers within the team's 30 s, and bert (backup) is paged all the same.
        var olga = await PageMailAsync(dispatcher, id, "olga@msp.example");
        foreach (var service in Restarted) await system.App(service).KillAsync();
        foreach (var service in Restarted) await system.App(service).RestartAsync();
        var bert = await PageMailAsync(dispatcher, id, "bert@msp.example");
        var token = System.Text.RegularExpressions.Regex.Match(bert.TextBody ?? "", @"/pages/([A-Za-z0-9_-]+)").Groups[1].Value;
        using var phone = system.Client(); // a tap from a phone: no sign-in, the link's secret is the proof
        var shown = await phone.GetAsync(new Uri($"/pages/{token}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, shown.StatusCode);
        Assert.Contains("I take this emergency", await shown.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var taken = await phone.PostAsync(new Uri($"/pages/{token}", UriKind.Relative), null);
        Assert.Contains("the emergency is yours", await taken.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var paging = await ReadAsync(await dispatcher.GetAsync(new Uri($"/api/tickets/{id}/paging", UriKind.Relative)));
        Assert.Equal(("Acknowledged", "bert"), (paging.GetProperty("state").GetString(), paging.GetProperty("acknowledgedBy").GetString()));
        Assert.Equal(["olga", "bert"], paging.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("person").GetString()));
        var audit = await ReadAsync(await dispatcher.GetAsync(new Uri($"/api/tickets/{id}/audit", UriKind.Relative)));
        Assert.Contains(audit.EnumerateArray(), a => a.GetProperty("action").GetString() == "page-acknowledged");
        Assert.Contains("EMERGENCY PAGE", olga.Subject, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Quiet_hours_an_SLA_warning_at_night_mails_no_off_duty_staff_and_by_day_reaches_the_assignee()
    {
        // A tier whose every target counts around the clock and whose internal work-begins target is one minute: its first
        // warning (50 %) falls 30 s after entry, at night for one client and by day for the other.
        var tier = await QuickTierAsync();
        var (nightClient, nora) = await ClientAtNightAsync(tier);
        var (dayClient, dan) = await ClientAtNightAsync(tier, openAllDay: true);
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var night = await RequestAsync(nora, nightClient, new { subject = "Printer jam at night", description = "Tray 2." });
        var day = await RequestAsync(dan, dayClient, new { subject = "Printer jam by day", description = "Tray 2." });
        foreach (var id in new[] { night, day }) await AssignAsync(dispatcher, id, "otto"); // otto has a mailbox (Staff:People)
        var (nightNumber, dayNumber) = ((await TicketAsync(dispatcher, night, _ => true)).GetProperty("number").GetInt64(),
            (await TicketAsync(dispatcher, day, _ => true)).GetProperty("number").GetInt64());

        // By day: the assignee is told.
        var warned = await Eventually.GetAsync(() => Task.FromResult(system.Mail.Messages().FirstOrDefault(m =>
                m.To.Mailboxes.Any(a => a.Address == "otto@msp.example") && m.Subject?.Contains($"[SD#{dayNumber}]", StringComparison.Ordinal) == true)),
            "the day's warning to otto", within: TimeSpan.FromSeconds(120), explain: () => system.Output);
        Assert.Contains("% used", warned.Subject, StringComparison.Ordinal);
        // At night: sla warned (and breached) all the same, and notify mailed nobody, not even the assignee.
        await ClockAsync(dispatcher, night, c => c.GetProperty("ledger").EnumerateArray().Any(e => e.GetProperty("kind").GetString() == "Breached"));
        var told = await ReadAsync(await dispatcher.GetAsync(new Uri($"/api/notify/tickets/{night}/deliveries", UriKind.Relative)));
        Assert.DoesNotContain(told.GetProperty("deliveries").EnumerateArray(), d => d.GetProperty("kind").GetString() is "sla-warning" or "sla-breach"
            && d.GetProperty("channel").GetString() is "email" or "sms" or "voice");
        Assert.DoesNotContain(system.Mail.Messages(), m => m.Subject?.Contains($"[SD#{nightNumber}]", StringComparison.Ordinal) == true
            && m.To.Mailboxes.Any(a => a.Address.EndsWith("@msp.example", StringComparison.Ordinal)));
    }

    /// <summary>Assigns the ticket, reading its version again while sla and notify move it on.</summary>
    private async Task AssignAsync(HttpClient dispatcher, Guid id, string assignee) =>
        await Eventually.TrueAsync(async () =>
        {
            var current = await TicketAsync(dispatcher, id, _ => true);
            var assigned = await dispatcher.PostAsJsonAsync(new Uri($"/api/tickets/{id}/assignment", UriKind.Relative),
                new { assignee, version = current.GetProperty("version").GetUInt32() });
            Assert.True(assigned.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{assigned.StatusCode}: {await assigned.Content.ReadAsStringAsync()}");
            return assigned.StatusCode == HttpStatusCode.OK;
        }, $"the assignment of {id}", explain: () => system.Output);

    /// <summary>A tier covering every priority around the clock, each work-begins target 2 min (1 min internal).</summary>
    private async Task<string> QuickTierAsync()
    {
        var name = "quick-" + Guid.NewGuid().ToString("N")[..8];
        var targets = Priorities.SelectMany(p => new object[]
        {
            new { priority = p, type = "acknowledge", contractualMinutes = 60, internalMinutes = 30, calendar = "24x7" },
            new { priority = p, type = "work-begins", contractualMinutes = 2, internalMinutes = 1, calendar = "24x7" },
        }).ToArray();
        using var admin = system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));
        var response = await admin.PostAsJsonAsync(new Uri("/api/sla/tiers", UriKind.Relative), new { name, afterHoursCovered = true, emergencyCovered = true, targets });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return name;
    }

    [Fact]
    public async Task Night_call_down_reaches_the_second_contact_whose_approval_lets_work_start_and_after_hours_time_be_logged()
    {
        var (_, id, _, ann, annPhone, ben, benPhone) = await EmergencyWithCallDownListAsync();
        using var olga = system.Client(TestAuth.Token(Roles.Technician, subject: "olga")); // on call

        // The walk: Ann does not answer, Ben does. Then the walk is over.
        await ReadAsync(await olga.PostAsJsonAsync(new Uri($"/api/tickets/{id}/call-down/attempts", UriKind.Relative), new { contactId = ann, number = annPhone, outcome = "no-answer" }));
        var walk = await ReadAsync(await olga.PostAsJsonAsync(new Uri($"/api/tickets/{id}/call-down/attempts", UriKind.Relative), new { contactId = ben, number = benPhone, outcome = "reached" }));
        Assert.Equal("reached", walk.GetProperty("state").GetString());

        // Last Sunday 02:00-02:30 UTC is after hours on any business calendar: refused until the client approves.
        var today = DateTime.UtcNow.Date;
        var sunday = new DateTimeOffset(today.AddDays(-(int)today.DayOfWeek - 7).AddHours(2), TimeSpan.Zero);
        var entry = new { startedAt = sunday, minutes = 30, workType = "Emergency" };
        var refused = await olga.PostAsJsonAsync(new Uri($"/api/tickets/{id}/time-entries", UriKind.Relative), entry);
        Assert.True(refused.StatusCode == HttpStatusCode.Conflict, $"{(int)refused.StatusCode}: {await refused.Content.ReadAsStringAsync()}");

        // olga's phone loses the answer and posts the approval again with the same key: one approval (docs/adr/0059).
        var key = Guid.NewGuid().ToString("N");
        HttpRequestMessage Approve() => new(HttpMethod.Post, new Uri($"/api/tickets/{id}/approvals", UriKind.Relative))
        {
            Content = JsonContent.Create(new { approverContactId = ben, method = "phone", onSiteRequired = false, sendConfirmation = false }),
            Headers = { { "Idempotency-Key", key } },
        };
        var approval = await ReadAsync(await olga.SendAsync(Approve()));
        Assert.Equal(approval.GetProperty("id").GetGuid(), (await ReadAsync(await olga.SendAsync(Approve()))).GetProperty("id").GetGuid());
        Assert.Single((await ReadAsync(await olga.GetAsync(new Uri($"/api/tickets/{id}/approvals", UriKind.Relative)))).EnumerateArray());
        Assert.True(approval.GetProperty("approverAuthorised").GetBoolean(), $"{approval}"); // Ben is on the call-down list
        await Eventually.TrueAsync(async () =>
        {
            var current = await TicketAsync(olga, id, _ => true);
            var started = await olga.PostAsJsonAsync(new Uri($"/api/tickets/{id}/status", UriKind.Relative),
                new { to = "InProgress", version = current.GetProperty("version").GetUInt32() });
            Assert.True(started.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"{started.StatusCode}: {await started.Content.ReadAsStringAsync()}");
            return started.StatusCode == HttpStatusCode.OK; // a 409 here is a stale version (sla and notify move the ticket meanwhile)
        }, "the move to InProgress", explain: () => system.Output);
        await ReadAsync(await olga.PostAsJsonAsync(new Uri($"/api/tickets/{id}/time-entries", UriKind.Relative), entry));
    }

    [Fact]
    public async Task An_override_is_paged_instead_of_the_primary_and_its_SMS_reply_stops_the_chain_and_the_rotation_feed_needs_no_token()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var team = await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri("/api/teams", UriKind.Relative),
            new { name = $"Night shift {Guid.NewGuid():N}", members = RunningSystem.OnCallStaff, pageWaitSeconds = 30, pageRounds = 1 }));
        var teamId = team.GetProperty("id").GetGuid();
        var rotations = new List<Guid>();
        foreach (var (layer, person) in new[] { ("primary", "olga"), ("backup", "bert") }.AsEnumerable())
            rotations.Add((await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri($"/api/teams/{teamId}/rotations", UriKind.Relative), new
            {
                layer, people = new[] { person }, turnDays = 7, handoff = "08:00", timeZone = "Etc/UTC",
                firstTurn = DateOnly.FromDateTime(DateTime.UtcNow).AddDays(-1),
            }))).GetProperty("id").GetGuid());
        // otto takes olga's primary shift tonight (an override must not start in the past: from a moment from now).
        await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri($"/api/teams/{teamId}/overrides", UriKind.Relative), new
        {
            layer = "primary", person = "otto", from = DateTimeOffset.UtcNow.AddSeconds(2), to = DateTimeOffset.UtcNow.AddHours(2), reason = "swap",
        }));
        await Eventually.TrueAsync(async () => (await ReadAsync(await dispatcher.GetAsync(new Uri($"/api/teams/{teamId}/on-call", UriKind.Relative))))
            .GetProperty("primary").GetString() == "otto", "the override to begin", explain: () => system.Output);
        var (client, dana) = await ClientAtNightAsync("premium");
        await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri("/api/routing-rules", UriKind.Relative), new { order = 1, clientId = client, teamId }));

        var id = await RequestAsync(dana, client, new { subject = "Server room flooding", description = "Water on the rack.", emergency = true, emergencyTermsConfirmed = true });

        // otto, not olga, is woken: by text (and mail). He answers the text with "ACK".
        var ottoPhone = RunningSystem.OnCallPhones["otto"];
        var reference = (await PageMailAsync(dispatcher, id, "otto@msp.example")).Subject!.Split(']')[0] + "]"; // "[SD#n]"

        // Answered only once notify's ledger holds the text (its row commits after Twilio took it): else the reply is a new request.
        await PageSentAsync(dispatcher, id, "sms", ottoPhone);
        using var twilio = system.Client();
        var sid = $"SM{Guid.NewGuid():N}";
        var reply = await TwilioWebhook.PostAsync(twilio, RunningSystem.SmsWebhookPath,
        [
            new("AccountSid", "AC0123456789abcdef0123456789abcdef"), new("MessageSid", sid), new("SmsSid", sid), new("From", ottoPhone),
            new("To", RunningSystem.ServiceNumber), new("Body", " ack "), new("NumMedia", "0"), new("NumSegments", "1"), new("ApiVersion", "2010-04-01"),
        ], RunningSystem.TwilioAuthToken);
        Assert.True(reply.StatusCode == HttpStatusCode.OK, $"{(int)reply.StatusCode}: {await reply.Content.ReadAsStringAsync()}");

        var paging = (JsonElement)await Eventually.GetAsync(async () =>
            await ReadAsync(await dispatcher.GetAsync(new Uri($"/api/tickets/{id}/paging", UriKind.Relative))) is var p
                && p.GetProperty("state").GetString() == "Acknowledged" ? (object)p : null, "the page acknowledged by text", explain: () => system.Output);
        Assert.Equal(("otto", "sms"), (paging.GetProperty("acknowledgedBy").GetString(), paging.GetProperty("acknowledgedHow").GetString()));
        // The chain stopped: past the moment the backup would have been paged, nobody else was, and no text reopened anything.
        var paged = paging.GetProperty("pages")[0].GetProperty("at").GetDateTimeOffset();
        await Eventually.TrueAsync(() => Task.FromResult(DateTimeOffset.UtcNow > paged.AddSeconds(40)), "the backup's turn to pass", within: TimeSpan.FromSeconds(60));
        Assert.DoesNotContain(system.Mail.Messages(), m => m.To.Mailboxes.Any(b => b.Address is "olga@msp.example" or "bert@msp.example")
            && (m.Subject ?? "").Contains(reference, StringComparison.Ordinal));
        paging = await ReadAsync(await dispatcher.GetAsync(new Uri($"/api/tickets/{id}/paging", UriKind.Relative)));
        Assert.Equal(["otto"], paging.GetProperty("pages").EnumerateArray().Select(p => p.GetProperty("person").GetString()));

        // The primary rotation's calendar, as a calendar app subscribes to it: through the gateway, without a token.
        var feed = await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri($"/api/teams/{teamId}/rotations/{rotations[0]}/feed", UriKind.Relative), new { }));
        using var calendarApp = system.Client();
        var ics = await calendarApp.GetAsync(new Uri(feed.GetProperty("path").GetString()!, UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ics.StatusCode);
        Assert.Contains("olga on call (primary)", await ics.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NoContent, (await dispatcher.DeleteAsync(new Uri($"/api/teams/{teamId}/rotations/{rotations[0]}/feed", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await calendarApp.GetAsync(new Uri(feed.GetProperty("path").GetString()!, UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task A_rotation_hands_off_at_0800_Berlin_time_on_both_sides_of_next_years_DST_changes()
    {
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var team = await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri("/api/teams", UriKind.Relative),
            new { name = $"Berlin desk {Guid.NewGuid():N}", members = RunningSystem.OnCallStaff }));
        var teamId = team.GetProperty("id").GetGuid();
        await ReadAsync(await dispatcher.PostAsJsonAsync(new Uri($"/api/teams/{teamId}/rotations", UriKind.Relative), new
        {
            layer = "primary", people = RunningSystem.OnCallStaff[..2], turnDays = 1, handoff = "08:00", timeZone = "Europe/Berlin",
            firstTurn = DateOnly.FromDateTime(DateTime.UtcNow),
        }));
        async Task<string?> PrimaryAt(string at) => (await ReadAsync(await dispatcher.GetAsync(new Uri(
            $"/api/teams/{teamId}/on-call?at={Uri.EscapeDataString(at)}", UriKind.Relative)))).GetProperty("primary").GetString();

        // Spring, 28 March 2027: 08:00 is 07:00Z in CET the day before and 06:00Z in CEST that day. A fixed offset would
        // hand off an hour late.
        var saturday = await PrimaryAt("2027-03-27T07:00Z");
        Assert.NotEqual(await PrimaryAt("2027-03-27T06:59Z"), saturday);
        Assert.Equal(saturday, await PrimaryAt("2027-03-28T05:59Z"));
        Assert.NotEqual(saturday, await PrimaryAt("2027-03-28T06:00Z"));
        // Autumn, 31 October 2027: 08:00 is 06:00Z in CEST the day before and 07:00Z in CET that day.
        var before = await PrimaryAt("2027-10-30T06:00Z");
        Assert.NotEqual(await PrimaryAt("2027-10-30T05:59Z"), before);
        Assert.Equal(before, await PrimaryAt("2027-10-31T06:59Z"));
        Assert.NotEqual(before, await PrimaryAt("2027-10-31T07:00Z"));
    }

    [Fact]
    public async Task Night_call_down_reaching_nobody_is_exhausted_the_client_is_emailed_and_the_ticket_waits_for_business_hours()
    {
        var (client, id, number, ann, annPhone, ben, benPhone) = await EmergencyWithCallDownListAsync();
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        using var olga = system.Client(TestAuth.Token(Roles.Technician, subject: "olga")); // on call

        await ReadAsync(await olga.PostAsJsonAsync(new Uri($"/api/tickets/{id}/call-down/attempts", UriKind.Relative), new { contactId = ann, number = annPhone, outcome = "no-answer" }));
        var walk = await ReadAsync(await olga.PostAsJsonAsync(new Uri($"/api/tickets/{id}/call-down/attempts", UriKind.Relative),
            new { contactId = ben, number = benPhone, outcome = "voicemail", note = "left the service number" }));

        // Every listed contact tried, nobody reached: the attempts are on the ticket, and the walk is over.
        Assert.Equal("exhausted", walk.GetProperty("state").GetString());
        Assert.Equal([("Ann Night", "no-answer"), ("Ben Night", "voicemail")],
            walk.GetProperty("attempts").EnumerateArray().Select(a => (a.GetProperty("contactName").GetString(), a.GetProperty("outcome").GetString())));
        // The client is told by email that work starts when their business hours begin.
        var mail = await Eventually.GetAsync(() => Task.FromResult(system.Mail.Messages().SingleOrDefault(m =>
                (m.Subject ?? "").Contains($"[SD#{number}] We could not reach anyone", StringComparison.Ordinal))),
            "the mail saying nobody was reached", explain: () => system.Output);
        Assert.Contains($"nora.{client:N}@night-clinic.example", mail.To.Mailboxes.Select(b => b.Address));
        // The ticket waits: without an approval it does not move to In Progress after hours.
        var current = await TicketAsync(olga, id, _ => true);
        var start = await olga.PostAsJsonAsync(new Uri($"/api/tickets/{id}/status", UriKind.Relative),
            new { to = "InProgress", version = current.GetProperty("version").GetUInt32() });
        Assert.Equal(HttpStatusCode.Conflict, start.StatusCode);
        Assert.Contains("not approved", await start.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var audit = await ReadAsync(await dispatcher.GetAsync(new Uri($"/api/tickets/{id}/audit", UriKind.Relative)));
        var actions = audit.EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal((2, 1), (actions.Count(a => a == "call-down-attempt"), actions.Count(a => a == "call-down-exhausted")));
    }

    /// <summary>A premium client at night with Ann, then Ben, on its call-down list, and its contact Nora's emergency (a P1 by now).</summary>
    private async Task<(Guid Client, Guid TicketId, long Number, Guid Ann, string AnnPhone, Guid Ben, string BenPhone)> EmergencyWithCallDownListAsync()
    {
        var (client, nora) = await ClientAtNightAsync("premium");
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var (annPhone, benPhone) = (ClientDirectory.NewPhone(), ClientDirectory.NewPhone());
        var ann = await ClientDirectory.AddContactAsync(system, dispatcher, client, "Ann Night", $"ann.{client:N}@night-clinic.example", annPhone);
        var ben = await ClientDirectory.AddContactAsync(system, dispatcher, client, "Ben Night", $"ben.{client:N}@night-clinic.example", benPhone);
        await ReadAsync(await dispatcher.PutAsJsonAsync(new Uri($"/api/clients/{client}/call-down-list", UriKind.Relative), new { contactIds = new[] { ann, ben } }));
        var id = await RequestAsync(nora, client, new { subject = "Server down", description = "Nothing boots.", emergency = true, emergencyTermsConfirmed = true });
        var number = (await TicketAsync(nora, id, t => t.GetProperty("priority").GetString() == "P1")).GetProperty("number").GetInt64();
        return (client, id, number, ann, annPhone, ben, benPhone);
    }

    /// <summary>The page mailed to <paramref name="address"/>.</summary>
    /// <summary>
    /// The page about ticket <paramref name="ticketId"/> sent to <paramref name="recipient"/> on <paramref name="channel"/>, once
    /// notify's ledger has it (committed: a reply to it can find it), found among several tests' pages by the ticket.
    /// </summary>
    private async Task<JsonElement> PageSentAsync(HttpClient staff, Guid ticketId, string channel, string recipient) =>
        (JsonElement)await Eventually.GetAsync(async () =>
        {
            var response = await staff.GetAsync(new Uri($"/api/notify/tickets/{ticketId}/deliveries", UriKind.Relative));
            if (!response.IsSuccessStatusCode) return null;
            var rows = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("deliveries").EnumerateArray();
            return rows.FirstOrDefault(d => d.GetProperty("kind").GetString() == "page" && d.GetProperty("channel").GetString() == channel
                && d.GetProperty("recipient").GetString() == recipient && d.GetProperty("sentAt").ValueKind != JsonValueKind.Null) is { ValueKind: JsonValueKind.Object } row
                ? (object)row : null;
        }, $"the page about {ticketId} to {recipient} by {channel}", within: TimeSpan.FromSeconds(90), explain: () => system.Output);

    /// <summary>The page mail about ticket <paramref name="ticketId"/> to <paramref name="address"/> (by its Message-ID in notify's ledger).</summary>
    private async Task<MimeKit.MimeMessage> PageMailAsync(HttpClient staff, Guid ticketId, string address)
    {
        var messageId = (await PageSentAsync(staff, ticketId, "email", address)).GetProperty("messageId").GetString()!.Trim('<', '>');
        return await Eventually.GetAsync(() => Task.FromResult(system.Mail.Messages().SingleOrDefault(m => m.MessageId == messageId)),
            $"the page mail to {address}", explain: () => system.Output);
    }

    private static async Task<JsonElement> ReadAsync(HttpResponseMessage response)
    {
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    /// <summary>A client on <paramref name="tier"/> whose calendar is closed now (or, asked so, open around the clock), and its contact's token.</summary>
    private async Task<(Guid Client, HttpClient Contact)> ClientAtNightAsync(string tier, bool openAllDay = false)
    {
        using var admin = system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));
        var calendar = await admin.PostAsJsonAsync(new Uri("/api/sla/calendars", UriKind.Relative), new
        {
            name = $"{(openAllDay ? "Always open" : $"Open only {Day:yyyy-MM-dd}")} ({Guid.NewGuid():N})",
            timeZone = "Etc/UTC",
            week = openAllDay
                ? Enum.GetValues<DayOfWeek>().ToDictionary(d => d.ToString().ToLowerInvariant(), _ => new object[] { new { opens = "00:00", closes = "24:00" } })
                : new Dictionary<string, object[]> { [Day.DayOfWeek.ToString().ToLowerInvariant()] = [new { opens = "10:00", closes = "11:00" }] },
        });
        Assert.Equal(HttpStatusCode.Created, calendar.StatusCode);
        var calendarId = (await calendar.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        using var dispatcher = system.Client(TestAuth.Token(Roles.Dispatcher, subject: "dora"));
        var client = await ClientDirectory.NewClientAsync(system, dispatcher, $"Night clinic {Guid.NewGuid():N}", tier, calendarId);
        var contact = await ClientDirectory.AddContactAsync(system, dispatcher, client, "Nora Night", $"nora.{client:N}@night-clinic.example");
        // sla knows the client (and its calendar) once its preview answers for it.
        await Eventually.TrueAsync(async () => (await admin.GetAsync(new Uri($"/api/sla/preview?client={client}&priority=P3&channel=web", UriKind.Relative))).IsSuccessStatusCode,
            "sla to know the client", explain: () => system.Output);
        return (client, system.Client(TestAuth.Token(Roles.ClientUser, client, "nora", contact)));
    }

    private async Task<string> EmergencyOnlyTierAsync()
    {
        var name = "emergency-" + Guid.NewGuid().ToString("N")[..8];
        var targets = Priorities.SelectMany(p => new object[]
        {
            new { priority = p, type = "acknowledge", contractualMinutes = p == "P1" ? 30 : 60, internalMinutes = 15, calendar = p == "P1" ? "24x7" : "business-hours" },
            new { priority = p, type = "work-begins", contractualMinutes = p == "P1" ? 60 : 480, internalMinutes = 30, calendar = p == "P1" ? "24x7" : "business-hours" },
        }).ToArray();
        using var admin = system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));
        var response = await admin.PostAsJsonAsync(new Uri("/api/sla/tiers", UriKind.Relative), new { name, afterHoursCovered = false, emergencyCovered = true, targets });
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return name;
    }

    private static async Task<Guid> RequestAsync(HttpClient contact, Guid client, object body)
    {
        var response = await contact.PostAsJsonAsync(new Uri("/api/requests", UriKind.Relative), body);
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private async Task<JsonElement> TicketAsync(HttpClient http, Guid id, Func<JsonElement, bool> condition) =>
        (JsonElement)await Eventually.GetAsync(async () =>
        {
            var response = await http.GetAsync(new Uri($"/api/tickets/{id}", UriKind.Relative));
            return response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<JsonElement>() is var t && condition(t) ? (object)t : null;
        }, "the ticket", explain: () => system.Output);

    private async Task<JsonElement> ClockAsync(HttpClient http, Guid id, Func<JsonElement, bool> condition) =>
        (JsonElement)await Eventually.GetAsync(async () =>
        {
            var response = await http.GetAsync(new Uri($"/api/sla/tickets/{id}", UriKind.Relative));
            return response.IsSuccessStatusCode && await response.Content.ReadFromJsonAsync<JsonElement>() is var c && condition(c) ? (object)c : null;
        }, "the SLA clock", explain: () => system.Output);

    private async Task<JsonElement> PreviewAsync(Guid client, string priority, DateTimeOffset at)
    {
        using var admin = system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));
        var response = await admin.GetAsync(new Uri(
            $"/api/sla/preview?client={client}&priority={priority}&channel=web&at={Uri.EscapeDataString(at.ToString("O"))}", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }
}
