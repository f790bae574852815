using System.Net;
using System.Net.Http.Json;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>
/// What the client portal asks of tickets (issue 14): a contact's own tickets, a client admin's company's, newest first;
/// and the one change a client makes, closing or reopening a resolved ticket.
/// </summary>
[Collection(TicketsCollection.Name)]
public sealed class PortalViewTests(TicketsFixture tickets)
{
    private async Task<(Guid Client, Guid Ann, Guid Bob)> ClientWithTwoContactsAsync()
    {
        var created = await tickets.Dispatcher().PostAsync("/api/clients", new { name = $"Portal Dental {Guid.NewGuid():N}", tier = "standard" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var client = (await created.ReadAsync<ClientView>()).Id;
        foreach (var (name, email) in new[] { ("Ann Lee", "ann@portal-dental.example"), ("Bob Cho", "bob@portal-dental.example") })
            Assert.Equal(HttpStatusCode.Created, (await tickets.Technician().PostAsync($"/api/clients/{client}/contacts", new { name, emails = new[] { email } })).StatusCode);
        var contacts = (await tickets.Technician().GetFromJsonAsync<ClientView>(new Uri($"/api/clients/{client}", UriKind.Relative), TicketsFixture.Json))!.Contacts;
        return (client, contacts.Single(c => c.Name == "Ann Lee").Id, contacts.Single(c => c.Name == "Bob Cho").Id);
    }

    /// <summary>A ticket opened from <paramref name="email"/> as intake would (the address as the sender typed it).</summary>
    private async Task<Guid> OpenAsync(Guid client, string email, DateTimeOffset at)
    {
        var request = TicketsFixture.Request(client, null, $"From {email} {Guid.NewGuid():N}", "Help.") with { ContactEmail = email, ReceivedAt = at };
        await tickets.PublishAsync(request);
        await Eventually.TrueAsync(async () => (await tickets.Technician().GetAsync($"/api/tickets/{request.RequestId}")).IsSuccessStatusCode, "the ticket to open");
        return request.RequestId;
    }

    private HttpClient Contact(Guid client, Guid contact, string role = Roles.ClientUser) =>
        tickets.App.CreateClient().As(TestAuth.Token(role, client, "ann", contact));

    [Fact]
    public async Task A_contact_lists_only_tickets_opened_as_them_newest_first_and_a_client_admin_the_whole_company()
    {
        var (client, ann, _) = await ClientWithTwoContactsAsync();
        var now = tickets.Clock.Now;
        var annOld = await OpenAsync(client, "ann@portal-dental.example", now.AddHours(-3));
        var bobs = await OpenAsync(client, "bob@portal-dental.example", now.AddHours(-2));
        var annNew = await OpenAsync(client, "Ann@Portal-Dental.example", now.AddHours(-1)); // an address is matched whatever its case

        var asAnn = Contact(client, ann);
        var page = await (await asAnn.GetAsync("/api/tickets?order=newest&status=any")).ReadAsync<QueuePage>();
        Assert.Equal([annNew, annOld], page.Items.Select(i => i.Id));
        Assert.Equal("starting", page.Items[0].SlaState);
        Assert.Equal(HttpStatusCode.NotFound, (await asAnn.GetAsync($"/api/tickets/{bobs}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await asAnn.GetAsync($"/api/tickets/{bobs}/conversation")).StatusCode);

        var admin = Contact(client, ann, Roles.ClientAdmin);
        var all = await (await admin.GetAsync("/api/tickets?order=newest&status=any&limit=2")).ReadAsync<QueuePage>();
        var rest = await (await admin.GetAsync($"/api/tickets?order=newest&status=any&limit=2&after={all.Next}")).ReadAsync<QueuePage>();
        Assert.Equal([annNew, bobs, annOld], all.Items.Concat(rest.Items).Select(i => i.Id));
        // A cursor of the other order is refused, not misread.
        await (await admin.GetAsync($"/api/tickets?status=any&after={all.Next}")).AssertInvalidAsync("after");
    }

    [Fact]
    public async Task A_client_closes_or_reopens_only_a_resolved_ticket_and_changes_nothing_else()
    {
        var (client, ann, _) = await ClientWithTwoContactsAsync();
        var ticket = await tickets.GetTicketAsync(await OpenAsync(client, "ann@portal-dental.example", tickets.Clock.Now));
        var asAnn = Contact(client, ann);

        await (await asAnn.PostAsync($"/api/tickets/{ticket.Id}/status", new { to = "InProgress", version = ticket.Version })).AssertInvalidAsync("to");
        Assert.Equal(HttpStatusCode.Conflict, (await asAnn.PostAsync($"/api/tickets/{ticket.Id}/status", new { to = "Closed", version = ticket.Version })).StatusCode);
        Assert.Equal("New", (await tickets.GetTicketAsync(ticket.Id)).Status.ToString());

        ticket = await tickets.MoveAsync(ticket, "Resolved");
        var reopened = await asAnn.PostAsync($"/api/tickets/{ticket.Id}/status", new { to = "Reopened", version = ticket.Version });
        Assert.Equal(HttpStatusCode.OK, reopened.StatusCode);
        ticket = await tickets.MoveAsync(await reopened.ReadAsync<TicketView>(), "Resolved");
        var closed = await asAnn.PostAsync($"/api/tickets/{ticket.Id}/status", new { to = "Closed", version = ticket.Version });
        Assert.Equal(HttpStatusCode.OK, closed.StatusCode);

        Assert.Equal("Closed", (await tickets.GetTicketAsync(ticket.Id)).Status.ToString());
        var changes = (await tickets.AuditAsync(ticket.Id)).Where(a => a.Action == "status-changed").Select(a => a.Actor).ToArray();
        Assert.Equal(["tess", "ann", "tess", "ann"], changes);
        await tickets.EventuallyPublishedAsync("TicketStatusChanged", ticket.Id, count: 4);
    }
}
