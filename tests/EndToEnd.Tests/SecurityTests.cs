using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Microsoft.IdentityModel.Tokens;
using Npgsql;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>Identity, roles, tenant isolation and limits, through the gateway and directly against each service.</summary>
[Collection(SystemCollection.Name)]
public sealed class SecurityTests(RunningSystem system)
{
    private static readonly Guid ClientA = RunningSystem.DemoClient;
    private static readonly string Staff = TestAuth.Token(Roles.Dispatcher, subject: "dee");

    /// <summary>Where a route can be called: through the gateway, and directly on the service behind it.</summary>
    public static TheoryData<string, string> ReadRoutes => new()
    {
        { "gateway", "/api/tickets/{0}" }, { "tickets", "/api/tickets/{0}" },
        { "gateway", "/api/sla/tickets/{0}" }, { "sla", "/api/sla/tickets/{0}" },
    };

    public static TheoryData<string, string> BadTokens => new()
    {
        { "gateway", "missing" }, { "gateway", "expired" }, { "gateway", "wrong-key" }, { "gateway", "wrong-audience" }, { "gateway", "garbage" },
        { "tickets", "missing" }, { "tickets", "expired" }, { "tickets", "wrong-key" }, { "tickets", "wrong-audience" }, { "tickets", "garbage" },
        { "intake", "missing" }, { "intake", "expired" }, { "intake", "wrong-key" }, { "intake", "wrong-audience" }, { "intake", "garbage" },
        { "billing", "client-without-client-id" }, { "gateway", "client-without-client-id" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task Missing_or_invalid_token_gets_401(string app, string token)
    {
        var path = app switch { "intake" => "/api/requests", "billing" => $"/api/billing/tickets/{Guid.NewGuid()}", _ => $"/api/tickets/{Guid.NewGuid()}" };
        var now = DateTimeOffset.UtcNow;
        using var client = system.ClientFor(app, token switch
        {
            "missing" => null,
            "expired" => Auth.CreateToken(TestAuth.Options, "old", Roles.Admin, expires: now.AddHours(-2), now: now.AddHours(-3)),
            "wrong-key" => Auth.CreateToken(new AuthOptions { Issuer = TestAuth.Options.Issuer, SigningKey = Base64UrlEncoder.Encode(new byte[48]) }, "mallory", Roles.Admin),
            "wrong-audience" => Auth.CreateToken(new AuthOptions { Issuer = TestAuth.Options.Issuer, SigningKey = TestAuth.Options.SigningKey, Audience = "another-app" }, "mallory", Roles.Admin),
            "client-without-client-id" => TestAuth.Token(Roles.ClientUser),
            _ => "not.a.jwt",
        });

        var response = path == "/api/requests"
            ? await client.PostAsJsonAsync(path, new { subject = "x" })
            : await client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Theory]
    [InlineData("gateway", Roles.ClientAdmin)]
    [InlineData("billing", Roles.ClientAdmin)]
    [InlineData("gateway", Roles.Technician)]
    [InlineData("billing", Roles.Technician)]
    public async Task Wrong_role_gets_403_from_billing(string app, string role)
    {
        using var client = system.ClientFor(app, TestAuth.Token(role, Roles.Client.Contains(role) ? ClientA : null));

        var response = await client.GetAsync(new Uri($"/api/billing/tickets/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [MemberData(nameof(ReadRoutes))]
    public async Task Client_never_reads_another_clients_ticket(string app, string route)
    {
        var (ticketOfA, ticketOfB) = await TicketsOfTwoClientsAsync();
        using var clientA = system.ClientFor(app, TestAuth.Token(Roles.ClientUser, ClientA, "dana"));

        var own = await clientA.GetAsync(new Uri(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, ticketOfA), UriKind.Relative));
        var others = await clientA.GetAsync(new Uri(string.Format(System.Globalization.CultureInfo.InvariantCulture, route, ticketOfB), UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, others.StatusCode); // as if it did not exist
        Assert.DoesNotContain(ticketOfB.ToString(), await others.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("intake")]
    public async Task Client_cannot_open_a_request_in_another_clients_name(string app)
    {
        var clientB = await AddClientAsync();
        using var clientA = system.ClientFor(app, TestAuth.Token(Roles.ClientUser, ClientA, "dana"));
        var subject = $"Impostor {Guid.NewGuid():N}";

        var response = await clientA.PostAsJsonAsync("/api/requests", new
        {
            clientId = clientB, contactEmail = "dana@acme-dental.example", subject, description = "Pretending to be B.",
        });

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await using var intake = new NpgsqlConnection(system.DatabaseOf("intake"));
        await intake.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM service_requests WHERE \"Subject\" = $1", intake) { Parameters = { new() { Value = subject } } };
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Noisy_tenant_gets_429_while_another_tenant_is_served()
    {
        using var noisy = system.Client(TestAuth.Token(Roles.ClientUser, Guid.NewGuid(), "noisy"));
        using var quiet = system.Client(TestAuth.Token(Roles.ClientUser, Guid.NewGuid(), "quiet"));
        var path = new Uri($"/api/tickets/{Guid.NewGuid()}", UriKind.Relative);

        // Ten times the budget, 20 at a time; the quiet tenant asks now and then meanwhile.
        var flood = Task.WhenAll(Enumerable.Range(0, 20).Select(async _ =>
        {
            var statuses = new List<(HttpStatusCode Status, bool RetryAfter)>();
            for (var i = 0; i < system.TenantRequestsPerWindow * 10 / 20; i++)
            {
                using var response = await noisy.GetAsync(path);
                statuses.Add((response.StatusCode, response.Headers.RetryAfter is not null));
            }
            return statuses;
        }));
        var quietStatuses = new List<HttpStatusCode>();
        while (!flood.IsCompleted)
        {
            using var response = await quiet.GetAsync(path);
            quietStatuses.Add(response.StatusCode);
        }
        var noisyStatuses = (await flood).SelectMany(s => s).ToList();

        var limited = noisyStatuses.Where(s => s.Status == HttpStatusCode.TooManyRequests).ToList();
        Assert.True(limited.Count >= noisyStatuses.Count / 2, $"{limited.Count} of {noisyStatuses.Count} limited");
        Assert.All(limited, s => Assert.True(s.RetryAfter, "429 without Retry-After"));
        Assert.NotEmpty(quietStatuses);
        Assert.All(quietStatuses, status => Assert.Equal(HttpStatusCode.NotFound, status)); // served: the ticket does not exist
    }

    /// <summary>Bad JSON, wrong types, huge strings, unknown fields and bad ids on every public route: 4xx problem details.</summary>
    public static TheoryData<string, string, string> MalformedInputs => new()
    {
        { "POST", "/api/requests", "{\"clientId\": " },
        { "POST", "/api/requests", "[]" },
        { "POST", "/api/requests", "{\"clientId\": 12, \"subject\": [1]}" },
        { "POST", "/api/requests", "{\"surprise\": true}" },
        { "POST", "/api/requests", "{\"subject\": \"" + new string('x', 20_000) + "\"}" },
        { "POST", "/api/requests", "{\"subject\": \"" + new string('x', 300_000) + "\"}" },
        { "POST", "/api/requests", "\u0000\u0001binary" },
        { "POST", $"/api/channels/{RunningSystem.Channel}/requests", "{\"subject\": 1}" },
        { "POST", "/api/channels/NOT_A_CHANNEL/requests", "{}" },
        { "GET", "/api/tickets/not-a-guid", "" },
        { "GET", "/api/sla/tickets/42", "" },
        { "GET", "/api/billing/tickets/..%2F..%2Fetc%2Fpasswd", "" },
    };

    [Theory]
    [MemberData(nameof(MalformedInputs))]
    public async Task Malformed_input_gets_a_4xx_problem_never_a_5xx(string method, string path, string body)
    {
        using var client = system.Client(TestAuth.Token(Roles.Admin));
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST") request.Content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await client.SendAsync(request);

        Assert.InRange((int)response.StatusCode, 400, 499);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Responses_carry_a_correlation_id_and_security_headers()
    {
        using var client = system.Client(Staff);

        using var response = await client.GetAsync(new Uri($"/api/tickets/{Guid.NewGuid()}", UriKind.Relative));

        Assert.Matches("^[0-9a-f]{32}$", response.Headers.GetValues("X-Correlation-Id").Single());
        Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("DENY", response.Headers.GetValues("X-Frame-Options").Single());
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(response.Headers.GetValues("X-Correlation-Id").Single(), problem.GetProperty("traceId").GetString());
    }

    /// <summary>One ticket for the demo client and one for a second client, opened by staff.</summary>
    private async Task<(Guid A, Guid B)> TicketsOfTwoClientsAsync()
    {
        var clientB = await AddClientAsync();
        using var staff = system.Client(Staff);
        var ids = new List<Guid>();
        foreach (var client in new[] { ClientA, clientB })
        {
            var response = await staff.PostAsJsonAsync("/api/requests", new
            {
                clientId = client, contactEmail = client == ClientA ? RunningSystem.DemoContactEmail : SomeoneAtB, subject = "Isolation check",
                description = "Whose is this?",
            });
            Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
            ids.Add((await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid());
        }
        foreach (var id in ids)
        {
            await Eventually.TrueAsync(async () =>
                (await staff.GetAsync(new Uri($"/api/sla/tickets/{id}", UriKind.Relative))).IsSuccessStatusCode,
                $"ticket {id} and its clock", explain: () => system.Output);
        }
        return (ids[0], ids[1]);
    }

    private const string SomeoneAtB = "someone@example.com";

    /// <summary>
    /// Adds a client with one contact (<see cref="SomeoneAtB"/>) to intake's directory alone: these tests need only intake to
    /// know it (ClientDirectory adds one through tickets, as staff do).
    /// </summary>
    private async Task<Guid> AddClientAsync()
    {
        var id = Guid.NewGuid();
        await using var intake = new NpgsqlConnection(system.DatabaseOf("intake"));
        await intake.OpenAsync();
        await using var insert = new NpgsqlCommand("""
            WITH client AS (INSERT INTO clients ("Id", "Name") VALUES ($1, $2))
            INSERT INTO contacts ("Id", "ClientId", "Name", "Emails", "Phones") VALUES ($3, $1, 'Someone', ARRAY[$4::text], '{}')
            """, intake)
        {
            Parameters = { new() { Value = id }, new() { Value = $"Client {id:N}" }, new() { Value = Guid.NewGuid() }, new() { Value = SomeoneAtB } },
        };
        await insert.ExecuteNonQueryAsync();
        return id;
    }
}
