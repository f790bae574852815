using MassTransit;
using Microsoft.EntityFrameworkCore;
using System.Text.Json;
using ServiceDesk.Testing;
using Tickets.Contracts;

namespace Billing.Tests;

/// <summary>Time entries reach the ticket's billing record: each at its latest revision, credited to its responder, by work type.</summary>
[Collection(BillingCollection.Name)]
public sealed class TimeEntryBillingTests(BillingFixture billing)
{
    private static readonly DateTimeOffset Start = new(2026, 11, 23, 14, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task Billable_minutes_are_the_sum_of_each_entrys_latest_revision_by_work_type()
    {
        var ticket = Guid.NewGuid();
        await billing.OpenAsync(ticket);
        var printer = Guid.NewGuid();
        var callOut = Guid.NewGuid();
        var page = Guid.NewGuid();

        foreach (var entry in new[]
                 {
                     Entry(printer, ticket, 1, 30, "BusinessHours", "tess"),
                     Entry(printer, ticket, 2, 45, "BusinessHours", "tess"), // edited: 45 replaces 30
                     Entry(callOut, ticket, 1, 60, "AfterHours", "oscar"),
                     Entry(page, ticket, 1, 20, "Emergency", "oscar"),
                 })
            await billing.ConsumedAsync(await billing.PublishAsync(entry));

        var record = await billing.RecordAsync(ticket);
        Assert.Equal(125, record.GetProperty("billableMinutes").GetInt32());
        Assert.Equal((45, 60, 20), ByWorkType(record));
        var entries = record.GetProperty("timeEntries").EnumerateArray()
            .Select(e => (e.GetProperty("timeEntryId").GetGuid(), e.GetProperty("revision").GetInt32(), e.GetProperty("responder").GetString(),
                e.GetProperty("minutes").GetInt32()))
            .ToHashSet();
        Assert.Equal([(printer, 2, "tess", 45), (callOut, 1, "oscar", 60), (page, 1, "oscar", 20)], entries);
    }

    [Fact]
    public async Task Older_revision_arriving_late_changes_nothing()
    {
        var ticket = Guid.NewGuid();
        await billing.OpenAsync(ticket);
        var entry = Guid.NewGuid();

        await billing.ConsumedAsync(await billing.PublishAsync(Entry(entry, ticket, 2, 90, "AfterHours", "oscar", note: "call-out, corrected")));
        await billing.ConsumedAsync(await billing.PublishAsync(Entry(entry, ticket, 1, 30, "BusinessHours", "tess", note: "first guess")));

        var record = await billing.RecordAsync(ticket);
        Assert.Equal(90, record.GetProperty("billableMinutes").GetInt32());
        Assert.Equal((0, 90, 0), ByWorkType(record));
        var kept = Assert.Single(record.GetProperty("timeEntries").EnumerateArray());
        Assert.Equal((2, "oscar", "call-out, corrected"),
            (kept.GetProperty("revision").GetInt32(), kept.GetProperty("responder").GetString(), kept.GetProperty("note").GetString()));
    }

    [Fact]
    public async Task Redelivered_and_republished_entries_are_counted_once()
    {
        var ticket = Guid.NewGuid();
        await billing.OpenAsync(ticket);
        var recorded = Entry(Guid.NewGuid(), ticket, 1, 30, "BusinessHours", "tess");

        var first = await billing.ConsumedAsync(await billing.PublishAsync(recorded));
        await billing.PublishAsync(recorded, first.MessageId);          // the broker delivers it again
        await billing.RedeliveredAsync(first);
        await billing.ConsumedAsync(await billing.PublishAsync(recorded)); // tickets republishes it with a new MessageId

        var record = await billing.RecordAsync(ticket);
        Assert.Equal(30, record.GetProperty("billableMinutes").GetInt32());
        Assert.Equal((30, 0, 0), ByWorkType(record));
        Assert.Single(record.GetProperty("timeEntries").EnumerateArray());
    }

    [Fact]
    public async Task Entry_that_arrives_before_the_billing_record_is_applied_once_the_record_exists()
    {
        var ticket = Guid.NewGuid();
        var messageId = await billing.PublishAsync(Entry(Guid.NewGuid(), ticket, 1, 40, "Emergency", "oscar"));
        // The entry was tried and put back for a retry: there was no record to put it on.
        await Eventually.TrueAsync(() => Task.FromResult(billing.App.Logs.Entries.Any(e => e.Message.Contains("R-RETRY", StringComparison.Ordinal)
                && e.Message.Contains(messageId.ToString(), StringComparison.OrdinalIgnoreCase))),
            "the entry to be retried", explain: billing.Explain);

        await billing.PublishAsync(BillingFixture.Opened(ticket));
        await billing.ConsumedAsync(messageId);

        var record = await billing.RecordAsync(ticket);
        Assert.Equal(40, record.GetProperty("billableMinutes").GetInt32());
        Assert.Equal((0, 0, 40), ByWorkType(record));
    }

    /// <summary>
    /// Billing records are opened a batch at a time (docs/adr/0066). A ticket announced again in a later batch is skipped:
    /// were it inserted again, its batch would fail on the key, and the ticket opened beside it would never get a record.
    /// </summary>
    [Fact]
    public async Task Tickets_opened_together_get_one_record_each_and_a_copy_changes_nothing()
    {
        var (first, second, third) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        await billing.Bus.PublishBatch([BillingFixture.Opened(first), BillingFixture.Opened(second), BillingFixture.Opened(first)]);
        await RecordOpenedAsync(first);
        await RecordOpenedAsync(second);

        await billing.Bus.PublishBatch([BillingFixture.Opened(second), BillingFixture.Opened(third)]);

        await RecordOpenedAsync(third);
        var record = await billing.RecordAsync(third);
        Assert.Equal(1042, record.GetProperty("ticketNumber").GetInt64());
        Assert.Equal(1, await billing.WithDbAsync(db => db.Records.CountAsync(r => r.TicketId == second)));
    }

    private Task RecordOpenedAsync(Guid ticket) =>
        Eventually.TrueAsync(() => billing.WithDbAsync(db => db.Records.AnyAsync(r => r.TicketId == ticket)), $"billing record {ticket}", explain: billing.Explain);

    private static TimeEntryRecorded Entry(Guid id, Guid ticket, int revision, int minutes, string workType, string responder, string? note = null) =>
        new(id, ticket, BillingFixture.Client, responder, Start, Start.AddMinutes(minutes), minutes, workType, note, revision,
            Start.AddHours(revision), "dora");

    private static (int BusinessHours, int AfterHours, int Emergency) ByWorkType(JsonElement record)
    {
        var minutes = record.GetProperty("minutesByWorkType");
        return (minutes.GetProperty("BusinessHours").GetInt32(), minutes.GetProperty("AfterHours").GetInt32(),
            minutes.GetProperty("Emergency").GetInt32());
    }
}
