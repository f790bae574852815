using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Intake.Api.Data;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Intake.Tests;

public sealed class WebRequestTests(IntakeFixture intake) : IClassFixture<IntakeFixture>
{
    private readonly HttpClient _http = intake.Staff();

    internal static string ValidBody(string subject, string? overrides = null)
    {
        var fields = new Dictionary<string, object?>
        {
            ["clientId"] = IntakeDbContext.DemoClientId,
            ["contactEmail"] = "dana@acme-dental.example",
            ["contactName"] = "Dana Reyes",
            ["subject"] = subject,
            ["description"] = "The front desk printer shows a paper jam that is not there.",
            ["priorityHint"] = "P2",
        };
        var json = JsonSerializer.Serialize(fields);
        return overrides is null ? json : json[..^1] + "," + overrides + "}";
    }

    private Task<HttpResponseMessage> PostAsync(string body, HttpClient? client = null) =>
        (client ?? _http).PostAsync(new Uri("/api/requests", UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json"));

    [Fact]
    public async Task Valid_web_request_is_stored_published_and_accepted()
    {
        await intake.TakePublishedAsync();
        var subject = $"Printer jam {Guid.NewGuid():N}";

        var response = await PostAsync(ValidBody(subject));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal($"/api/tickets/{id}", response.Headers.Location?.ToString());

        var stored = await intake.WithDbAsync(db => db.Requests.SingleAsync(r => r.Id == id));
        Assert.Equal(("web", subject, "P2"), (stored.Channel, stored.Subject, stored.PriorityHint));

        var published = Assert.Single(await intake.TakePublishedAsync());
        Assert.Contains(id.ToString(), published, StringComparison.Ordinal);
    }

    public static TheoryData<string, string> BadBodies => new()
    {
        { "{\"clientId\": ", "body" },
        { "[1, 2, 3]", "body" },
        { ValidBody("x").Replace($"\"{IntakeDbContext.DemoClientId}\"", "\"acme\"", StringComparison.Ordinal), "clientId" },
        { ValidBody("x").Replace($"\"{IntakeDbContext.DemoClientId}\"", $"\"{Guid.NewGuid()}\"", StringComparison.Ordinal), "clientId" },
        { ValidBody("x").Replace("dana@acme-dental.example", "dana at acme", StringComparison.Ordinal), "contactEmail" },
        { ValidBody("x").Replace("dana@acme-dental.example", "Dana <dana@acme-dental.example>", StringComparison.Ordinal), "contactEmail" },
        { ValidBody(new string('s', RequestLimits.Subject + 1)), "subject" },
        { ValidBody("   "), "subject" },
        { ValidBody("Printer\u0000jam"), "subject" },
        { ValidBody("x").Replace("Dana Reyes", "Dana\\u0007Reyes", StringComparison.Ordinal), "contactName" },
        { ValidBody("x").Replace("The front desk", new string('d', RequestLimits.Description), StringComparison.Ordinal), "description" },
        { ValidBody("x").Replace("\"P2\"", "\"urgent!!\"", StringComparison.Ordinal), "priorityHint" },
        { ValidBody("x").Replace("\"P2\"", "2", StringComparison.Ordinal), "priorityHint" },
        { ValidBody("x", "\"priority\": \"P1\""), "priority" },
    };

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Bad_request_is_refused_naming_the_field_and_changes_nothing(string body, string field)
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();

        var response = await PostAsync(body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"'{field}' not named in {problem}");
        // Logged with the trace id the caller got, so support can find it from the caller's report.
        var traceId = problem.GetProperty("traceId").GetString()!;
        Assert.Contains(intake.App.Logs.Entries, e => e.Category == "ServiceDesk.Refusals" && e.Message.Contains($"(trace {traceId})", StringComparison.Ordinal)
            && e.Message.Contains("POST /api/requests refused with 400", StringComparison.Ordinal));

        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync()); // the outbox is drained first, so nothing is in flight
    }

    [Fact]
    public async Task Every_missing_field_is_named_at_once()
    {
        var response = await PostAsync("{}");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        foreach (var field in new[] { "clientId", "contactEmail", "subject", "description" })
            Assert.True(errors.TryGetProperty(field, out _), $"'{field}' not named in {errors}");
    }

    [Fact]
    public async Task Client_user_opens_requests_for_their_own_client_without_naming_it()
    {
        var client = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, IntakeDbContext.DemoClientId, contactId: IntakeDbContext.DemoContactId));
        var body = JsonSerializer.Serialize(new { contactEmail = "dana@acme-dental.example", subject = "Scanner", description = "Offline." });

        var response = await PostAsync(body, client);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(IntakeDbContext.DemoClientId, await intake.WithDbAsync(db => db.Requests.Where(r => r.Id == id).Select(r => r.ClientId).SingleAsync()));
    }

    [Fact]
    public async Task Client_user_cannot_open_a_request_for_another_client()
    {
        await intake.TakePublishedAsync();
        var storedBefore = await intake.StoredRequestsAsync();
        var client = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, Guid.NewGuid()));

        var response = await PostAsync(ValidBody("For someone else"), client); // names the demo client

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(storedBefore, await intake.StoredRequestsAsync());
        Assert.Empty(await intake.TakePublishedAsync());
    }

    [Fact]
    public async Task Request_without_a_token_is_refused()
    {
        var response = await PostAsync(ValidBody("Anonymous"), intake.App.CreateClient());

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Health_endpoints_report_live_and_ready()
    {
        Assert.Equal(HttpStatusCode.OK, (await _http.GetAsync(new Uri("/health/live", UriKind.Relative))).StatusCode);
        await Eventually.TrueAsync(async () => (await _http.GetAsync(new Uri("/health/ready", UriKind.Relative))).IsSuccessStatusCode,
            "intake to be ready");
    }

    private async Task<HttpResponseMessage> PostWithKeyAsync(string body, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/requests") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        return await _http.SendAsync(request);
    }

    [Fact]
    public async Task A_retried_post_with_the_same_Idempotency_Key_is_the_same_request_and_a_reused_key_is_refused()
    {
        var key = Guid.NewGuid().ToString();
        var subject = $"Printer jam {Guid.NewGuid():N}";

        var first = await PostWithKeyAsync(ValidBody(subject), key);
        var retry = await PostWithKeyAsync(ValidBody(subject), key);
        var misuse = await PostWithKeyAsync(ValidBody(subject + " and the scanner"), key);

        Assert.Equal((HttpStatusCode.Accepted, HttpStatusCode.Accepted), (first.StatusCode, retry.StatusCode));
        var id = (await first.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        Assert.Equal(id, (await retry.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        Assert.Equal("true", retry.Headers.GetValues("Idempotent-Replayed").Single());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, misuse.StatusCode);
        Assert.Equal(1, await intake.WithDbAsync(db => db.Requests.CountAsync(r => r.Subject.StartsWith(subject))));
    }

    [Theory]
    [InlineData("has spaces in it")]
    [InlineData("a-key-longer-than-two-hundred-characters-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")]
    public async Task A_malformed_Idempotency_Key_is_refused_and_changes_nothing(string key)
    {
        var subject = $"Printer jam {Guid.NewGuid():N}";
        var response = await PostWithKeyAsync(ValidBody(subject), key);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("Idempotency-Key", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.False(await intake.WithDbAsync(db => db.Requests.AnyAsync(r => r.Subject == subject)));
    }

    [Fact]
    public async Task Staff_entry_marks_the_request_as_entered_by_the_technician_with_the_clock_from_entry()
    {
        var subject = $"Called my cell {Guid.NewGuid():N}";
        using var tech = intake.App.CreateClient().As(TestAuth.Token(Roles.Technician, subject: "tess"));
        var before = DateTimeOffset.UtcNow;

        var response = await tech.PostAsync(new Uri("/api/staff-entries", UriKind.Relative), new StringContent(ValidBody(subject), Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var stored = await intake.WithDbAsync(db => db.Requests.SingleAsync(r => r.Subject == subject));
        Assert.Equal(("staff", "tess", "dana@acme-dental.example"), (stored.Channel, stored.EnteredBy, stored.ContactEmail));
        Assert.InRange(stored.ReceivedAt, before.AddSeconds(-1), DateTimeOffset.UtcNow);

        using var client = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, IntakeDbContext.DemoClientId));
        var refused = await client.PostAsync(new Uri("/api/staff-entries", UriKind.Relative), new StringContent(ValidBody(subject + "x"), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }
}
