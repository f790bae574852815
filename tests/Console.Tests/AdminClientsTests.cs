using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using EndToEnd.Tests;
using Microsoft.Playwright;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using static Microsoft.Playwright.Assertions;

namespace Console.Tests;

/// <summary>The admin screens for clients (contacts, call-down lists) and for agreements and rates, signed in as Ada (admin).</summary>
[Collection(ConsoleCollection.Name)]
public sealed class AdminClientsTests(ConsoleSystem system, Portal.Tests.Chromium chromium)
{
    [Fact]
    public async Task Admin_creates_a_client_with_two_contacts_and_puts_the_second_first_on_the_call_down_list()
    {
        var name = $"Harbour dental {Guid.NewGuid():N}"[..24];
        var (ann, bob) = ($"Ann {Guid.NewGuid():N}"[..12], $"Bob {Guid.NewGuid():N}"[..12]);

        await using var ada = await SignedInAdminAsync();
        await ada.Page.GetByRole(AriaRole.Navigation, new() { Name = "Admin screens" }).GetByRole(AriaRole.Link, new() { Name = "Clients" }).ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Heading, new() { Name = "Clients, contacts and call-down lists", Level = 1 })).ToBeVisibleAsync();
        await ada.Button("New client").ClickAsync();
        await ada.Page.GetByLabel("Name", new() { Exact = true }).FillAsync(name);
        await ada.Page.GetByLabel("Membership tier").SelectOptionAsync("premium");
        await ada.Button("Create client").ClickAsync();
        await Expect(ada.Page.Locator(".result")).ToContainTextAsync($"Created {name}");
        var id = (await ClientsAsync()).Single(c => c.GetProperty("name").GetString() == name).GetProperty("id").GetGuid();

        foreach (var (contact, phone) in new[] { (ann, ClientDirectory.NewPhone()), (bob, ClientDirectory.NewPhone()) })
        {
            await ada.Page.GetByLabel("Contact name").FillAsync(contact);
            await ada.Page.GetByLabel("Email addresses").FillAsync($"{contact.Replace(' ', '.')}@harbour.example");
            await ada.Page.GetByLabel("Phone numbers").FillAsync(phone);
            await ada.Button("Add contact").ClickAsync();
            await Expect(ada.Row(contact)).ToBeVisibleAsync();
        }

        // Both on the list, Ann first as added; then Bob moved up by keyboard, and the focus stays with him.
        await ada.Button($"Add {ann}").ClickAsync();
        await ada.Button($"Add {bob}").ClickAsync();
        await Expect(ada.Page.Locator(".call-down li")).ToHaveCountAsync(2);
        await ada.Button($"Move up: {bob}").FocusAsync();
        await ada.Page.Keyboard.PressAsync("Enter");
        await Expect(ada.Page.Locator(".call-down li").First).ToContainTextAsync(bob);
        await Expect(ada.Button($"Move down: {bob}")).ToBeFocusedAsync();
        // Nothing is stored until the list is saved, as a whole.
        Assert.Empty((await ClientAsync(id)).GetProperty("callDownList").EnumerateArray());

        await ada.Button("Save call-down list").ClickAsync();
        await Expect(ada.Page.Locator("[aria-labelledby=call-down-heading] .result")).ToHaveTextAsync($"Saved: {bob}, then {ann}.");
        var saved = await ClientAsync(id);
        var contacts = saved.GetProperty("contacts").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!, c => c.GetProperty("id").GetGuid());
        Assert.Equal(new[] { contacts[bob], contacts[ann] }, saved.GetProperty("callDownList").EnumerateArray().Select(c => c.GetGuid()));
        Assert.Equal("premium", saved.GetProperty("tier").GetString());
        await Expect(ada.Row(bob).Locator(".position")).ToHaveTextAsync("1.");
        await ada.CheckScreenAsync("admin-clients");
        Assert.True(ada.Errors.Count == 0, string.Join("\n", ada.Errors) + "\n" + system.App("console").Output);
    }

    [Fact]
    public async Task A_contact_with_a_bad_email_or_phone_is_refused_beside_the_field_and_nothing_is_saved_then_it_is_corrected_edited_and_removed()
    {
        var name = $"Quay garage {Guid.NewGuid():N}"[..22];
        using var admin = Admin();
        var id = await ClientDirectory.NewClientAsync(system, admin, name);

        await using var ada = await SignedInAdminAsync();
        await ada.Page.GotoAsync("/console/admin/clients");
        await ada.Page.GetByLabel("Find a client").FillAsync(name);
        await ada.Button(name).ClickAsync();
        await ada.Page.GetByLabel("Contact name").FillAsync("Cleo Quay");
        await ada.Page.GetByLabel("Email addresses").FillAsync("cleo@quay");
        await ada.Page.GetByLabel("Phone numbers").FillAsync("555-0100");
        await ada.Button("Add contact").ClickAsync();

        await Expect(ada.Page.GetByRole(AriaRole.Alert).First).ToContainTextAsync("Nothing was saved");
        await Expect(ada.Page.Locator("#contact-emails-error")).ToContainTextAsync("Not a valid email address.");
        await Expect(ada.Page.Locator("#contact-phones-error")).ToContainTextAsync("Not an E.164 number");
        // What was typed stays, to be corrected.
        await Expect(ada.Page.GetByLabel("Phone numbers")).ToHaveValueAsync("555-0100");
        await Expect(ada.Page.GetByLabel("Contact name")).ToHaveValueAsync("Cleo Quay");
        var client = await ClientAsync(id);
        Assert.Empty(client.GetProperty("contacts").EnumerateArray());
        Assert.Equal(1, client.GetProperty("revision").GetInt32());
        await ada.CheckScreenAsync("admin-client-refused");

        // Corrected, added; then a second number added by editing it, and removed.
        var (phone, second) = (ClientDirectory.NewPhone(), ClientDirectory.NewPhone());
        await ada.Page.GetByLabel("Email addresses").FillAsync("cleo@quay.example");
        await ada.Page.GetByLabel("Phone numbers").FillAsync(phone);
        await ada.Button("Add contact").ClickAsync();
        await Expect(ada.Row("Cleo Quay")).ToContainTextAsync(phone);
        await ada.Button("Edit Cleo Quay").ClickAsync();
        await Expect(ada.Page.GetByLabel("Phone numbers")).ToHaveValueAsync(phone);
        await ada.Page.GetByLabel("Phone numbers").FillAsync($"{phone}, {second}");
        await ada.Button("Save contact").ClickAsync();
        await Expect(ada.Row("Cleo Quay")).ToContainTextAsync($"{phone}, {second}");
        Assert.Equal([phone, second], (await ClientAsync(id)).GetProperty("contacts")[0].GetProperty("phones").EnumerateArray().Select(p => p.GetString()!));
        await ada.Button("Remove Cleo Quay").ClickAsync();
        await Expect(ada.Page.GetByText("No contacts yet")).ToBeVisibleAsync();
        Assert.Empty((await ClientAsync(id)).GetProperty("contacts").EnumerateArray());
        Assert.True(ada.Errors.Count == 0, string.Join("\n", ada.Errors) + "\n" + system.App("console").Output);
    }

    [Fact]
    public async Task Admin_creates_an_agreement_with_rates_and_sees_it_listed_with_its_amounts()
    {
        var name = $"Pier hotel {Guid.NewGuid():N}"[..20];
        using var admin = Admin();
        var id = await ClientDirectory.NewClientAsync(system, admin, name);

        await using var ada = await SignedInAdminAsync();
        await ada.Page.GetByRole(AriaRole.Navigation, new() { Name = "Admin screens" }).GetByRole(AriaRole.Link, new() { Name = "Agreements and rates" }).ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Heading, new() { Name = "Agreements and rates", Level = 1 })).ToBeVisibleAsync();
        await ada.Page.GetByLabel("Find a client").FillAsync(name);
        await ada.Button(name).ClickAsync();
        await Expect(ada.Page.GetByText("No agreement yet")).ToBeVisibleAsync();

        // From the first of this month: the version is in force today.
        var from = DateOnly.FromDateTime(DateTime.UtcNow) is var today ? new DateOnly(today.Year, today.Month, 1) : default;
        await ada.Page.GetByLabel("Effective from").FillAsync(from.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture));
        await ada.Page.GetByLabel("Currency").FillAsync("USD");
        await ada.Page.GetByLabel("Monthly fee").FillAsync("1500");
        await ada.Page.GetByLabel("Rate line 1 business hours rate").FillAsync("12O"); // a letter O: refused, not guessed
        await ada.Page.GetByLabel("Rate line 1 after-hours rate").FillAsync("180");
        await ada.Button("Add a rate line").ClickAsync();
        await ada.Page.GetByLabel("Rate line 2 work type").SelectOptionAsync("Emergency");
        await ada.Page.GetByLabel("Rate line 2 business hours rate").FillAsync("200.50");
        await ada.Page.GetByLabel("After-hours multiplier").FillAsync("1.5");
        await ada.Button("Create version 1").ClickAsync();
        await Expect(ada.Page.Locator("tr[data-line='0'] .field-error")).ToContainTextAsync("wrong type or format");
        await Expect(ada.Page.GetByLabel("Rate line 1 business hours rate")).ToHaveValueAsync("12O");
        Assert.Empty(await AgreementsAsync(id));

        await ada.Page.GetByLabel("Rate line 1 business hours rate").FillAsync("120");
        await ada.Button("Create version 1").ClickAsync();
        await Expect(ada.Page.Locator(".result")).ToContainTextAsync($"Created version 1, in force from {from.ToString("ddd yyyy-MM-dd", CultureInfo.InvariantCulture)}.");
        var row = ada.Page.Locator(".agreements tr[data-version='1']");
        await Expect(row).ToContainTextAsync("1500.00 USD");
        await Expect(row.Locator("li[data-work-type=BusinessHours]")).ToHaveTextAsync("business hours: 120.00 USD / 180.00 USD");
        // No after-hours rate of its own: 200.50 x 1.5, as billing rates it.
        await Expect(row.Locator("li[data-work-type=Emergency]")).ToHaveTextAsync("emergency: 200.50 USD / 300.75 USD (×1.5)");
        await Expect(row.Locator("th")).ToHaveTextAsync("1 (in force today)");
        // The next version starts from these terms.
        await Expect(ada.Page.GetByLabel("Rate line 2 business hours rate")).ToHaveValueAsync("200.50");

        var stored = Assert.Single(await AgreementsAsync(id));
        Assert.Equal(1500m, stored.GetProperty("monthlyFee").GetDecimal());
        var rates = stored.GetProperty("rates").EnumerateArray().ToDictionary(r => r.GetProperty("workType").GetString()!);
        Assert.Equal(120m, rates["BusinessHours"].GetProperty("businessHours").GetDecimal());
        Assert.Equal(180m, rates["BusinessHours"].GetProperty("afterHours").GetDecimal());
        Assert.Equal(JsonValueKind.Null, rates["Emergency"].GetProperty("afterHours").ValueKind);
        await ada.CheckScreenAsync("admin-agreements");
        Assert.True(ada.Errors.Count == 0, string.Join("\n", ada.Errors) + "\n" + system.App("console").Output);
    }

    [Fact]
    public async Task Staff_who_are_not_admins_get_403_from_the_clients_and_agreements_pages()
    {
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false }) { BaseAddress = system.App("gateway").Url };
        foreach (var (role, expected) in new[] { (Roles.Technician, HttpStatusCode.Forbidden), (Roles.Dispatcher, HttpStatusCode.Forbidden), (Roles.Admin, HttpStatusCode.OK) })
        foreach (var path in new[] { "/console/admin/clients", "/console/admin/agreements" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
            request.Headers.Authorization = new("Bearer", TestAuth.Token(role, subject: role));
            using var response = await http.SendAsync(request);
            Assert.True(expected == response.StatusCode, $"{role} {path}: {response.StatusCode}");
        }
    }

    private async Task<StaffBrowser> SignedInAdminAsync()
    {
        var ada = await StaffBrowser.OpenAsync(chromium, system);
        await ada.SignInAsStaffAsync(RunningSystem.AdminEmail, RunningSystem.DemoPassword);
        await ada.Page.GetByRole(AriaRole.Navigation, new() { Name = "Screens" }).GetByRole(AriaRole.Link, new() { Name = "Admin" }).ClickAsync();
        await Expect(ada.Page.GetByRole(AriaRole.Heading, new() { Name = "Admin", Level = 1 })).ToBeVisibleAsync();
        return ada;
    }

    private HttpClient Admin() => system.Client(TestAuth.Token(Roles.Admin, subject: "ada"));

    private async Task<JsonElement[]> ClientsAsync()
    {
        using var admin = Admin();
        return [.. (await admin.GetFromJsonAsync<JsonElement>(new Uri("/api/clients", UriKind.Relative))).EnumerateArray()];
    }

    private async Task<JsonElement> ClientAsync(Guid id)
    {
        using var admin = Admin();
        return await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/clients/{id}", UriKind.Relative));
    }

    private async Task<JsonElement[]> AgreementsAsync(Guid clientId)
    {
        using var admin = Admin();
        return [.. (await admin.GetFromJsonAsync<JsonElement>(new Uri($"/api/billing/agreements?clientId={clientId}", UriKind.Relative))).EnumerateArray()];
    }
}
