using System.Net.Http.Json;
using System.Net;
using System.Text.Json;
using Billing.Contracts;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Testing;
using Sla.Contracts;
using Tickets.Api.Endpoints;

namespace Tickets.Tests;

/// <summary>
/// The night emergency after the page (DOMAIN.md "After hours", docs/adr/0039): on-call walks the call-down list, records
/// the client's approval with the terms quoted from the agreement, and only then is after-hours work dispatched.
/// </summary>
[Collection(TicketsCollection.Name)]
public sealed class AfterHoursTests(TicketsFixture tickets)
{
    private readonly HttpClient _tech = tickets.Technician("olga");

    private sealed record Client(Guid Id, ClientContactView First, ClientContactView Second, ClientContactView NotListed);

    /// <summary>A client whose business hours are closed now (open one hour a day, hours away) or open around the clock.</summary>
    private async Task<Client> ClientAsync(bool openNow = false)
    {
        var calendar = Guid.NewGuid();
        var opens = (tickets.Clock.Now.UtcDateTime.Hour + 6) % 24;
        await tickets.CalendarAsync(openNow
            ? TicketsFixture.AlwaysOpen(calendar)
            : TicketsFixture.Calendar(calendar, Enum.GetValues<DayOfWeek>().Select(d =>
                new CalendarRevisedDay(d, [new CalendarRevisedRange(new(opens, 0), new((opens + 1) % 24, 0))]))));
        var unique = Guid.NewGuid().ToString("N")[..8];
        var client = await (await tickets.Dispatcher().PostAsync("/api/clients",
            new { name = $"Harbor Dental {unique}", tier = "premium", calendarId = calendar.ToString() })).ReadAsync<ClientView>();
        async Task<ClientContactView> ContactAsync(string name, int n)
        {
            var view = await (await _tech.PostAsync($"/api/clients/{client.Id}/contacts", new
            {
                name, emails = new[] { $"{name.ToLowerInvariant()}.{unique}@harbor.example" }, phones = new[] { $"+1555{n}{Random.Shared.Next(100000, 999999)}" },
            })).ReadAsync<ClientView>();
            return view.Contacts.Single(c => c.Name == name);
        }
        var (first, second, other) = (await ContactAsync("Dana", 1), await ContactAsync("Sam", 2), await ContactAsync("Lee", 3));
        var listed = await _tech.PutAsync($"/api/clients/{client.Id}/call-down-list", new { contactIds = new[] { first.Id, second.Id } });
        Assert.Equal(HttpStatusCode.OK, listed.StatusCode);
        return new Client(client.Id, first, second, other);
    }

    private async Task AgreeAsync(Guid client, int version = 1, string from = "2026-01-01", decimal afterHours = 180m, bool preAuthorised = false,
        decimal? preAuthorisedHours = null)
    {
        await tickets.PublishAsync(new AgreementTermsChanged(client, version, DateOnly.Parse(from, System.Globalization.CultureInfo.InvariantCulture), null, "USD",
            [new AgreementRate("BusinessHours", 100m, 150m), new AgreementRate("AfterHours", 120m, afterHours), new AgreementRate("Emergency", 150m, afterHours + 60m)],
            250m, ApprovalRequired: true, preAuthorised, preAuthorisedHours, DateTimeOffset.UtcNow));
        await Eventually.TrueAsync(() => tickets.WithDbAsync(db => db.AgreementTerms.AnyAsync(t => t.ClientId == client && t.Version == version)),
            $"agreement {client} v{version}");
    }

    private Task<HttpResponseMessage> CallAsync(Guid ticket, ClientContactView contact, string outcome, string? number = null) =>
        _tech.PostAsync($"/api/tickets/{ticket}/call-down/attempts", new { contactId = contact.Id, number = number ?? contact.Phones[0], outcome });

    private Task<HttpResponseMessage> ApproveAsync(Guid ticket, Guid approver, decimal? capHours = null) =>
        _tech.PostAsync($"/api/tickets/{ticket}/approvals",
            new { approverContactId = approver, method = "phone", capHours, onSiteRequired = false, sendConfirmation = true });

    private async Task<HttpResponseMessage> StartAsync(Guid ticket) =>
        await _tech.PostAsync($"/api/tickets/{ticket}/status", new { to = "InProgress", version = (await tickets.GetTicketAsync(ticket)).Version });

    private Task<HttpResponseMessage> LogAsync(Guid ticket, int minutes, int hoursAgo = 2) =>
        _tech.PostAsync($"/api/tickets/{ticket}/time-entries",
            new { startedAt = tickets.Clock.Now.AddHours(-hoursAgo), minutes, workType = "Emergency" });

    private static async Task AssertRefusedAsync(HttpResponseMessage response, string says)
    {
        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        var problem = await response.ProblemAsync();
        Assert.Contains(says, problem.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.True(problem.TryGetProperty("businessHoursBegin", out _), $"{problem}");
    }

    [Fact]
    public async Task Walk_goes_down_the_list_in_order_until_someone_is_reached_and_then_takes_no_more_attempts()
    {
        var client = await ClientAsync();
        var ticket = await tickets.OpenTicketAsync(client.Id);

        var before = await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/call-down")).ReadAsync<CallDownView>();
        var voicemail = await CallAsync(ticket.Id, client.First, "voicemail");
        var walking = await voicemail.ReadAsync<CallDownView>();
        var reached = await (await CallAsync(ticket.Id, client.Second, "reached")).ReadAsync<CallDownView>();
        var after = await CallAsync(ticket.Id, client.First, "no-answer");

        Assert.Equal(("walking", client.First.Id), (before.State, before.Next?.ContactId));
        Assert.Equal([client.First.Id, client.Second.Id], before.List.Select(c => c.ContactId));
        Assert.Equal(HttpStatusCode.Created, voicemail.StatusCode);
        Assert.Equal(("walking", client.Second.Id), (walking.State, walking.Next?.ContactId));
        Assert.Equal(("reached", (Guid?)null), (reached.State, reached.Next?.ContactId));
        Assert.Equal([("voicemail", "olga"), ("reached", "olga")], reached.Attempts.Select(a => (a.Outcome, a.RecordedBy)));
        Assert.Equal(tickets.Clock.Now, reached.Attempts[0].At, TimeSpan.FromMilliseconds(1)); // PostgreSQL keeps microseconds
        Assert.Equal(HttpStatusCode.Conflict, after.StatusCode);
        Assert.Equal(2, await tickets.WithDbAsync(db => db.CallDownAttempts.CountAsync(a => a.TicketId == ticket.Id)));
        Assert.Equal(2, (await tickets.AuditAsync(ticket.Id)).Count(a => a.Action == "call-down-attempt"));
        Assert.Empty(await tickets.PublishedAsync("CallDownExhausted", ticket.Id));
        // The end of the walk, once, with every call for the client's summary.
        var summary = Assert.Single(await tickets.EventuallyPublishedAsync("CallDownReached", ticket.Id));
        Assert.Equal(("Sam", "dana@acme-dental.example"), (summary.GetProperty("reachedName").GetString(), summary.GetProperty("contactEmail").GetString()));
        Assert.Equal(["voicemail", "reached"], summary.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("outcome").GetString()));
        Assert.Equal(client.Second.Emails[0], summary.GetProperty("reachedEmail").GetString()); // asked in writing too
    }

    [Fact]
    public async Task Attempt_with_someone_not_on_this_clients_list_or_a_number_not_theirs_is_400_naming_the_field_and_nothing_is_stored()
    {
        var client = await ClientAsync();
        var stranger = await ClientAsync();
        var ticket = await tickets.OpenTicketAsync(client.Id);

        await (await CallAsync(ticket.Id, stranger.First, "reached")).AssertInvalidAsync("contactId");
        await (await CallAsync(ticket.Id, client.NotListed, "reached")).AssertInvalidAsync("contactId");
        await (await CallAsync(ticket.Id, client.First, "reached", number: client.Second.Phones[0])).AssertInvalidAsync("number");
        await (await CallAsync(ticket.Id, client.First, "hung-up")).AssertInvalidAsync("outcome");

        Assert.Equal(0, await tickets.WithDbAsync(db => db.CallDownAttempts.CountAsync(a => a.TicketId == ticket.Id)));
    }

    [Fact]
    public async Task Exhausted_list_is_published_once_and_audited_and_the_ticket_waits_for_business_hours()
    {
        var client = await ClientAsync();
        var ticket = await tickets.OpenTicketAsync(client.Id);

        await CallAsync(ticket.Id, client.First, "no-answer");
        var exhausted = await (await CallAsync(ticket.Id, client.Second, "voicemail")).ReadAsync<CallDownView>();
        var secondRound = await CallAsync(ticket.Id, client.First, "busy"); // a second round is allowed; the list was exhausted once

        Assert.Equal(("exhausted", (Guid?)null), (exhausted.State, exhausted.Next?.ContactId));
        Assert.Equal(HttpStatusCode.Created, secondRound.StatusCode);
        var published = Assert.Single(await tickets.EventuallyPublishedAsync("CallDownExhausted", ticket.Id));
        Assert.Equal((2, "dana@acme-dental.example"), (published.GetProperty("attempts").GetInt32(), published.GetProperty("contactEmail").GetString()));
        Assert.Equal(["no-answer", "voicemail"], published.GetProperty("calls").EnumerateArray().Select(c => c.GetProperty("outcome").GetString()));
        Assert.True(published.GetProperty("waitsUntil").GetDateTimeOffset() > tickets.Clock.Now);
        Assert.Single(await tickets.AuditAsync(ticket.Id), a => a.Action == "call-down-exhausted");
        Assert.Equal(1, await tickets.WithDbAsync(db => db.CallDownAttempts.CountAsync(a => a.TicketId == ticket.Id && a.ExhaustedList)));
        await AssertRefusedAsync(await StartAsync(ticket.Id), "not approved");
        Assert.Single(await tickets.PublishedAsync("CallDownExhausted", ticket.Id));
    }

    [Fact]
    public async Task Approval_is_an_immutable_record_with_the_rate_quoted_from_the_agreement_in_force_and_is_published()
    {
        var client = await ClientAsync();
        var ticket = await tickets.OpenTicketAsync(client.Id);
        // Out of order: the later version arrives first; the one in force today (the highest covering it) is quoted.
        await AgreeAsync(client.Id, version: 2, from: "2026-06-01", afterHours: 210m);
        await AgreeAsync(client.Id, version: 1, from: "2026-01-01", afterHours: 180m);

        var response = await ApproveAsync(ticket.Id, client.Second.Id, capHours: 3m);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var approval = await response.ReadAsync<ApprovalView>();
        Assert.Equal((210m, 0m, "USD", 2, true, "olga", 3m), (approval.QuotedRate, approval.QuotedMinimum, approval.Currency, approval.AgreementVersion,
            approval.ApproverAuthorised, approval.RecordedBy, approval.CapHours));
        var listed = Assert.Single(await (await _tech.GetAsync($"/api/tickets/{ticket.Id}/approvals")).ReadAsync<ApprovalView[]>());
        Assert.Equal(approval, listed with { At = approval.At });
        var published = Assert.Single(await tickets.EventuallyPublishedAsync("AfterHoursWorkApproved", ticket.Id));
        Assert.Equal((approval.Id, 210m, 2, "Sam", true), (published.GetProperty("approvalId").GetGuid(), decimal.Parse(published.GetProperty("quotedRate").GetString()!, System.Globalization.CultureInfo.InvariantCulture) /* MassTransit writes decimals as strings */,
            published.GetProperty("agreementVersion").GetInt32(), published.GetProperty("approverName").GetString(),
            published.GetProperty("sendConfirmation").GetBoolean()));
        Assert.Single(await tickets.AuditAsync(ticket.Id), a => a.Action == "after-hours-approved");
        // Immutable: no route changes or removes it.
        Assert.Equal(HttpStatusCode.MethodNotAllowed, (await _tech.PutAsync($"/api/tickets/{ticket.Id}/approvals", new { })).StatusCode);
    }

    [Fact]
    public async Task Approval_by_another_clients_contact_is_400_naming_the_approver_and_nothing_is_stored_or_published()
    {
        var client = await ClientAsync();
        var stranger = await ClientAsync();
        var ticket = await tickets.OpenTicketAsync(client.Id);

        await (await ApproveAsync(ticket.Id, stranger.First.Id)).AssertInvalidAsync("approverContactId");
        await (await _tech.PostAsync($"/api/tickets/{ticket.Id}/approvals", new { approverContactId = client.First.Id, method = "pigeon" }))
            .AssertInvalidAsync("method");

        Assert.Equal(0, await tickets.WithDbAsync(db => db.Approvals.CountAsync(a => a.TicketId == ticket.Id)));
        Assert.Empty(await tickets.PublishedAsync("AfterHoursWorkApproved", ticket.Id));
        await AssertRefusedAsync(await StartAsync(ticket.Id), "not approved");
    }

    [Fact]
    public async Task An_approval_retried_with_its_idempotency_key_is_recorded_and_published_once_and_the_key_reused_for_other_terms_is_422()
    {
        var client = await ClientAsync();
        var ticket = await tickets.OpenTicketAsync(client.Id);
        Task<HttpResponseMessage> PostAsync(string key, decimal? capHours) => _tech.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/tickets/{ticket.Id}/approvals")
        {
            Content = JsonContent.Create(new { approverContactId = client.Second.Id, method = "phone", capHours, onSiteRequired = false, sendConfirmation = false }),
            Headers = { { "Idempotency-Key", key } },
        });

        var key = Guid.NewGuid().ToString("N");
        var responses = await Task.WhenAll(PostAsync(key, 2m), PostAsync(key, 2m)); // a double tap: both at once
        var again = await PostAsync(key, 2m); // the answer was lost: the client retries
        var reused = await PostAsync(key, 5m);

        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.Created], responses.Select(r => r.StatusCode).Order()); // one recorded it, one found it
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var views = await Task.WhenAll(responses.Append(again).Select(r => r.ReadAsync<ApprovalView>()));
        Assert.Single(views.Select(v => v.Id).Distinct());
        Assert.Equal(HttpStatusCode.UnprocessableEntity, reused.StatusCode);
        Assert.True((await reused.ProblemAsync()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
        Assert.Equal(1, await tickets.WithDbAsync(db => db.Approvals.CountAsync(a => a.TicketId == ticket.Id)));
        Assert.Single(await tickets.EventuallyPublishedAsync("AfterHoursWorkApproved", ticket.Id));
        Assert.Single(await tickets.AuditAsync(ticket.Id), a => a.Action == "after-hours-approved");
        await (await _tech.SendAsync(new HttpRequestMessage(HttpMethod.Post, $"/api/tickets/{ticket.Id}/approvals")
        {
            Content = JsonContent.Create(new { approverContactId = client.Second.Id, method = "phone", onSiteRequired = false, sendConfirmation = false }),
            Headers = { { "Idempotency-Key", "two words" } },
        })).AssertInvalidAsync("Idempotency-Key");
    }

    [Fact]
    public async Task After_hours_the_ticket_moves_to_in_progress_and_takes_time_only_once_approved()
    {
        var client = await ClientAsync();
        var ticket = await tickets.OpenTicketAsync(client.Id);
        await AgreeAsync(client.Id);

        await AssertRefusedAsync(await StartAsync(ticket.Id), "not approved");
        await AssertRefusedAsync(await LogAsync(ticket.Id, 30), "not approved");
        Assert.Equal(0, await tickets.WithDbAsync(db => db.TimeEntries.CountAsync(e => e.TicketId == ticket.Id)));

        await CallAsync(ticket.Id, client.First, "reached");
        Assert.Equal(HttpStatusCode.Created, (await ApproveAsync(ticket.Id, client.First.Id, capHours: 1m)).StatusCode);

        Assert.Equal(HttpStatusCode.OK, (await StartAsync(ticket.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await LogAsync(ticket.Id, 45)).StatusCode);
        Assert.False(Assert.Single(await tickets.EventuallyPublishedAsync("TimeEntryRecorded", ticket.Id)).GetProperty("preAuthorised").GetBoolean());
        // The cap is one hour: 45 minutes are recorded, 30 more would pass it.
        await AssertRefusedAsync(await LogAsync(ticket.Id, 30, hoursAgo: 1), "used up");
    }

    [Fact]
    public async Task Pre_authorised_P1_work_goes_through_up_to_the_agreements_hours_without_an_approval()
    {
        var client = await ClientAsync();
        var ticket = await tickets.OpenTicketAsync(client.Id);
        await AgreeAsync(client.Id, preAuthorisedHours: 2m);
        var p2 = await StartAsync(ticket.Id); // pre-authorisation is for P1s only
        var triaged = await _tech.PostAsync($"/api/tickets/{ticket.Id}/priority",
            new { priority = "P1", reason = "Practice cannot see patients", version = (await tickets.GetTicketAsync(ticket.Id)).Version });

        await AssertRefusedAsync(p2, "not approved");
        Assert.Equal(HttpStatusCode.OK, triaged.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await StartAsync(ticket.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await LogAsync(ticket.Id, 90)).StatusCode);
        await AssertRefusedAsync(await LogAsync(ticket.Id, 60, hoursAgo: 1), "used up");
        // billing is told the pre-authorisation let it through, so it rates the time as approved, not awaiting approval.
        var recorded = Assert.Single(await tickets.EventuallyPublishedAsync("TimeEntryRecorded", ticket.Id));
        Assert.True(recorded.GetProperty("preAuthorised").GetBoolean());
    }

    [Fact]
    public async Task Business_hours_work_needs_no_approval()
    {
        var client = await ClientAsync(openNow: true);
        var ticket = await tickets.OpenTicketAsync(client.Id);

        Assert.Equal(HttpStatusCode.OK, (await StartAsync(ticket.Id)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await LogAsync(ticket.Id, 60)).StatusCode);
    }
}
