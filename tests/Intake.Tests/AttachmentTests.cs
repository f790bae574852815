using System.Net;
using System.Net.Http.Json;
using Intake.Api.Endpoints;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Tickets.Contracts;
using Xunit;

namespace Intake.Tests;

/// <summary>A request's files, served to staff and to its own client only, and always as a download.</summary>
public sealed class AttachmentTests(IntakeFixture intake) : IClassFixture<IntakeFixture>
{
    [Fact]
    public async Task Staff_and_the_requests_own_client_download_an_attachment_as_a_file_and_no_one_else_sees_it()
    {
        var client = Guid.NewGuid();
        var email = $"ann.{client:N}@harbor-clinic.example";
        await intake.DirectoryAsync(client, 1, true, new ContactSnapshot(Guid.NewGuid(), "Ann Lee", [email], [], 1));
        var outcome = await (await intake.PostEmailAsync($"""
            From: {email}
            To: support@msp.example
            Subject: Broken page
            Message-ID: <{Guid.NewGuid():N}@harbor-clinic.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/plain

            The page looks like the attached.
            --b1
            Content-Type: text/html; name="page.html"
            Content-Disposition: attachment; filename="page.html"

            <script>alert(1)</script>
            --b1--
            """)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var requestId = outcome.GetProperty("resultId").GetGuid();
        using var staff = intake.Staff();
        using var own = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, client, "ann"));
        using var other = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, Guid.NewGuid(), "eve"));

        var listed = Assert.Single((await staff.GetFromJsonAsync<AttachmentView[]>($"/api/requests/{requestId}/attachments"))!);
        Assert.Equal(("page.html", "text/html"), (listed.FileName, listed.ContentType));
        using var download = await own.GetAsync($"/api/requests/{requestId}/attachments/{listed.Id}");

        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("<script>alert(1)</script>", (await download.Content.ReadAsStringAsync()).Trim());
        Assert.Equal("attachment", download.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal("page.html", download.Content.Headers.ContentDisposition?.FileName);
        Assert.Equal("nosniff", download.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Equal("sandbox", download.Headers.GetValues("Content-Security-Policy").Single());

        // Another client learns nothing, not even that the request exists; a wrong pairing is as unknown.
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/requests/{requestId}/attachments")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync($"/api/requests/{requestId}/attachments/{listed.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await staff.GetAsync($"/api/requests/{Guid.NewGuid()}/attachments/{listed.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await intake.App.CreateClient().GetAsync($"/api/requests/{requestId}/attachments")).StatusCode);
    }

    [Fact]
    public async Task A_client_user_sees_only_the_files_of_requests_sent_as_their_contact_and_a_client_admin_the_companys()
    {
        var client = Guid.NewGuid();
        var (ann, ben) = (Guid.NewGuid(), Guid.NewGuid());
        var email = $"ann.{client:N}@harbor-clinic.example";
        await intake.DirectoryAsync(client, 1, true, new ContactSnapshot(ann, "Ann Lee", [email], [], 1),
            new ContactSnapshot(ben, "Ben Ode", [$"ben.{client:N}@harbor-clinic.example"], [], 2));
        var outcome = await (await intake.PostEmailAsync($"""
            From: {email.ToUpperInvariant()}
            To: support@msp.example
            Subject: Scanner
            Message-ID: <{Guid.NewGuid():N}@harbor-clinic.example>
            MIME-Version: 1.0
            Content-Type: multipart/mixed; boundary="b1"

            --b1
            Content-Type: text/plain

            The scanner log is attached.
            --b1
            Content-Type: text/plain; name="scan.log"
            Content-Disposition: attachment; filename="scan.log"

            paper jam
            --b1--
            """)).Content.ReadFromJsonAsync<System.Text.Json.JsonElement>();
        var requestId = outcome.GetProperty("resultId").GetGuid();
        using var own = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, client, "ann", ann));
        using var coworker = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, client, "ben", ben));
        using var admin = intake.App.CreateClient().As(TestAuth.Token(Roles.ClientAdmin, client, "ben", ben));

        var listed = Assert.Single((await own.GetFromJsonAsync<AttachmentView[]>($"/api/requests/{requestId}/attachments"))!);
        Assert.Equal(HttpStatusCode.OK, (await own.GetAsync($"/api/requests/{requestId}/attachments/{listed.Id}")).StatusCode);
        // A coworker who learns the id gets what another client gets: nothing, not even that the request exists.
        Assert.Equal(HttpStatusCode.NotFound, (await coworker.GetAsync($"/api/requests/{requestId}/attachments")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await coworker.GetAsync($"/api/requests/{requestId}/attachments/{listed.Id}")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync($"/api/requests/{requestId}/attachments/{listed.Id}")).StatusCode);
    }
}
