using Billing.Api;
using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.AspNetCore.Http;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Calendars;

namespace Reconcile;

/// <summary>Where each service keeps its rows (read access is enough).</summary>
public sealed record Databases(string Intake, string Tickets, string Sla, string Billing);

/// <summary>What the check found. Consistent when every list is empty.</summary>
/// <param name="Replies">Requests that became a client's message on an existing ticket rather than a ticket (ADR 17).</param>
public sealed record Report(
    int Requests,
    int Tickets,
    int Replies,
    int Clocks,
    int BillingRecords,
    IReadOnlyList<Guid> RequestsWithoutTicket,
    IReadOnlyList<Guid> TicketsWithoutClock,
    IReadOnlyList<Guid> TicketsWithoutBillingRecord,
    IReadOnlyList<Guid> TicketsWithoutRequest,
    IReadOnlyList<Guid> Duplicates,
    BillingFindings Billing)
{
    public bool Consistent => RequestsWithoutTicket.Count + TicketsWithoutClock.Count + TicketsWithoutBillingRecord.Count
        + TicketsWithoutRequest.Count + Duplicates.Count == 0 && Billing.Consistent;
}

/// <summary>
/// Billing's own books. Consistent when every invoice line of work names a stored time entry, every entry marked
/// invoiced is on a line of its invoice, each numbering series has every number below its next one (no gap), every
/// time entry has a billing state (billing's own rating decides it: an unrated entry has none), every invoiced
/// after-hours line has the client's approval where its agreement version asked for one, and no invoiced entry was
/// edited afterwards without a credit note or a review.
/// </summary>
/// <param name="InvoicesWithLineWithoutEntry">Invoices with a time or drawdown line whose entry is not stored.</param>
/// <param name="InvoicedEntriesNotOnTheirInvoice">Entries marked invoiced that no line of that invoice shows.</param>
/// <param name="MissingNumbers">Numbers a series handed out that no invoice or credit note carries ("INV-000007").</param>
/// <param name="EntriesWithoutBillingState">Entries recorded before the settle time that rating cannot place (no calendar or
/// no agreement in force on their day), with neither a person's decision nor an invoice.</param>
/// <param name="AfterHoursLinesWithoutApproval">Entries billed after hours on an invoice not credited, under an agreement version
/// that needs approval and is not pre-authorised, whose ticket has no approval.</param>
/// <param name="EntriesEditedAfterInvoicing">Invoiced entries edited in tickets afterwards, neither credited nor reviewed.</param>
public sealed record BillingFindings(
    IReadOnlyList<Guid> InvoicesWithLineWithoutEntry,
    IReadOnlyList<Guid> InvoicedEntriesNotOnTheirInvoice,
    IReadOnlyList<string> MissingNumbers,
    IReadOnlyList<Guid> EntriesWithoutBillingState,
    IReadOnlyList<Guid> AfterHoursLinesWithoutApproval,
    IReadOnlyList<Guid> EntriesEditedAfterInvoicing)
{
    public bool Consistent => InvoicesWithLineWithoutEntry.Count + InvoicedEntriesNotOnTheirInvoice.Count + MissingNumbers.Count
        + EntriesWithoutBillingState.Count + AfterHoursLinesWithoutApproval.Count + EntriesEditedAfterInvoicing.Count == 0;
}

/// <summary>
/// Compares the services' databases by the one id a request keeps everywhere (ADR 1): intake's request id is the
/// ticket's id, the SLA saga's (ticket_sla) and the billing record's. Requests received in the last <c>settle</c> interval are
/// left out, since they may still be on their way.
/// </summary>
public static class Reconciliation
{
    public static async Task<Report> RunAsync(Databases databases, DateTimeOffset receivedBefore, CancellationToken cancellationToken = default)
    {
        var requests = await IdsAsync(databases.Intake, "SELECT \"Id\" FROM service_requests WHERE \"ReceivedAt\" < $1", receivedBefore, cancellationToken);
        var tickets = await IdsAsync(databases.Tickets, "SELECT \"Id\" FROM tickets WHERE \"OpenedAt\" < $1", receivedBefore, cancellationToken);
        var replies = await IdsAsync(databases.Tickets,
            "SELECT \"Id\" FROM ticket_messages WHERE \"Kind\" = 'ClientMessage' AND \"At\" < $1", receivedBefore, cancellationToken);
        var clocks = await IdsAsync(databases.Sla, "SELECT \"CorrelationId\" FROM ticket_sla WHERE \"EnteredAt\" < $1", receivedBefore, cancellationToken);
        var records = await IdsAsync(databases.Billing, "SELECT \"TicketId\" FROM billing_records WHERE \"OpenedAt\" < $1", receivedBefore, cancellationToken);

        // Primary keys make a second row per id impossible, and a request is a ticket or a reply, never both; counting
        // proves it rather than assuming it.
        var duplicates = new[] { requests, tickets.Concat(replies).ToList(), clocks, records }
            .SelectMany(ids => ids.GroupBy(id => id).Where(g => g.Count() > 1).Select(g => g.Key)).Distinct().ToList();
        var ticketSet = tickets.Concat(replies).ToHashSet(); // a request that became a reply is accounted for
        var requestSet = requests.ToHashSet();
        return new Report(requests.Count, tickets.Count, replies.Count, clocks.Count, records.Count,
            requests.Where(id => !ticketSet.Contains(id)).ToList(),
            tickets.Except(clocks).ToList(),
            tickets.Except(records).ToList(),
            tickets.Where(id => !requestSet.Contains(id)).ToList(),
            duplicates,
            await BillingAsync(databases.Billing, receivedBefore, cancellationToken));
    }

    /// <param name="recordedBefore">Entries recorded since may be waiting for their agreement or calendar message; null: all entries.</param>
    public static async Task<BillingFindings> BillingAsync(string billing, DateTimeOffset? recordedBefore = null, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(billing);
        await connection.OpenAsync(cancellationToken);
        var orphanLines = await ListAsync<Guid>(connection, """
            SELECT DISTINCT l."InvoiceId" FROM invoice_lines l LEFT JOIN time_entries e ON e."TimeEntryId" = l."TimeEntryId"
            WHERE l."Kind" <> 'MonthlyFee' AND e."TimeEntryId" IS NULL
            """, cancellationToken);
        var notOnInvoice = await ListAsync<Guid>(connection, """
            SELECT e."TimeEntryId" FROM time_entries e WHERE e."InvoiceId" IS NOT NULL AND NOT EXISTS
                (SELECT 1 FROM invoice_lines l WHERE l."InvoiceId" = e."InvoiceId" AND l."TimeEntryId" = e."TimeEntryId")
            """, cancellationToken);
        var missing = await ListAsync<string>(connection, """
            SELECT s."Series" || '-' || lpad(n::text, 6, '0') FROM invoice_sequences s CROSS JOIN LATERAL generate_series(1, s."Next" - 1) n
            WHERE NOT EXISTS (SELECT 1 FROM invoices i WHERE i."Number" = s."Series" || '-' || lpad(n::text, 6, '0'))
            """, cancellationToken);
        var withoutApproval = await ListAsync<Guid>(connection, """
            SELECT DISTINCT l."TimeEntryId" FROM invoice_lines l
            JOIN invoices i ON i."Id" = l."InvoiceId" AND i."Kind" = 'Invoice' AND i."Status" = 'Finalised' 
            JOIN agreements a ON a."ClientId" = i."ClientId" AND a."Version" = l."AgreementVersion"
            JOIN time_entries e ON e."TimeEntryId" = l."TimeEntryId"
            WHERE l."Hours" = 'AfterHours' AND l."Kind" = 'Time' AND a."AfterHoursApprovalRequired" AND NOT a."AfterHoursPreAuthorised"
              AND NOT EXISTS (SELECT 1 FROM approvals p WHERE p."TicketId" = e."TicketId")
              AND NOT EXISTS (SELECT 1 FROM invoices n JOIN invoice_lines c ON c."InvoiceId" = n."Id"
                              WHERE n."CreditsInvoiceId" = i."Id" AND c."LineNumber" = l."LineNumber")
            """, cancellationToken);
        var edited = await ListAsync<Guid>(connection, """
            SELECT "TimeEntryId" FROM time_entries WHERE "InvoiceId" IS NOT NULL AND "EditedAfterInvoicingAt" IS NOT NULL
            """, cancellationToken);
        return new BillingFindings(orphanLines, notOnInvoice, missing, await UnratedAsync(billing, recordedBefore, cancellationToken), withoutApproval, edited);
    }

    /// <summary>Entries without a billing state, as billing's own rating sees them (the unbilled report's "Unrated").</summary>
    private static async Task<List<Guid>> UnratedAsync(string billing, DateTimeOffset? recordedBefore, CancellationToken cancellationToken)
    {
        var options = new DbContextOptionsBuilder<BillingDbContext>().UseNpgsql(billing).Options;
        await using var db = new BillingDbContext(options); // no tenant set: every client's rows
        var invoicing = new Invoicing(new CalendarCatalog(Options.Create(new CalendarCopyOptions
        {
            DefaultCalendarId = Guid.TryParse(Environment.GetEnvironmentVariable("Calendars__DefaultCalendarId"), out var id) ? id : new CalendarCopyOptions().DefaultCalendarId,
        })), TimeProvider.System);
        var open = db.TimeEntries.AsNoTracking()
            .Where(e => e.InvoiceId == null && e.Disposition == Disposition.None && (recordedBefore == null || e.RecordedAt < recordedBefore));
        var unrated = new List<Guid>();
        foreach (var client in await open.Select(e => e.ClientId).Distinct().ToListAsync(cancellationToken))
        {
            var (rated, _) = await invoicing.RateAsync(db, client, open, cancellationToken);
            unrated.AddRange(rated.Where(r => r.State == BillingState.Unrated).Select(r => r.Entry.TimeEntryId));
        }
        return unrated;
    }

    private static async Task<List<T>> ListAsync<T>(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var values = new List<T>();
        while (await reader.ReadAsync(cancellationToken)) values.Add(reader.GetFieldValue<T>(0));
        return values;
    }

    private static async Task<List<Guid>> IdsAsync(string connectionString, string sql, DateTimeOffset before, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = before } } };
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var ids = new List<Guid>();
        while (await reader.ReadAsync(cancellationToken)) ids.Add(reader.GetGuid(0));
        return ids;
    }
}
