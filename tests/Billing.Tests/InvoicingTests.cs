using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Billing.Contracts;
using MassTransit;
using Sla.Contracts;
using ServiceDesk.Platform;
using ServiceDesk.Testing;
using Tickets.Contracts;

namespace Billing.Tests;

/// <summary>
/// Agreements, rating on the client's calendar (learnt from sla's and tickets' messages), approvals, invoices and
/// every entry's billing state, against real PostgreSQL and RabbitMQ.
/// </summary>
[Collection(BillingCollection.Name)]
public sealed class InvoicingTests(BillingFixture billing)
{
    private static readonly TimeSpan NewYork = TimeSpan.FromHours(-5); // November, after the clocks went back

    /// <summary>Monday 2026-11-23, 16:30 in New York: 30 minutes before the 17:00 close.</summary>
    private static readonly DateTimeOffset LateMonday = new(2026, 11, 23, 16, 30, 0, NewYork);

    [Fact]
    public async Task Time_is_split_on_the_calendar_sla_announced_and_an_older_revision_arriving_late_changes_nothing()
    {
        var calendar = Guid.NewGuid();
        await ConsumeAsync(Calendar(calendar, revision: 2, closes: new(17, 0)));
        await ConsumeAsync(Calendar(calendar, revision: 1, closes: new(18, 0))); // late and older: ignored
        var client = await ClientAsync(calendar);
        await AgreeAsync(client, preAuthorised: true);

        var entry = await RecordAsync(client, LateMonday, 90);

        var rated = await EntryAsync(client, entry);
        Assert.Equal("Billable", rated.GetProperty("state").GetString());
        Assert.Equal([("BusinessHours", 30, 50.00m), ("AfterHours", 60, 150.00m)], Parts(rated).Select(p => (p.Hours, p.Raw, p.Amount)));
    }

    [Fact]
    public async Task Bad_agreements_are_refused_with_the_field_named()
    {
        using var http = billing.Clerk();
        var client = Guid.NewGuid();
        var response = await http.PostAsJsonAsync("/api/billing/agreements", new
        {
            clientId = client, effectiveFrom = "2026-11-01", currency = "XYZ", monthlyFee = -1m, roundingIncrementMinutes = 7,
            rates = new[] { new { workType = "BusinessHours", businessHours = -100m } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var errors = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Equal(["currency", "monthlyFee", "rates[0].businessHours", "roundingIncrementMinutes"],
            errors.EnumerateObject().Select(e => e.Name).Order(StringComparer.Ordinal));

        await AgreeAsync(client, from: "2026-11-01", to: "2026-11-30");
        var overlapping = await http.PostAsJsonAsync("/api/billing/agreements", Agreement(client, from: "2026-11-15"));
        Assert.Equal(HttpStatusCode.BadRequest, overlapping.StatusCode);
        var overlap = (await overlapping.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors");
        Assert.Contains("Overlaps version 1", overlap.GetProperty("effectiveFrom")[0].GetString(), StringComparison.Ordinal);
        // The day after the fixed-term version ends is free.
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/billing/agreements", Agreement(client, from: "2026-12-01"))).StatusCode);
    }

    [Fact]
    public async Task After_hours_work_awaits_approval_and_is_billed_once_approved_at_the_quoted_rate_whatever_arrives_twice()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client);
        var ticket = Guid.NewGuid();
        var entry = await RecordAsync(client, LateMonday, 90, ticket);
        Assert.Equal("AwaitingApproval", (await EntryAsync(client, entry)).GetProperty("state").GetString());

        var approved = new AfterHoursWorkApproved(Guid.NewGuid(), ticket, client, Guid.NewGuid(), "Dana Reyes", "phone", 220m, "USD",
            LateMonday.AddMinutes(25), "oscar");
        var first = await billing.ConsumedAsync(await billing.PublishAsync(approved));
        await billing.PublishAsync(approved, first.MessageId); // redelivered
        await billing.RedeliveredAsync(first);
        await ConsumeAsync(approved);                          // republished with a new MessageId

        var rated = await EntryAsync(client, entry);
        Assert.Equal("Billable", rated.GetProperty("state").GetString());
        Assert.Equal([("BusinessHours", 100m, 50.00m), ("AfterHours", 220m, 220.00m)], Parts(rated).Select(p => (p.Hours, p.Rate, p.Amount)));
    }

    [Fact]
    public async Task Staff_read_the_billing_state_of_a_tickets_time_and_the_age_of_unbilled_time_but_nothing_else_of_billing()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client);
        using var technician = billing.App.CreateClient().As(TestAuth.Token(Roles.Technician, subject: "tess"));
        var ageing = await technician.GetFromJsonAsync<JsonElement>("/api/billing/reports/unbilled-ageing");
        var ticket = Guid.NewGuid();
        var entry = await RecordAsync(client, LateMonday, 90, ticket);

        var waiting = await technician.GetFromJsonAsync<JsonElement>($"/api/billing/tickets/{ticket}/time-states");
        var only = Assert.Single(waiting.GetProperty("entries").EnumerateArray());
        Assert.Equal((entry, "AwaitingApproval", 90), (only.GetProperty("timeEntryId").GetGuid(), only.GetProperty("state").GetString(),
            only.GetProperty("minutes").GetInt32()));

        // The entry is in the bucket of its age, with its minutes, and counted as awaiting approval.
        var days = (int)(DateTimeOffset.UtcNow - LateMonday).TotalDays;
        JsonElement Bucket(JsonElement report) => report.GetProperty("buckets").EnumerateArray().Single(b =>
            days >= b.GetProperty("fromDays").GetInt32() && (b.GetProperty("toDays").ValueKind == JsonValueKind.Null || days < b.GetProperty("toDays").GetInt32()));
        var before = Bucket(ageing);
        var after = Bucket(await technician.GetFromJsonAsync<JsonElement>("/api/billing/reports/unbilled-ageing"));
        Assert.Equal((1, 90, 1), (after.GetProperty("entries").GetInt32() - before.GetProperty("entries").GetInt32(),
            after.GetProperty("minutes").GetInt32() - before.GetProperty("minutes").GetInt32(),
            after.GetProperty("awaitingApproval").GetInt32() - before.GetProperty("awaitingApproval").GetInt32()));

        await ConsumeAsync(new AfterHoursWorkApproved(Guid.NewGuid(), ticket, client, Guid.NewGuid(), "Dana Reyes", "phone", 220m, "USD",
            LateMonday.AddMinutes(25), "oscar"));
        var approved = await technician.GetFromJsonAsync<JsonElement>($"/api/billing/tickets/{ticket}/time-states");
        var rated = Assert.Single(approved.GetProperty("entries").EnumerateArray());
        Assert.Equal(("Billable", 270.00m, 270.00m, "USD"), (rated.GetProperty("state").GetString(), rated.GetProperty("amount").GetDecimal(),
            approved.GetProperty("total").GetDecimal(), approved.GetProperty("currency").GetString()));
        Assert.Empty((await technician.GetFromJsonAsync<JsonElement>($"/api/billing/tickets/{Guid.NewGuid()}/time-states")).GetProperty("entries").EnumerateArray());

        // The rest of billing stays the billing role's; a client reads none of it.
        Assert.Equal(HttpStatusCode.Forbidden, (await technician.GetAsync(new Uri($"/api/billing/clients/{client}/time-entries", UriKind.Relative))).StatusCode);
        using var dana = billing.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, client, "dana"));
        Assert.Equal(HttpStatusCode.Forbidden, (await dana.GetAsync(new Uri($"/api/billing/tickets/{ticket}/time-states", UriKind.Relative))).StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await dana.GetAsync(new Uri("/api/billing/reports/unbilled-ageing", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Finalising_numbers_the_invoice_marks_its_entries_invoiced_and_freezes_it()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client, preAuthorised: true, monthlyFee: 500m);
        var entry = await RecordAsync(client, LateMonday, 90);
        using var http = billing.Clerk();

        var draft = await DraftAsync(http, client);
        Assert.Equal(("Draft", JsonValueKind.Null, 700.00m), (draft.GetProperty("status").GetString(), draft.GetProperty("number").ValueKind,
            draft.GetProperty("total").GetDecimal()));
        var invoice = await FinaliseAsync(http, draft);
        Assert.Matches("^INV-[0-9]{6}$", invoice.GetProperty("number").GetString());
        Assert.Equal(["MonthlyFee", "Time", "Time"], invoice.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("kind").GetString()));
        Assert.Equal("Invoiced", (await EntryAsync(client, entry)).GetProperty("state").GetString());

        var id = invoice.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsync(new Uri($"/api/billing/invoices/{id}/finalise", UriKind.Relative), null)).StatusCode);
        Assert.Equal(HttpStatusCode.Conflict, (await http.PutAsJsonAsync($"/api/billing/time-entries/{entry}/disposition",
            new { disposition = "written-off", reason = "goodwill" })).StatusCode);

        var html = await http.GetStringAsync(new Uri($"/api/billing/invoices/{id}/html", UriKind.Relative));
        Assert.Contains($"<h1>Invoice {invoice.GetProperty("number").GetString()}</h1>", html, StringComparison.Ordinal);
        Assert.Contains("<th class=\"n\">700.00</th>", html, StringComparison.Ordinal);

        var csv = await http.GetStringAsync(new Uri($"/api/billing/invoices/{id}/csv", UriKind.Relative));
        var rows = csv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, rows.Length); // header + one per line
        Assert.StartsWith("number,kind,status,client_id,period,currency,line", rows[0], StringComparison.Ordinal);
        var afterHours = rows[3].Split(',');
        Assert.Equal(["Time", "BusinessHours", "AfterHours", "2026-11-23", "60", "60", "150.00"],
            [afterHours[7], afterHours[11], afterHours[12], afterHours[13], afterHours[14], afterHours[15], afterHours[17]]);
    }

    [Fact]
    public async Task The_pdf_invoice_opens_and_shows_the_number_client_lines_rounding_fee_drawdown_and_total_as_the_html_does()
    {
        var client = await ClientAsync(await CalendarAsync(), name: "Łódź Dental Åsa & Co");
        using var http = billing.Clerk();
        var agreement = await http.PostAsJsonAsync("/api/billing/agreements", new
        {
            clientId = client, effectiveFrom = "2026-11-01", currency = "USD", monthlyFee = 500m, afterHoursMultiplier = 1.5m,
            rates = new[] { new { workType = "BusinessHours", businessHours = 100m } }, roundingIncrementMinutes = 15, afterHoursPreAuthorised = true,
        });
        Assert.Equal(HttpStatusCode.Created, agreement.StatusCode);
        await http.PostAsJsonAsync($"/api/billing/clients/{client}/blocks", new { hours = 0.5m, validFrom = "2026-11-01", expiresOn = "2026-11-30" });
        await RecordAsync(client, new DateTimeOffset(2026, 11, 23, 9, 0, 0, NewYork), 30);  // drawn from the block
        await RecordAsync(client, LateMonday, 70);                                            // 30 business + 40 after hours, rounded to 45
        var invoice = await FinaliseAsync(http, await DraftAsync(http, client));
        var number = invoice.GetProperty("number").GetString()!;

        var response = await http.GetAsync(new Uri($"/api/billing/invoices/{invoice.GetProperty("id").GetGuid()}/pdf", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/pdf", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal($"{number}.pdf", response.Content.Headers.ContentDisposition?.FileNameStar ?? response.Content.Headers.ContentDisposition?.FileName);
        var bytes = await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(bytes, 0, 5));
        var (pages, title, texts) = PdfText.Read(bytes);
        Assert.Equal((1, $"Invoice {number}"), (pages, title));
        Assert.Contains($"Invoice {number}", texts);
        Assert.Contains($"Łódź Dental Åsa & Co · period 2026-11 · USD", texts);
        Assert.Contains("Monthly fee 2026-11", texts);
        var all = string.Join(" ", texts); // a long description wraps over lines at its spaces
        Assert.Contains("BusinessHours (block hours expiring 2026-11-30)", all, StringComparison.Ordinal);
        Assert.Contains("AfterHours (rounded up to 15 min)", all, StringComparison.Ordinal);
        // Every amount the JSON shows is printed, and the total as the HTML prints it.
        foreach (var line in invoice.GetProperty("lines").EnumerateArray())
            Assert.Contains(line.GetProperty("amount").GetDecimal().ToString("F2", System.Globalization.CultureInfo.InvariantCulture), texts);
        // 500 fee + 30 min from the block at 0 + 30 min at 100 + 40 min after hours rounded to 45 at 150.
        Assert.Equal(662.50m, invoice.GetProperty("total").GetDecimal());
        var total = texts.IndexOf("Total");
        Assert.True(total >= 0, string.Join(" | ", texts));
        Assert.Contains("662.50", texts[total..]);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(new Uri($"/api/billing/invoices/{Guid.NewGuid()}/pdf", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Two_finalisations_at_once_take_consecutive_numbers_without_gap_or_duplicate()
    {
        using var http = billing.Clerk();
        var drafts = new List<JsonElement>();
        for (var i = 0; i < 2; i++)
        {
            var client = await ClientAsync(await CalendarAsync());
            await AgreeAsync(client, preAuthorised: true);
            await RecordAsync(client, LateMonday.AddHours(-3), 60);
            drafts.Add(await DraftAsync(http, client));
        }

        var finalised = await Task.WhenAll(drafts.Select(async d =>
        {
            using var own = billing.Clerk();
            return await FinaliseAsync(own, d);
        }));

        // tools/Reconcile agrees: every number handed out is on an invoice, every line has its entry and vice versa. (Its
        // per-entry checks see other tests' clients too, which may be mid-way: they have tests of their own.)
        var books = await Reconcile.Reconciliation.BillingAsync(billing.ConnectionString);
        Assert.True(books.MissingNumbers.Count + books.InvoicesWithLineWithoutEntry.Count + books.InvoicedEntriesNotOnTheirInvoice.Count == 0,
            JsonSerializer.Serialize(books));

        var numbers = finalised.Select(f => int.Parse(f.GetProperty("number").GetString()!["INV-".Length..], System.Globalization.CultureInfo.InvariantCulture))
            .Order().ToList();
        Assert.Equal(numbers[0] + 1, numbers[1]);
    }

    [Fact]
    public async Task A_credit_note_of_its_own_series_reopens_the_entries_it_credits()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client, preAuthorised: true);
        var entry = await RecordAsync(client, LateMonday.AddHours(-3), 60);
        using var http = billing.Clerk();
        var invoice = await FinaliseAsync(http, await DraftAsync(http, client));

        var response = await http.PostAsJsonAsync($"/api/billing/invoices/{invoice.GetProperty("id").GetGuid()}/credit", new { reason = "wrong rate" });
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        var note = await response.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Matches("^CN-[0-9]{6}$", note.GetProperty("number").GetString());
        Assert.Equal(-invoice.GetProperty("total").GetDecimal(), note.GetProperty("total").GetDecimal());
        Assert.Equal("Billable", (await EntryAsync(client, entry)).GetProperty("state").GetString());

        var redraft = await DraftAsync(http, client);
        Assert.Equal(entry, Assert.Single(redraft.GetProperty("lines").EnumerateArray()).GetProperty("timeEntryId").GetGuid());
        Assert.Equal(HttpStatusCode.Conflict, (await http.PostAsJsonAsync($"/api/billing/invoices/{invoice.GetProperty("id").GetGuid()}/credit",
            new { reason = "twice" })).StatusCode);
    }

    [Fact]
    public async Task A_period_cannot_close_while_an_entry_has_no_state_and_the_unbilled_report_lists_it_until_someone_decides()
    {
        var client = await ClientAsync(await CalendarAsync()); // no agreement: its work cannot be rated
        var entry = await RecordAsync(client, LateMonday.AddHours(-3), 45);
        using var http = billing.Clerk();

        var draft = await DraftAsync(http, client);
        var refused = await http.PostAsync(new Uri($"/api/billing/invoices/{draft.GetProperty("id").GetGuid()}/finalise", UriKind.Relative), null);
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);
        Assert.Contains(entry.ToString(), await refused.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);

        var unbilled = await http.GetFromJsonAsync<JsonElement>($"/api/billing/reports/unbilled?clientId={client}");
        var listed = Assert.Single(unbilled.EnumerateArray());
        Assert.Equal(("Unrated", true), (listed.GetProperty("state").GetString(),
            listed.GetProperty("reason").GetString()!.Contains("No agreement", StringComparison.Ordinal)));

        var missingReason = await http.PutAsJsonAsync($"/api/billing/time-entries/{entry}/disposition", new { disposition = "no-charge" });
        Assert.Equal(HttpStatusCode.BadRequest, missingReason.StatusCode);
        Assert.True((await missingReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").TryGetProperty("reason", out _));

        var decided = await http.PutAsJsonAsync($"/api/billing/time-entries/{entry}/disposition", new { disposition = "no-charge", reason = "warranty" });
        var body = await decided.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(("NoCharge", "warranty (bea)"), (body.GetProperty("state").GetString(), body.GetProperty("reason").GetString()));
        Assert.Empty((await http.GetFromJsonAsync<JsonElement>($"/api/billing/reports/unbilled?clientId={client}")).EnumerateArray());
    }

    [Fact]
    public async Task The_readme_example_month_invoices_as_described()
    {
        var client = await ClientAsync(await CalendarAsync());
        using var http = billing.Clerk();
        var agreement = await http.PostAsJsonAsync("/api/billing/agreements", new
        {
            clientId = client, effectiveFrom = "2026-11-01", currency = "USD", monthlyFee = 500m, afterHoursMultiplier = 1.5m,
            rates = new[] { new { workType = "BusinessHours", businessHours = 100m } }, roundingIncrementMinutes = 15,
        });
        Assert.Equal(HttpStatusCode.Created, agreement.StatusCode);
        var ticket = Guid.NewGuid();
        await RecordAsync(client, LateMonday, 90, ticket);
        await ConsumeAsync(new AfterHoursWorkApproved(Guid.NewGuid(), ticket, client, null, "Dana Reyes", "phone", 180m, "USD", LateMonday, "oscar"));
        await RecordAsync(client, new DateTimeOffset(2026, 11, 24, 10, 0, 0, NewYork), 20);
        var thanksgiving = await RecordAsync(client, new DateTimeOffset(2026, 11, 26, 10, 0, 0, NewYork), 60);

        var invoice = await FinaliseAsync(http, await DraftAsync(http, client));

        Assert.Equal([("MonthlyFee", 0, 0, 500.00m), ("Time", 30, 30, 50.00m), ("Time", 60, 60, 180.00m), ("Time", 20, 30, 50.00m)],
            invoice.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("kind").GetString(), l.GetProperty("rawMinutes").GetInt32(),
                l.GetProperty("billedMinutes").GetInt32(), l.GetProperty("amount").GetDecimal())));
        Assert.Equal(780.00m, invoice.GetProperty("total").GetDecimal());
        var waiting = Assert.Single((await http.GetFromJsonAsync<JsonElement>($"/api/billing/reports/unbilled?clientId={client}")).EnumerateArray());
        Assert.Equal((thanksgiving, "AwaitingApproval"), (waiting.GetProperty("timeEntryId").GetGuid(), waiting.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task A_quarterly_invoice_bills_a_fee_per_month_not_billed_yet_and_the_quarters_work_in_the_clients_zone()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client, from: "2026-10-01", preAuthorised: true, monthlyFee: 500m);
        var november = await RecordAsync(client, new DateTimeOffset(2026, 11, 23, 10, 0, 0, NewYork), 60);
        var lastNight = await RecordAsync(client, new DateTimeOffset(2026, 12, 31, 23, 30, 0, NewYork), 30); // after hours, still Q4
        var nextYear = await RecordAsync(client, new DateTimeOffset(2027, 1, 1, 0, 0, 0, NewYork), 30); // Q1, local midnight
        using var http = billing.Clerk();
        var monthly = await FinaliseAsync(http, await DraftAsync(http, client)); // November's fee and work, on their own invoice
        var october = await RecordAsync(client, new DateTimeOffset(2026, 10, 5, 10, 0, 0, TimeSpan.FromHours(-4)), 60); // recorded late; daylight time
        Assert.Equal([("MonthlyFee", null), ("Time", november)], monthly.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("kind").GetString(),
            l.GetProperty("timeEntryId").ValueKind == JsonValueKind.Null ? (Guid?)null : l.GetProperty("timeEntryId").GetGuid())));

        async Task<JsonElement> Quarter()
        {
            var response = await http.PostAsJsonAsync("/api/billing/invoices", new { clientId = client, period = "2026-Q4" });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return await response.Content.ReadFromJsonAsync<JsonElement>();
        }
        static List<(string?, Guid?, decimal)> Lines(JsonElement invoice) => [.. invoice.GetProperty("lines").EnumerateArray().Select(l => (
            l.GetProperty("kind").GetString() == "MonthlyFee" ? l.GetProperty("description").GetString() : l.GetProperty("hours").GetString(),
            l.GetProperty("timeEntryId").ValueKind == JsonValueKind.Null ? (Guid?)null : l.GetProperty("timeEntryId").GetGuid(), l.GetProperty("amount").GetDecimal()))];

        var quarter = await Quarter();
        Assert.Equal("2026-Q4", quarter.GetProperty("period").GetString());
        Assert.Equal([("Monthly fee 2026-10", null, 500.00m), ("Monthly fee 2026-12", null, 500.00m), ("BusinessHours", october, 100.00m),
            ("AfterHours", lastNight, 75.00m)], Lines(quarter));

        // November's fee and work credited: the quarter bills all three months' fees, and November's work, once.
        await http.PostAsJsonAsync($"/api/billing/invoices/{monthly.GetProperty("id").GetGuid()}/credit-notes", new { reason = "moved to quarterly" });
        var requarter = await FinaliseAsync(http, await Quarter());
        Assert.Equal([("Monthly fee 2026-10", null, 500.00m), ("Monthly fee 2026-11", null, 500.00m), ("Monthly fee 2026-12", null, 500.00m),
            ("BusinessHours", october, 100.00m), ("BusinessHours", november, 100.00m), ("AfterHours", lastNight, 75.00m)], Lines(requarter));
        Assert.Equal(1775.00m, requarter.GetProperty("total").GetDecimal());
        Assert.NotEqual("Invoiced", (await EntryAsync(client, nextYear)).GetProperty("state").GetString());

        foreach (var period in new[] { "2026-Q5", "2026-Q0", "2026-W48", "2026-13", "26-Q4", "2026-q4" })
        {
            var bad = await http.PostAsJsonAsync("/api/billing/invoices", new { clientId = client, period });
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal(["period"], (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name));
        }
    }

    [Fact]
    public async Task A_partial_credit_note_credits_chosen_lines_once_and_reopens_only_their_entries()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client, preAuthorised: true, monthlyFee: 500m);
        var a = await RecordAsync(client, new DateTimeOffset(2026, 11, 23, 9, 0, 0, NewYork), 60);
        var b = await RecordAsync(client, new DateTimeOffset(2026, 11, 23, 11, 0, 0, NewYork), 30);
        var c = await RecordAsync(client, LateMonday, 90); // 16:30-18:00: 30 business, 60 after hours
        using var http = billing.Clerk();
        var invoice = await FinaliseAsync(http, await DraftAsync(http, client));
        var id = invoice.GetProperty("id").GetGuid();
        Assert.Equal([(1, "MonthlyFee", 500.00m), (2, "Time", 100.00m), (3, "Time", 50.00m), (4, "Time", 50.00m), (5, "Time", 150.00m)],
            invoice.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("line").GetInt32(), l.GetProperty("kind").GetString(),
                l.GetProperty("amount").GetDecimal())));
        Task<HttpResponseMessage> Credit(object body) => http.PostAsJsonAsync($"/api/billing/invoices/{id}/credit-notes", body);

        // One side of an entry alone, a line the invoice has not, no reason: 400s that name the field, and no number is used.
        foreach (var (body, field) in new (object, string)[] { (Body("x", 4), "lines"),
            (Body("x", 9), "lines"), (new { lines = L(3) }, "reason") })
        {
            var bad = await Credit(body);
            Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
            Assert.Equal([field], (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name));
        }

        var first = await Credit(Body("ticket SD was a warranty fix", 3));
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var note = await first.Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((-50.00m, 3), (note.GetProperty("total").GetDecimal(), Assert.Single(note.GetProperty("lines").EnumerateArray()).GetProperty("line").GetInt32()));
        Assert.Equal(("Invoiced", "Billable", "Invoiced"), ((await EntryAsync(client, a)).GetProperty("state").GetString(),
            (await EntryAsync(client, b)).GetProperty("state").GetString(), (await EntryAsync(client, c)).GetProperty("state").GetString()));

        var twice = await Credit(Body("again", 2, 3));
        Assert.Equal(HttpStatusCode.Conflict, twice.StatusCode);
        Assert.Contains("Line 3 ", (await twice.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Equal("Invoiced", (await EntryAsync(client, a)).GetProperty("state").GetString()); // nothing of the refused request happened

        // The fee and both sides of the split entry: the next number of the series, no gap.
        var second = await (await Credit(Body("fee waived; after-hours call was ours", 5, 1, 4))).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal(Number(note) + 1, Number(second));
        Assert.Equal(-700.00m, second.GetProperty("total").GetDecimal());
        Assert.Equal(L(1, 4, 5), second.GetProperty("lines").EnumerateArray().Select(l => l.GetProperty("line").GetInt32()));
        Assert.Equal(JsonValueKind.Null, (await http.GetFromJsonAsync<JsonElement>($"/api/billing/invoices/{id}")).GetProperty("creditedBy").ValueKind);

        // The next draft bills what was credited again (fee included), and not line 2, which stands.
        var redraft = await DraftAsync(http, client);
        Assert.Equal(["MonthlyFee", b.ToString(), c.ToString(), c.ToString()], redraft.GetProperty("lines").EnumerateArray()
            .Select(l => l.GetProperty("timeEntryId").ValueKind == JsonValueKind.Null ? l.GetProperty("kind").GetString()! : l.GetProperty("timeEntryId").GetGuid().ToString()));

        // No lines: whatever is left (line 2), and then the invoice is credited whole.
        var rest = await (await Credit(new { reason = "client left" })).Content.ReadFromJsonAsync<JsonElement>();
        Assert.Equal((-100.00m, 2), (rest.GetProperty("total").GetDecimal(), Assert.Single(rest.GetProperty("lines").EnumerateArray()).GetProperty("line").GetInt32()));
        Assert.Equal(rest.GetProperty("id").GetGuid(), (await http.GetFromJsonAsync<JsonElement>($"/api/billing/invoices/{id}")).GetProperty("creditedBy").GetGuid());
        Assert.Equal(HttpStatusCode.Conflict, (await Credit(new { reason = "once more" })).StatusCode);
        Assert.Equal(-invoice.GetProperty("total").GetDecimal(), note.GetProperty("total").GetDecimal() + second.GetProperty("total").GetDecimal()
            + rest.GetProperty("total").GetDecimal());

        static object Body(string reason, params int[] lines) => new { lines, reason };
        static int[] L(params int[] lines) => lines;
        static int Number(JsonElement n) => int.Parse(n.GetProperty("number").GetString()!["CN-".Length..], System.Globalization.CultureInfo.InvariantCulture);
    }

    [Fact]
    public async Task Block_hours_are_drawn_on_the_invoice_and_given_back_by_its_credit_note()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client);
        using var http = billing.Clerk();
        var block = await http.PostAsJsonAsync($"/api/billing/clients/{client}/blocks", new { hours = 1m, validFrom = "2026-11-01", expiresOn = "2026-12-31" });
        Assert.Equal(HttpStatusCode.Created, block.StatusCode);
        var covered = await RecordAsync(client, new DateTimeOffset(2026, 11, 23, 9, 0, 0, NewYork), 40);
        var partly = await RecordAsync(client, new DateTimeOffset(2026, 11, 23, 13, 0, 0, NewYork), 50);

        var invoice = await FinaliseAsync(http, await DraftAsync(http, client));

        Assert.Equal([("BlockDrawdown", 40, 0.00m), ("BlockDrawdown", 20, 0.00m), ("Time", 30, 50.00m)],
            invoice.GetProperty("lines").EnumerateArray().Select(l => (l.GetProperty("kind").GetString(), l.GetProperty("billedMinutes").GetInt32(),
                l.GetProperty("amount").GetDecimal())));
        Assert.Equal(("Covered", "Invoiced"), ((await EntryAsync(client, covered)).GetProperty("state").GetString(),
            (await EntryAsync(client, partly)).GetProperty("state").GetString()));
        Assert.Equal(0, await RemainingAsync(http, client));

        await http.PostAsJsonAsync($"/api/billing/invoices/{invoice.GetProperty("id").GetGuid()}/credit", new { reason = "block bought late" });
        Assert.Equal(60, await RemainingAsync(http, client));
        Assert.Equal("Covered", (await EntryAsync(client, covered)).GetProperty("state").GetString()); // drawn again, on the next invoice

        var bad = await http.PostAsJsonAsync($"/api/billing/clients/{client}/blocks", new { hours = -1m, validFrom = "2026-11-01", expiresOn = "2026-10-01" });
        Assert.Equal(["expiresOn", "hours"], (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject()
            .Select(e => e.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Unused_block_hours_roll_over_up_to_the_cap_or_lapse_when_the_period_is_invoiced_and_the_rolled_hours_cover_next_month()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client, preAuthorised: true);
        using var http = billing.Clerk();
        var rolling = await BlockAsync(http, client, new { hours = 2m, validFrom = "2026-11-01", expiresOn = "2026-11-30", reference = "PO-1",
            rollover = "roll-over", rolloverCapHours = 1m });
        var lapsing = await BlockAsync(http, client, new { hours = 1m, validFrom = "2026-11-01", expiresOn = "2026-11-30", rollover = "expire" });
        var byHand = await BlockAsync(http, client, new { hours = 1m, validFrom = "2026-11-01", expiresOn = "2026-11-30", rollover = "none" });
        await RecordAsync(client, new DateTimeOffset(2026, 11, 23, 9, 0, 0, NewYork), 30); // drawn from the first block

        await FinaliseAsync(http, await DraftAsync(http, client));

        var blocks = await BlocksAsync(http, client);
        Assert.Equal(4, blocks.Count);
        var settled = blocks[rolling].GetProperty("settlement");
        Assert.Equal((90, 60, 30), (settled.GetProperty("unusedMinutes").GetInt32(), settled.GetProperty("rolledMinutes").GetInt32(),
            settled.GetProperty("expiredMinutes").GetInt32()));
        Assert.Equal(0, blocks[rolling].GetProperty("remainingMinutes").GetInt32());
        Assert.Equal((60, 0, 60), (blocks[lapsing].GetProperty("settlement").GetProperty("expiredMinutes").GetInt32(),
            blocks[lapsing].GetProperty("remainingMinutes").GetInt32(), blocks[byHand].GetProperty("remainingMinutes").GetInt32()));
        Assert.Equal(JsonValueKind.Null, blocks[byHand].GetProperty("settlement").ValueKind);
        var rolled = blocks[settled.GetProperty("rolledIntoBlockId").GetGuid()];
        Assert.Equal(("2026-12-01", "2026-12-31", 60, 60, "expire", rolling), (rolled.GetProperty("validFrom").GetString(),
            rolled.GetProperty("expiresOn").GetString(), rolled.GetProperty("minutes").GetInt32(), rolled.GetProperty("remainingMinutes").GetInt32(),
            rolled.GetProperty("rollover").GetString(), rolled.GetProperty("rolledFromBlockId").GetGuid()));

        // The report of block hours left, across clients, shows what is left to draw: the rolled hour, and the block left by hand.
        var left = (await http.GetFromJsonAsync<JsonElement>("/api/billing/reports/block-hours")).EnumerateArray()
            .Where(b => b.GetProperty("clientId").GetGuid() == client)
            .Select(b => (b.GetProperty("blockId").GetGuid(), b.GetProperty("remainingMinutes").GetInt32(), b.GetProperty("rollover").GetString()));
        Assert.Equal([(byHand, 60, "None"), (settled.GetProperty("rolledIntoBlockId").GetGuid(), 60, "Expire")], left);

        // Asking again (a clerk, or the next invoice) changes nothing.
        var again = await http.PostAsJsonAsync($"/api/billing/clients/{client}/blocks/settle", new { through = "2026-11-30" });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Empty((await again.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray());
        Assert.Equal(4, (await BlocksAsync(http, client)).Count);

        // December's work draws the rolled-over hour; November's expired blocks cover none of it.
        await RecordAsync(client, new DateTimeOffset(2026, 12, 2, 9, 0, 0, NewYork), 75);
        var december = await http.PostAsJsonAsync("/api/billing/invoices", new { clientId = client, period = "2026-12" });
        var lines = (await december.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lines").EnumerateArray()
            .Select(l => (l.GetProperty("kind").GetString(), l.GetProperty("billedMinutes").GetInt32(), l.GetProperty("amount").GetDecimal()));
        Assert.Equal([("BlockDrawdown", 60, 0.00m), ("Time", 15, 25.00m)], lines);
    }

    [Fact]
    public async Task Settling_blocks_twice_at_once_settles_each_once_and_bad_rules_are_refused_naming_the_field()
    {
        var client = await ClientAsync(await CalendarAsync());
        using var http = billing.Clerk();
        var block = await BlockAsync(http, client, new { hours = 3m, validFrom = "2026-10-01", expiresOn = "2026-10-31", rollover = "roll-over",
            rolloverMonths = 2 });

        var answers = await Task.WhenAll(Enumerable.Range(0, 2).Select(async _ =>
        {
            using var clerk = billing.Clerk();
            var response = await clerk.PostAsJsonAsync($"/api/billing/clients/{client}/blocks/settle", new { through = "2026-11-30" });
            Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
            return (await response.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().ToList();
        }));

        var settlement = Assert.Single(answers.SelectMany(a => a));
        Assert.Equal((block, 180), (settlement.GetProperty("blockId").GetGuid(), settlement.GetProperty("rolledMinutes").GetInt32()));
        var blocks = await BlocksAsync(http, client);
        Assert.Equal(2, blocks.Count);
        // The rolled-over block ran out on 2026-12-31 (two months from 2026-11-01): settled in the same call only if that day is past.
        var rolled = blocks[settlement.GetProperty("rolledIntoBlockId").GetGuid()];
        Assert.Equal(("2026-11-01", "2026-12-31"), (rolled.GetProperty("validFrom").GetString(), rolled.GetProperty("expiresOn").GetString()));

        var bad = await http.PostAsJsonAsync($"/api/billing/clients/{client}/blocks", new { hours = 1m, validFrom = "2026-11-01", expiresOn = "2026-11-30",
            rollover = "sometimes", rolloverMonths = 13 });
        Assert.Equal(["rollover", "rolloverMonths"], (await bad.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject()
            .Select(e => e.Name).Order(StringComparer.Ordinal));
        var capWithoutRollover = await http.PostAsJsonAsync($"/api/billing/clients/{client}/blocks", new { hours = 1m, validFrom = "2026-11-01",
            expiresOn = "2026-11-30", rolloverCapHours = 1m });
        Assert.Equal(["rolloverCapHours"], (await capWithoutRollover.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject()
            .Select(e => e.Name));
        var future = await http.PostAsJsonAsync($"/api/billing/clients/{client}/blocks/settle", new { through = DateTime.UtcNow.AddDays(2).ToString("yyyy-MM-dd",
            System.Globalization.CultureInfo.InvariantCulture) });
        Assert.Equal(HttpStatusCode.BadRequest, future.StatusCode);
        Assert.Equal(["through"], (await future.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal(2, (await BlocksAsync(http, client)).Count); // nothing changed
    }

    private static async Task<Guid> BlockAsync(HttpClient http, Guid client, object block)
    {
        var response = await http.PostAsJsonAsync($"/api/billing/clients/{client}/blocks", block);
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
    }

    private static async Task<Dictionary<Guid, JsonElement>> BlocksAsync(HttpClient http, Guid client) =>
        (await http.GetFromJsonAsync<JsonElement>($"/api/billing/clients/{client}/blocks")).EnumerateArray()
            .ToDictionary(b => b.GetProperty("id").GetGuid());

    private static async Task<int> RemainingAsync(HttpClient http, Guid client) =>
        Assert.Single((await http.GetFromJsonAsync<JsonElement>($"/api/billing/clients/{client}/blocks")).EnumerateArray())
            .GetProperty("remainingMinutes").GetInt32();

    [Fact]
    public async Task Responder_credit_and_after_hours_revenue_by_tier_count_finalised_work_and_nothing_credited()
    {
        var tier = $"gold-{Guid.NewGuid():N}";
        var (rhea, ivan) = ($"rhea-{Guid.NewGuid():N}", $"ivan-{Guid.NewGuid():N}");
        var client = await ClientAsync(await CalendarAsync());
        using var http = billing.Clerk();
        var agreement = Agreement(client, preAuthorised: true);
        var withTier = JsonSerializer.SerializeToNode(agreement)!.AsObject();
        withTier["tier"] = tier;
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/billing/agreements", withTier)).StatusCode);
        await RecordAsync(client, LateMonday, 90, responder: rhea);                                         // 50 + 150 after hours
        await RecordAsync(client, new DateTimeOffset(2026, 11, 24, 10, 0, 0, NewYork), 30, responder: ivan); // 50
        await FinaliseAsync(http, await DraftAsync(http, client));

        var responders = (await http.GetFromJsonAsync<JsonElement>("/api/billing/reports/responders?period=2026-11")).EnumerateArray()
            .Where(r => r.GetProperty("responder").GetString() is { } name && (name == rhea || name == ivan))
            .Select(r => (r.GetProperty("responder").GetString(), r.GetProperty("billedMinutes").GetInt32(), r.GetProperty("revenue").GetDecimal()))
            .OrderBy(r => r.Item2);
        Assert.Equal([(ivan, 30, 50.00m), (rhea, 90, 200.00m)], responders);
        var byTier = (await http.GetFromJsonAsync<JsonElement>("/api/billing/reports/after-hours-by-tier?period=2026-11")).EnumerateArray()
            .Single(r => r.GetProperty("tier").GetString() == tier);
        Assert.Equal((60, 150.00m), (byTier.GetProperty("billedMinutes").GetInt32(), byTier.GetProperty("revenue").GetDecimal()));
        Assert.Equal(HttpStatusCode.BadRequest, (await http.GetAsync(new Uri("/api/billing/reports/responders?period=november", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task An_invoiced_entry_is_billed_once_whatever_copy_or_older_revision_arrives_later()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client, preAuthorised: true);
        var ticket = Guid.NewGuid();
        await billing.OpenAsync(ticket, client);
        var start = LateMonday.AddHours(-3);
        var revision2 = new TimeEntryRecorded(Guid.NewGuid(), ticket, client, "tess", start, start.AddMinutes(60), 60, "BusinessHours", null, 2,
            start.AddHours(2), "tess");
        await ConsumeAsync(revision2);
        using var http = billing.Clerk();
        var invoice = await FinaliseAsync(http, await DraftAsync(http, client));
        Assert.Equal(100.00m, invoice.GetProperty("total").GetDecimal());

        var first = await billing.ConsumedAsync(await billing.PublishAsync(revision2));        // republished
        await billing.PublishAsync(revision2, first.MessageId);                                 // redelivered
        await billing.RedeliveredAsync(first);
        await ConsumeAsync(revision2 with { Revision = 1, Minutes = 30, EndedAt = start.AddMinutes(30) }); // older, late

        Assert.Equal("Invoiced", (await EntryAsync(client, revision2.TimeEntryId)).GetProperty("state").GetString());
        var next = await http.PostAsJsonAsync("/api/billing/invoices", new { clientId = client, period = "2026-11" });
        Assert.Empty((await next.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("lines").EnumerateArray());
        Assert.Equal(100.00m, (await http.GetFromJsonAsync<JsonElement>($"/api/billing/invoices/{invoice.GetProperty("id").GetGuid()}"))
            .GetProperty("total").GetDecimal());
    }

    [Fact]
    public async Task An_invoiced_entry_edited_later_is_flagged_for_a_credit_note_or_review_and_reconcile_reports_it_until_then()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client, preAuthorised: true);
        var ticket = Guid.NewGuid();
        await billing.OpenAsync(ticket, client);
        var start = LateMonday.AddHours(-3);
        var revision1 = new TimeEntryRecorded(Guid.NewGuid(), ticket, client, "tess", start, start.AddMinutes(60), 60, "BusinessHours", null, 1,
            start.AddHours(1), "tess");
        await ConsumeAsync(revision1);
        using var http = billing.Clerk();
        var invoice = await FinaliseAsync(http, await DraftAsync(http, client));
        var entry = revision1.TimeEntryId;

        await ConsumeAsync(revision1 with { Revision = 2, Note = "typo fixed" }); // nothing billed changes: not flagged
        Assert.Empty(await EditedAsync(http, client));
        await ConsumeAsync(revision1 with { Revision = 3, Minutes = 90, EndedAt = start.AddMinutes(90), RecordedAt = start.AddDays(1) });

        var flagged = Assert.Single(await EditedAsync(http, client));
        Assert.Equal((entry, invoice.GetProperty("number").GetString(), 60, 100.00m, 90, 3, 1), (flagged.GetProperty("timeEntryId").GetGuid(),
            flagged.GetProperty("invoiceNumber").GetString(), flagged.GetProperty("invoicedRawMinutes").GetInt32(), flagged.GetProperty("invoicedAmount").GetDecimal(),
            flagged.GetProperty("minutes").GetInt32(), flagged.GetProperty("revision").GetInt32(), flagged.GetProperty("invoicedRevision").GetInt32()));
        var rated = await EntryAsync(client, entry);
        Assert.Equal("Invoiced", rated.GetProperty("state").GetString());
        Assert.Contains("Edited after invoicing", rated.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(100.00m, (await http.GetFromJsonAsync<JsonElement>($"/api/billing/invoices/{invoice.GetProperty("id").GetGuid()}"))
            .GetProperty("total").GetDecimal()); // the invoice never changes
        Assert.Contains(entry, (await Reconcile.Reconciliation.BillingAsync(billing.ConnectionString)).EntriesEditedAfterInvoicing);

        // A review that the invoice stands clears the flag (and needs a reason); a second one has nothing to review.
        var noReason = await http.PutAsJsonAsync($"/api/billing/time-entries/{entry}/edit-review", new { reason = " " });
        Assert.Equal(["reason"], (await noReason.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name));
        var reviewed = await http.PutAsJsonAsync($"/api/billing/time-entries/{entry}/edit-review", new { reason = "agreed with the client: 60 min stands" });
        Assert.Equal(HttpStatusCode.OK, reviewed.StatusCode);
        Assert.Equal("bea", (await reviewed.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("reviewedBy").GetString());
        Assert.Empty(await EditedAsync(http, client));
        Assert.DoesNotContain(entry, (await Reconcile.Reconciliation.BillingAsync(billing.ConnectionString)).EntriesEditedAfterInvoicing);
        Assert.Equal(HttpStatusCode.Conflict, (await http.PutAsJsonAsync($"/api/billing/time-entries/{entry}/edit-review", new { reason = "again" })).StatusCode);

        // Edited again, and this time credited: the flag goes with the credit, and the entry is billed as edited.
        await ConsumeAsync(revision1 with { Revision = 4, Minutes = 120, EndedAt = start.AddMinutes(120), RecordedAt = start.AddDays(2) });
        Assert.Single(await EditedAsync(http, client));
        await http.PostAsJsonAsync($"/api/billing/invoices/{invoice.GetProperty("id").GetGuid()}/credit", new { reason = "entry corrected to 120 min" });
        Assert.Empty(await EditedAsync(http, client));
        var redraft = await DraftAsync(http, client);
        Assert.Equal((120, 200.00m), (Assert.Single(redraft.GetProperty("lines").EnumerateArray()).GetProperty("rawMinutes").GetInt32(),
            redraft.GetProperty("total").GetDecimal()));
    }

    [Fact]
    public async Task Reconcile_finds_an_entry_without_billing_state_and_an_after_hours_line_billed_without_approval()
    {
        using var http = billing.Clerk();
        var unratedClient = await ClientAsync(await CalendarAsync()); // no agreement
        var unrated = await RecordAsync(unratedClient, LateMonday.AddHours(-3), 30);
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client); // approval required
        var ticket = Guid.NewGuid();
        var afterHours = await RecordAsync(client, LateMonday, 90, ticket);
        await ConsumeAsync(new AfterHoursWorkApproved(Guid.NewGuid(), ticket, client, null, "Dana Reyes", "phone", 150m, "USD", LateMonday, "oscar"));
        var invoice = await FinaliseAsync(http, await DraftAsync(http, client));

        var books = await Reconcile.Reconciliation.BillingAsync(billing.ConnectionString);
        Assert.Contains(unrated, books.EntriesWithoutBillingState);
        Assert.DoesNotContain(afterHours, books.AfterHoursLinesWithoutApproval);
        Assert.False(books.Consistent);

        // The approval is lost (a restore from an older backup, say): the billed after-hours line has nothing behind it.
        await billing.WithDbAsync(db => db.Approvals.Where(a => a.TicketId == ticket).ExecuteDeleteAsync());
        Assert.Contains(afterHours, (await Reconcile.Reconciliation.BillingAsync(billing.ConnectionString)).AfterHoursLinesWithoutApproval);

        // Someone decides about each: both findings go.
        await http.PutAsJsonAsync($"/api/billing/time-entries/{unrated}/disposition", new { disposition = "no-charge", reason = "set-up, agreed" });
        await http.PostAsJsonAsync($"/api/billing/invoices/{invoice.GetProperty("id").GetGuid()}/credit", new { reason = "no approval on file" });
        books = await Reconcile.Reconciliation.BillingAsync(billing.ConnectionString);
        Assert.DoesNotContain(unrated, books.EntriesWithoutBillingState);
        Assert.DoesNotContain(afterHours, books.AfterHoursLinesWithoutApproval);
        Assert.Equal("AwaitingApproval", (await EntryAsync(client, afterHours)).GetProperty("state").GetString());
    }

    private static async Task<List<JsonElement>> EditedAsync(HttpClient http, Guid client) =>
        [.. (await http.GetFromJsonAsync<JsonElement>($"/api/billing/reports/edited-after-invoicing?clientId={client}")).EnumerateArray()];

    [Fact]
    public async Task After_hours_time_tickets_let_through_on_a_P1_pre_authorisation_is_billable_not_awaiting_approval()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client);
        var ticket = Guid.NewGuid();
        await billing.OpenAsync(ticket, client);
        var preAuthorised = Guid.NewGuid();
        // tickets' gate let this through on the agreement's "P1 up to 2 h pre-approved" (ADR 39): no approval record exists.
        await ConsumeAsync(new TimeEntryRecorded(preAuthorised, ticket, client, "tess", LateMonday, LateMonday.AddMinutes(90), 90, "BusinessHours",
            null, 1, LateMonday.AddMinutes(90), "tess", PreAuthorised: true));
        var unapproved = await RecordAsync(client, LateMonday, 90);

        var entry = await EntryAsync(client, preAuthorised);
        Assert.Equal("Billable", entry.GetProperty("state").GetString());
        // At the agreement's after-hours rate (1.5 x 100), there being no quote.
        Assert.Equal([("BusinessHours", 100m, 50.00m), ("AfterHours", 150m, 150.00m)], Parts(entry).Select(p => (p.Hours, p.Rate, p.Amount)));
        Assert.Equal("AwaitingApproval", (await EntryAsync(client, unapproved)).GetProperty("state").GetString());
    }

    [Fact]
    public async Task Approvals_come_only_from_tickets_and_the_quoted_rate_is_billed()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client);
        var ticket = Guid.NewGuid();
        var entry = await RecordAsync(client, LateMonday, 90, ticket);
        using var oscar = billing.App.CreateClient().As(TestAuth.Token(ServiceDesk.Platform.Roles.Technician, subject: "oscar"));

        // One way in (docs/adr/0039): tickets records the approval and publishes it; billing has no route of its own.
        var direct = await oscar.PostAsJsonAsync($"/api/billing/tickets/{ticket}/approvals", new { approverName = "Dana Reyes", method = "phone" });
        Assert.True(direct.StatusCode is HttpStatusCode.NotFound or HttpStatusCode.MethodNotAllowed, $"{direct.StatusCode}");
        await ConsumeAsync(new AfterHoursWorkApproved(Guid.NewGuid(), ticket, client, Guid.NewGuid(), "Dana Reyes", "phone", 200m, "USD",
            LateMonday, "oscar") { AgreementVersion = 1, QuotedMinimum = 0m, OnSiteRequired = false });

        var rated = await EntryAsync(client, entry);
        Assert.Equal(("Billable", 250.00m), (rated.GetProperty("state").GetString(), rated.GetProperty("amount").GetDecimal()));
    }

    [Fact]
    public async Task A_stored_agreement_version_is_published_with_its_after_hours_terms_for_tickets()
    {
        var client = Guid.NewGuid();
        var (received, listener) = await ListenForTermsAsync(client);
        using var http = billing.Clerk();

        var bad = await http.PostAsJsonAsync("/api/billing/agreements", new
        {
            clientId = client, effectiveFrom = "2026-11-01", currency = "USD", afterHoursPreAuthorisedHours = 0m,
        });
        var stored = await http.PostAsJsonAsync("/api/billing/agreements", new
        {
            clientId = client, effectiveFrom = "2026-11-01", currency = "USD", afterHoursMultiplier = 1.5m, emergencyMinimumCharge = 250m,
            rates = new[] { new { workType = "Emergency", businessHours = 120m } }, afterHoursPreAuthorisedHours = 2m,
        });

        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Created, stored.StatusCode);
        var terms = await Eventually.GetAsync(() => Task.FromResult(received.FirstOrDefault(m => m.ClientId == client)), "AgreementTermsChanged");
        Assert.Equal((1, "USD", 250m, true, 2m), (terms.AgreementVersion, terms.Currency, terms.EmergencyMinimum, terms.ApprovalRequired, terms.PreAuthorisedHours));
        Assert.Equal(180m, Assert.Single(terms.Rates, r => r.WorkType == "Emergency").AfterHours);
        await listener.StopAsync();
    }

    [Fact]
    public async Task Agreement_versions_stored_before_terms_were_published_are_published_once_at_start_up()
    {
        var client = Guid.NewGuid();
        var (received, listener) = await ListenForTermsAsync(client);
        await AgreeAsync(client);
        await Eventually.TrueAsync(() => Task.FromResult(received.Any(m => m.ClientId == client)), "the stored version's terms");
        // As the table was before billing published terms: the version's row has no publication (what the migration leaves).
        await billing.WithDbAsync(db => db.Agreements.Where(a => a.ClientId == client)
            .ExecuteUpdateAsync(u => u.SetProperty(a => a.TermsPublishedAt, (DateTimeOffset?)null)));

        var announcement = billing.App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>()
            .Single(s => s.GetType().Name == "AgreementTermsAnnouncement");
        await announcement.StartAsync(CancellationToken.None);
        await announcement.StartAsync(CancellationToken.None); // the next start: nothing left to publish

        await Eventually.TrueAsync(() => Task.FromResult(received.Count(m => m.ClientId == client) == 2), "the old version's terms published again");
        Assert.NotNull(await billing.WithDbAsync(db => db.Agreements.Where(a => a.ClientId == client).Select(a => a.TermsPublishedAt).SingleAsync()));
        await listener.StopAsync();
        Assert.Equal([1, 1], received.Where(m => m.ClientId == client).Select(m => m.AgreementVersion));
    }

    /// <summary>Every AgreementTermsChanged billing publishes, on a queue of the test's own, until the handle is stopped.</summary>
    private async Task<(System.Collections.Concurrent.ConcurrentQueue<AgreementTermsChanged>, HostReceiveEndpointHandle)> ListenForTermsAsync(Guid client)
    {
        var received = new System.Collections.Concurrent.ConcurrentQueue<AgreementTermsChanged>();
        var listener = billing.Bus.ConnectReceiveEndpoint($"test-agreement-terms-{client:N}", endpoint => endpoint.Handler<AgreementTermsChanged>(context =>
        {
            received.Enqueue(context.Message);
            return Task.CompletedTask;
        }));
        await listener.Ready;
        return (received, listener);
    }

    private async Task ConsumeAsync<T>(T message) where T : class => await billing.ConsumedAsync(await billing.PublishAsync(message));

    private static CalendarRevised Calendar(Guid id, int revision = 1, TimeOnly? closes = null) => new(id, revision, $"Office {id}",
        "America/New_York",
        [.. new[] { DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday }
            .Select(d => new CalendarRevisedDay(d, [new CalendarRevisedRange(new(8, 0), closes ?? new(17, 0))]))],
        [new CalendarRevisedHoliday(new(2026, 11, 26), "Thanksgiving", [])], DateTimeOffset.UtcNow, "admin");

    private async Task<Guid> CalendarAsync()
    {
        var id = Guid.NewGuid();
        await ConsumeAsync(Calendar(id));
        return id;
    }

    [Fact]
    public async Task A_client_reads_its_own_after_hours_terms_and_no_one_elses()
    {
        var client = await ClientAsync(await CalendarAsync());
        await AgreeAsync(client, from: "2026-01-01");
        using var own = billing.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, client));
        using var other = billing.App.CreateClient().As(TestAuth.Token(Roles.ClientUser, Guid.NewGuid()));
        using var clerk = billing.App.CreateClient().As(TestAuth.Token(Roles.Technician)); // on the phone at night, quoting the rate

        var terms = await own.GetFromJsonAsync<JsonElement>("/api/billing/terms?clientId=" + Guid.NewGuid()); // its own, whatever it asks

        Assert.Equal((client, "USD", true), (terms.GetProperty("clientId").GetGuid(), terms.GetProperty("currency").GetString(),
            terms.GetProperty("afterHoursApprovalNeeded").GetBoolean()));
        var business = terms.GetProperty("rates").EnumerateArray().Single(r => r.GetProperty("workType").GetString() == "BusinessHours");
        Assert.Equal((100m, 150m), (business.GetProperty("businessHours").GetDecimal(), business.GetProperty("afterHours").GetDecimal())); // x1.5
        Assert.Equal(HttpStatusCode.NotFound, (await other.GetAsync("/api/billing/terms")).StatusCode); // no agreement of its own
        var noClient = await clerk.GetAsync("/api/billing/terms");
        Assert.Equal(HttpStatusCode.BadRequest, noClient.StatusCode);
        Assert.Equal(["clientId"], (await noClient.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("errors").EnumerateObject().Select(e => e.Name));
        Assert.Equal(client, (await clerk.GetFromJsonAsync<JsonElement>($"/api/billing/terms?clientId={client}")).GetProperty("clientId").GetGuid());
    }

    private async Task<Guid> ClientAsync(Guid calendar, string? name = null)
    {
        var client = Guid.NewGuid();
        await ConsumeAsync(new ClientChanged(client, 1, name ?? $"Client {client}", "standard", calendar.ToString(), true, [], DateTimeOffset.UtcNow, "admin"));
        return client;
    }

    private static object Agreement(Guid client, string from = "2026-11-01", string? to = null, bool preAuthorised = false, decimal monthlyFee = 0m) => new
    {
        clientId = client, effectiveFrom = from, effectiveTo = to, currency = "USD", monthlyFee, afterHoursMultiplier = 1.5m,
        rates = new[] { new { workType = "BusinessHours", businessHours = 100m } }, afterHoursPreAuthorised = preAuthorised,
    };

    private async Task AgreeAsync(Guid client, string from = "2026-11-01", string? to = null, bool preAuthorised = false, decimal monthlyFee = 0m)
    {
        using var http = billing.Clerk();
        var response = await http.PostAsJsonAsync("/api/billing/agreements", Agreement(client, from, to, preAuthorised, monthlyFee));
        Assert.True(response.StatusCode == HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    /// <summary>Opens a ticket for the client (unless given one that is open) and records one entry on it; returns the entry's id.</summary>
    private async Task<Guid> RecordAsync(Guid client, DateTimeOffset start, int minutes, Guid? ticket = null, string responder = "tess")
    {
        var ticketId = ticket ?? Guid.NewGuid();
        await billing.OpenAsync(ticketId, client);
        var entry = Guid.NewGuid();
        await ConsumeAsync(new TimeEntryRecorded(entry, ticketId, client, responder, start, start.AddMinutes(minutes), minutes, "BusinessHours", null, 1,
            start.AddMinutes(minutes), "tess"));
        return entry;
    }

    private async Task<JsonElement> EntryAsync(Guid client, Guid entry)
    {
        using var http = billing.Clerk();
        var entries = await http.GetFromJsonAsync<JsonElement>($"/api/billing/clients/{client}/time-entries");
        return entries.EnumerateArray().Single(e => e.GetProperty("timeEntryId").GetGuid() == entry);
    }

    private static async Task<JsonElement> DraftAsync(HttpClient http, Guid client)
    {
        var response = await http.PostAsJsonAsync("/api/billing/invoices", new { clientId = client, period = "2026-11" });
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> FinaliseAsync(HttpClient http, JsonElement draft)
    {
        var response = await http.PostAsync(new Uri($"/api/billing/invoices/{draft.GetProperty("id").GetGuid()}/finalise", UriKind.Relative), null);
        Assert.True(response.IsSuccessStatusCode, await response.Content.ReadAsStringAsync());
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static IEnumerable<(string Hours, int Raw, decimal Rate, decimal Amount)> Parts(JsonElement rated) =>
        rated.GetProperty("parts").EnumerateArray().Select(p => (p.GetProperty("hours").GetString()!, p.GetProperty("rawMinutes").GetInt32(),
            p.GetProperty("rate").GetDecimal(), p.GetProperty("amount").GetDecimal()));
}
