using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Npgsql;
using ServiceDesk.Testing;

namespace EndToEnd.Tests;

/// <summary>Clients and contacts added the way staff add them (tickets' API), awaited until intake's copy of the directory has them.</summary>
internal static class ClientDirectory
{
    /// <summary>A number no other test uses (555 numbers are fictional), so the directory finds exactly one contact.</summary>
    public static string NewPhone() => "+1555" + Random.Shared.Next(2_000_000, 9_999_999).ToString(CultureInfo.InvariantCulture);

    /// <param name="name">Client names are unique: give each test its own.</param>
    public static async Task<Guid> NewClientAsync(RunningSystem system, HttpClient dispatcher, string name, string tier = "standard",
        Guid? calendarId = null)
    {
        var created = await dispatcher.PostAsJsonAsync(new Uri("/api/clients", UriKind.Relative), new { name, tier, calendarId = calendarId?.ToString() });
        Assert.True(created.StatusCode == HttpStatusCode.Created, $"{(int)created.StatusCode}: {await created.Content.ReadAsStringAsync()}");
        return (await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    /// <summary>Adds the contact, and returns its id once intake knows it (it resolves senders from its replica, ADR 16).</summary>
    public static async Task<Guid> AddContactAsync(RunningSystem system, HttpClient dispatcher, Guid client, string name, string email, string? phone = null)
    {
        var added = await dispatcher.PostAsJsonAsync(new Uri($"/api/clients/{client}/contacts", UriKind.Relative),
            new { name, emails = new[] { email }, phones = phone is null ? Array.Empty<string>() : [phone] });
        Assert.True(added.StatusCode == HttpStatusCode.Created, $"{(int)added.StatusCode}: {await added.Content.ReadAsStringAsync()}");
        var view = await added.Content.ReadFromJsonAsync<JsonElement>();
        var revision = view.GetProperty("revision").GetInt32();
        var contactId = view.GetProperty("contacts").EnumerateArray()
            .Single(c => c.GetProperty("emails").EnumerateArray().Any(e => e.GetString() == email)).GetProperty("id").GetGuid();

        await Eventually.TrueAsync(async () =>
        {
            await using var intake = new NpgsqlConnection(system.DatabaseOf("intake"));
            await intake.OpenAsync();
            await using var query = new NpgsqlCommand("SELECT \"Revision\" FROM clients WHERE \"Id\" = $1", intake) { Parameters = { new() { Value = client } } };
            return await query.ExecuteScalarAsync() is int seen && seen >= revision;
        }, "intake's directory to have the new contact", explain: () => system.Output);
        return contactId;
    }
}
