using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>The OpenAPI documents served through the gateway describe the routes as they really are.</summary>
[Collection(SystemCollection.Name)]
public sealed class ApiDocsTests(RunningSystem system)
{
    private static readonly string[] Documented = ["intake", "tickets", "sla", "billing", "notify", "identity"];

    private async Task<Dictionary<string, JsonElement>> DocumentsAsync()
    {
        using var anonymous = system.Client();
        var documents = new Dictionary<string, JsonElement>();
        foreach (var service in Documented)
            documents[service] = await anonymous.GetFromJsonAsync<JsonElement>(new Uri($"/docs/{service}/openapi.json", UriKind.Relative));
        return documents;
    }

    [Fact]
    public async Task Browsable_docs_and_documents_are_public()
    {
        using var anonymous = system.Client();

        var ui = await anonymous.GetAsync(new Uri("/docs/index.html", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, ui.StatusCode);
        Assert.Equal("text/html", ui.Content.Headers.ContentType?.MediaType);
        foreach (var (service, document) in await DocumentsAsync())
            Assert.True(document.GetProperty("paths").EnumerateObject().Any(), $"{service} documents no paths");
    }

    [Fact]
    public async Task Every_documented_operation_is_routed_by_the_gateway_and_protected()
    {
        using var anonymous = system.Client();
        foreach (var (service, document) in await DocumentsAsync())
        foreach (var path in document.GetProperty("paths").EnumerateObject())
        foreach (var operation in path.Value.EnumerateObject())
        {
            var url = path.Name.Replace("{channel}", RunningSystem.Channel, StringComparison.Ordinal)
                .Replace("{id}", Guid.NewGuid().ToString(), StringComparison.Ordinal);
            HttpResponseMessage response;
            // More operations than one caller's rate-limit window allows: a 429 waits out Retry-After and asks again.
            while (true)
            {
                using var request = new HttpRequestMessage(new HttpMethod(operation.Name.ToUpperInvariant()), url);
                if (operation.Name == "post") request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
                response = await anonymous.SendAsync(request);
                if (response.StatusCode != HttpStatusCode.TooManyRequests) break;
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(1));
                response.Dispose();
            }

            // 401, not 404 or 405: the gateway routes it, and nothing documented is open to anyone.
            using (response)
                Assert.True(response.StatusCode == HttpStatusCode.Unauthorized, $"{service}: {operation.Name} {path.Name} gave {response.StatusCode}");
        }
    }

    [Fact]
    public async Task Every_public_gateway_route_is_documented()
    {
        var documentedPaths = (await DocumentsAsync()).Values
            .SelectMany(d => d.GetProperty("paths").EnumerateObject().Select(p => p.Name)).ToList();
        var gatewaySettings = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(Repository.Root, "gateway/Gateway/appsettings.json")));

        foreach (var route in gatewaySettings.RootElement.GetProperty("ReverseProxy").GetProperty("Routes").EnumerateObject())
        {
            var pattern = route.Value.GetProperty("Match").GetProperty("Path").GetString()!;
            if (!pattern.StartsWith("/api/", StringComparison.Ordinal)) continue;
            var prefix = pattern.Split("{**", 2)[0];
            Assert.True(documentedPaths.Any(p => p == pattern || (pattern.Contains("{**", StringComparison.Ordinal) && p.StartsWith(prefix, StringComparison.Ordinal))),
                $"Gateway route '{route.Name}' ({pattern}) is not in any OpenAPI document.");
        }
    }

    [Fact]
    public async Task Documented_request_body_is_exactly_what_the_api_accepts()
    {
        var intake = (await DocumentsAsync())["intake"];
        var schemaName = intake.GetProperty("paths").GetProperty("/api/requests").GetProperty("post").GetProperty("requestBody")
            .GetProperty("content").GetProperty("application/json").GetProperty("schema").GetProperty("$ref").GetString()!.Split('/')[^1];
        var properties = intake.GetProperty("components").GetProperty("schemas").GetProperty(schemaName).GetProperty("properties")
            .EnumerateObject().Select(p => p.Name).ToList();
        var samples = new Dictionary<string, object?>
        {
            ["clientId"] = RunningSystem.DemoClient, ["contactEmail"] = RunningSystem.DemoContactEmail, ["contactName"] = "Dana Reyes",
            ["subject"] = "Documented fields", ["description"] = "Every documented field, nothing else.", ["priorityHint"] = "P4",
            ["emergency"] = false, ["emergencyTermsConfirmed"] = false,
            // A reply names its ticket and carries files (the portal's); a new request has neither.
            ["ticketNumber"] = null, ["attachments"] = Array.Empty<object>(),
        };
        Assert.All(properties, p => Assert.True(samples.ContainsKey(p), $"The document lists '{p}', which this test has no sample for."));
        using var staff = system.Client(TestAuth.Token(Roles.Technician));

        var documented = await staff.PostAsJsonAsync("/api/requests", properties.ToDictionary(p => p, p => samples[p]));
        var undocumented = await staff.PostAsJsonAsync("/api/requests",
            properties.ToDictionary(p => p, p => samples[p]).Append(new("undocumentedField", "x")).ToDictionary());

        Assert.Equal(HttpStatusCode.Accepted, documented.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, undocumented.StatusCode);
        Assert.True((await undocumented.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("undocumentedField", out _));
    }
}
