using System.Net.Http.Json;
using System.Text.Json;

namespace Tickets.Tests;

[Collection(TicketsCollection.Name)]
public sealed class ApiDocumentTests(TicketsFixture tickets)
{
    [Fact]
    public async Task The_openapi_document_lists_every_tickets_route_with_the_queue_parameters()
    {
        var document = await tickets.App.CreateClient().GetFromJsonAsync<JsonElement>(new Uri("/openapi/v1.json", UriKind.Relative));
        var paths = document.GetProperty("paths");

        foreach (var path in new[] { "/api/tickets", "/api/tickets/{id}/status", "/api/tickets/{id}/priority", "/api/tickets/{id}/assignment",
                     "/api/tickets/{id}/conversation", "/api/tickets/{id}/replies", "/api/tickets/{id}/notes", "/api/tickets/{id}/time-entries",
                     "/api/tickets/{id}/time-entries/{entryId}", "/api/tickets/{id}/audit", "/api/teams", "/api/routing-rules", "/api/clients",
                     "/api/clients/{id}/call-down-list" })
            Assert.True(paths.TryGetProperty(path, out _), $"{path} is not documented");
        var parameters = paths.GetProperty("/api/tickets").GetProperty("get").GetProperty("parameters").EnumerateArray()
            .Select(p => p.GetProperty("name").GetString()!).ToArray();
        Assert.Equal(["view", "status", "priority", "teamId", "clientId", "after", "limit", "order"], parameters);
    }
}
