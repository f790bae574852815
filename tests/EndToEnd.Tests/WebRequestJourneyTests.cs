using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

[Collection(SystemCollection.Name)]
public sealed class WebRequestJourneyTests(RunningSystem system)
{
    private static readonly Guid DemoClient = RunningSystem.DemoClient;
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

    /// <summary>The largest request the portal can send (three files of the most each may be) passes the gateway and intake.</summary>
    [Fact]
    public async Task A_web_request_with_three_files_of_the_largest_size_is_accepted_through_the_gateway()
    {
        using var dana = system.Client(TestAuth.Token(Roles.ClientUser, DemoClient, "dana", RunningSystem.DemoContact));
        var content = Convert.ToBase64String(new byte[1024 * 1024]);
        var accepted = await dana.PostAsJsonAsync("/api/requests", new
        {
            clientId = DemoClient,
            subject = "Scans of the broken screen",
            description = "Three scans attached.",
            attachments = Enumerable.Range(1, 3).Select(i => new { fileName = $"scan-{i}.png", contentType = "image/png", content }),
        });

        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        var files = await dana.GetFromJsonAsync<JsonElement>(new Uri($"/api/requests/{id}/attachments", UriKind.Relative));
        Assert.Equal([1024 * 1024, 1024 * 1024, 1024 * 1024], files.EnumerateArray().Select(f => f.GetProperty("size").GetInt32()));
    }

    [Fact]
    public async Task Web_request_becomes_an_acknowledged_ticket_with_sla_billing_and_one_trace()
    {
        var traceId = ActivityTraceId.CreateRandom();
        using var dana = system.Client(TestAuth.Token(Roles.ClientUser, DemoClient, "dana", RunningSystem.DemoContact));
        using var billingClerk = system.Client(TestAuth.Token(Roles.Billing, subject: "bea"));
        const string contact = RunningSystem.DemoContactEmail; // the signed-in contact's own address (ADR 25)
        using var post = new HttpRequestMessage(HttpMethod.Post, "/api/requests")
        {
            Content = JsonContent.Create(new
            {
                clientId = DemoClient,
                subject = "Front desk printer jams",
                description = "It reports a jam with no paper in it.",
                priorityHint = "P2",
            }),
        };
        post.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");

        // 2. Accepted with the request id and where its ticket will be.
        var accepted = await dana.SendAsync(post);
        Assert.Equal(HttpStatusCode.Accepted, accepted.StatusCode);
        var id = (await accepted.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal($"/api/tickets/{id}", accepted.Headers.Location?.ToString());

        // 3 and 4. The ticket, its SLA clock, and the acknowledgement recorded as met.
        var ticket = await Eventually.GetAsync(async () =>
        {
            var response = await dana.GetAsync(new Uri($"/api/tickets/{id}", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.NotFound) return null;
            var json = await response.Content.ReadFromJsonAsync<JsonElement>();
            return json.GetProperty("status").GetString() == "Acknowledged"
                   && json.GetProperty("sla").GetProperty("acknowledgedAt").ValueKind != JsonValueKind.Null
                ? (object)json : null;
        }, "the ticket to be acknowledged", explain: () => system.Output) is JsonElement t ? t : default;

        var number = ticket.GetProperty("number").GetInt64();
        Assert.Equal($"SD#{number}", ticket.GetProperty("reference").GetString());
        Assert.Equal(DemoClient, ticket.GetProperty("clientId").GetGuid());
        Assert.Equal(contact, ticket.GetProperty("contact").GetProperty("email").GetString());
        Assert.Equal("web", ticket.GetProperty("channel").GetString());
        Assert.Equal("P3", ticket.GetProperty("priority").GetString()); // triage decides; the hint is only kept
        Assert.Equal("P2", ticket.GetProperty("priorityHint").GetString());

        var openedAt = ticket.GetProperty("openedAt").GetDateTimeOffset();
        var sla = ticket.GetProperty("sla");
        var acknowledgeDue = sla.GetProperty("acknowledgeDueAt").GetDateTimeOffset();
        var workBeginsDue = sla.GetProperty("workBeginsDueAt").GetDateTimeOffset();
        // Business time never runs faster than the wall clock: 1 business hour to acknowledge, 24 for P3 work.
        Assert.True(acknowledgeDue >= openedAt.AddHours(1), $"acknowledge due {acknowledgeDue} vs opened {openedAt}");
        Assert.True(workBeginsDue >= openedAt.AddHours(24), $"work due {workBeginsDue} vs opened {openedAt}");
        Assert.True(sla.GetProperty("acknowledgeInternalDueAt").GetDateTimeOffset() < acknowledgeDue);

        // 4. The contact's acknowledgement email, over real SMTP, names the ticket and when work begins.
        var mail = await Eventually.GetAsync(() => Task.FromResult(
            system.Mail.Messages().SingleOrDefault(m => (m.Subject ?? "").Contains($"[SD#{number}]", StringComparison.Ordinal))), "the acknowledgement email",
            explain: () => system.Output);
        Assert.Equal([contact], mail.To.Mailboxes.Select(to => to.Address).Concat(mail.Cc.Mailboxes.Select(cc => cc.Address)));
        var localDue = TimeZoneInfo.ConvertTime(workBeginsDue, NewYork).ToString("dddd d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture);
        Assert.Contains($"Work will begin by {localDue} (America/New_York)", mail.TextBody, StringComparison.Ordinal);

        var clock = await dana.GetFromJsonAsync<JsonElement>(new Uri($"/api/sla/tickets/{id}", UriKind.Relative));
        var ledger = clock.GetProperty("ledger").EnumerateArray().Select(e => (e.GetProperty("kind").GetString(), e.GetProperty("target").GetString())).ToList();
        Assert.Equal([("Started", null), ("Met", "acknowledge")], ledger);

        // 5. Billing opened the ticket's record with no time on it yet.
        var billing = await Eventually.GetAsync(async () =>
        {
            var response = await billingClerk.GetAsync(new Uri($"/api/billing/tickets/{id}", UriKind.Relative));
            return response.IsSuccessStatusCode ? (object)await response.Content.ReadFromJsonAsync<JsonElement>() : null;
        }, "the billing record", explain: () => system.Output) is JsonElement b ? b : default;
        Assert.Equal(number, billing.GetProperty("ticketNumber").GetInt64());
        Assert.Equal(0, billing.GetProperty("billableMinutes").GetInt32());

        // 6. One trace, across RabbitMQ, through the gateway and all five services.
        string[] everyone = ["gateway", .. RunningSystem.Services];
        await Eventually.TrueAsync(() => Task.FromResult(
            everyone.All(service => system.Traces.Spans.Any(s => s.TraceId == traceId.ToString() && s.Service == service))),
            $"spans of trace {traceId} from {string.Join(", ", everyone)}",
            explain: () => "Seen: " + string.Join(", ", system.Traces.Spans.Where(s => s.TraceId == traceId.ToString()).Select(s => s.Service).Distinct()));
    }

    [Fact]
    public async Task Signed_in_contact_cannot_have_the_acknowledgement_mailed_to_another_address()
    {
        using var dana = system.Client(TestAuth.Token(Roles.ClientUser, DemoClient, "dana", RunningSystem.DemoContact));
        const string victim = "ceo@victim-corp.example";
        var spoofed = $"You have won {Guid.NewGuid():N}";

        var refused = await dana.PostAsJsonAsync("/api/requests", new { contactEmail = victim, subject = spoofed, description = "Click here." });

        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        Assert.True((await refused.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("contactEmail", out _));

        // Once a request Dana makes next has been acknowledged, a mail the refused one had set off would have left long
        // before it. None did: the refused request was not stored, and nobody mailed the victim.
        var honest = await dana.PostAsJsonAsync("/api/requests", new { subject = $"Printer {Guid.NewGuid():N}", description = "Jams." });
        Assert.Equal(HttpStatusCode.Accepted, honest.StatusCode);
        var id = (await honest.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await Eventually.TrueAsync(async () =>
        {
            using var response = await dana.GetAsync(new Uri($"/api/tickets/{id}", UriKind.Relative));
            return response.IsSuccessStatusCode
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("status").GetString() == "Acknowledged";
        }, "Dana's honest request to be acknowledged", explain: () => system.Output);

        Assert.DoesNotContain(system.Mail.Messages(), m => m.To.Mailboxes.Any(to => to.Address == victim) || (m.Subject ?? "").Contains(spoofed, StringComparison.Ordinal));
        await using var intake = new Npgsql.NpgsqlConnection(system.DatabaseOf("intake"));
        await intake.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM service_requests WHERE \"Subject\" = $1 OR \"ContactEmail\" = $2", intake)
        {
            Parameters = { new() { Value = spoofed }, new() { Value = victim } },
        };
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Bad_request_through_the_gateway_gets_problem_details_naming_the_field()
    {
        using var staff = system.Client(TestAuth.Token(Roles.Technician));
        var response = await staff.PostAsJsonAsync("/api/requests", new
        {
            clientId = DemoClient,
            contactEmail = "not-an-address",
            subject = "Printer",
            description = "Jams.",
        });

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty("contactEmail", out _), problem.ToString());
    }
}
