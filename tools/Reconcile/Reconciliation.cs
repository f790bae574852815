using Npgsql;

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
    IReadOnlyList<Guid> Duplicates)
{
    public bool Consistent => RequestsWithoutTicket.Count + TicketsWithoutClock.Count + TicketsWithoutBillingRecord.Count
        + TicketsWithoutRequest.Count + Duplicates.Count == 0;
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
            duplicates);
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
