using System.Collections.Concurrent;
using System.Diagnostics;
using Npgsql;

namespace Load.Bench;

/// <summary>When one request was accepted and when each part of its ticket was first seen done.</summary>
public sealed class TicketTimes(Guid id, TimeSpan accepted)
{
    public Guid Id { get; } = id;
    public TimeSpan Accepted { get; } = accepted;
    public TimeSpan? ClockStarted { get; set; }
    public TimeSpan? AcknowledgementMailed { get; set; }
    public TimeSpan? Billed { get; set; }
    public TimeSpan? Acknowledged { get; set; }

    public bool Done => ClockStarted.HasValue && AcknowledgementMailed.HasValue && Billed.HasValue && Acknowledged.HasValue;

    /// <summary>When the last of the four was seen: the ticket is done end to end.</summary>
    public TimeSpan? DoneAt => Done ? new[] { ClockStarted!.Value, AcknowledgementMailed!.Value, Billed!.Value, Acknowledged!.Value }.Max() : null;
}

/// <summary>
/// Watches the services' databases for the tickets of accepted requests (the request id is the ticket id): the SLA
/// clock in sla, the acknowledgement in notify's sent mail, the billing record, and the ticket marked acknowledged in
/// tickets. It polls every <see cref="Interval"/>, asking each database only about the tickets it has not seen there
/// yet, so the times it records are late by up to one interval.
/// </summary>
public sealed class Tracker(SystemUnderTest system, Meters meters, Stopwatch clock) : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);

    private static readonly (string Service, string Sql, Action<TicketTimes, TimeSpan> Seen, Func<TicketTimes, bool> Pending)[] Signals =
    [
        ("sla", """SELECT "CorrelationId" FROM ticket_sla WHERE "CorrelationId" = ANY($1)""", (t, at) => t.ClockStarted = at, t => t.ClockStarted is null),
        ("notify", """SELECT "TicketId" FROM sent_acknowledgements WHERE "TicketId" = ANY($1)""", (t, at) => t.AcknowledgementMailed = at, t => t.AcknowledgementMailed is null),
        ("billing", """SELECT "TicketId" FROM billing_records WHERE "TicketId" = ANY($1)""", (t, at) => t.Billed = at, t => t.Billed is null),
        ("tickets", """SELECT "Id" FROM tickets WHERE "Status" = 'Acknowledged' AND "Sla_AcknowledgedAt" IS NOT NULL AND "Id" = ANY($1)""", (t, at) => t.Acknowledged = at, t => t.Acknowledged is null),
    ];

    private readonly ConcurrentDictionary<Guid, TicketTimes> _tickets = new();
    private readonly CancellationTokenSource _stop = new();
    private Task? _polling;

    public void Accepted(Guid id, TimeSpan at) => _tickets[id] = new TicketTimes(id, at);

    public IReadOnlyCollection<TicketTimes> Tickets => [.. _tickets.Values];

    public void Start() => _polling = Task.Run(() => PollAsync(_stop.Token));

    /// <summary>Waits until every accepted request is done end to end, or <paramref name="limit"/> passes without one more done.</summary>
    public async Task<bool> DrainAsync(TimeSpan limit)
    {
        var done = -1;
        var lastProgress = clock.Elapsed;
        while (true)
        {
            var now = _tickets.Values.Count(t => t.Done);
            if (now == _tickets.Count) return true;
            if (now != done) (done, lastProgress) = (now, clock.Elapsed);
            else if (clock.Elapsed - lastProgress > limit) return false;
            await Task.Delay(Interval);
        }
    }

    private async Task PollAsync(CancellationToken stop)
    {
        var connections = new Dictionary<string, NpgsqlConnection>();
        try
        {
            foreach (var service in Signals.Select(s => s.Service))
            {
                connections[service] = new NpgsqlConnection(system.Databases[service]);
                await connections[service].OpenAsync(stop);
            }
            while (!stop.IsCancellationRequested)
            {
                foreach (var (service, sql, seen, pending) in Signals)
                {
                    var waiting = _tickets.Values.Where(pending).ToDictionary(t => t.Id);
                    if (waiting.Count == 0) continue;
                    await using var command = new NpgsqlCommand(sql, connections[service]);
                    command.Parameters.AddWithValue(waiting.Keys.ToArray());
                    await using var reader = await command.ExecuteReaderAsync(stop);
                    meters.CountOwn(service);
                    var at = clock.Elapsed;
                    while (await reader.ReadAsync(stop)) seen(waiting[reader.GetGuid(0)], at);
                }
                await Task.Delay(Interval, stop);
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
        finally
        {
            foreach (var connection in connections.Values) await connection.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_polling is not null) await _polling;
        _stop.Dispose();
    }
}
