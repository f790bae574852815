using System.Net;
using System.Net.Http.Json;
using MassTransit;
using Reconcile;
using ServiceDesk.Platform;
using ServiceDesk.Testing;

namespace Fault.Tests;

/// <summary>The whole system with room for a stream of thousands of requests from one tenant.</summary>
public sealed class FaultSystem : RunningSystem
{
    public override int TenantRequestsPerWindow => 1_000_000;

    /// <summary>
    /// How long the system may go without consuming a single message, anywhere, before a fault test calls the missing work
    /// lost. A backlog that still drains is slow, not lost: on the shared 2-core machine sla worked through a post-restart
    /// backlog at a few events a second (ADR 18), and a run that lost nothing still lacked 475 clocks after 10 minutes
    /// (ADR 20). The longest quiet spell a healthy recovery has is a restart that waits out the watchdog (30 s) and a
    /// start-up under load (up to about 3 minutes) while nothing else has work left.
    /// </summary>
    public static readonly TimeSpan StallTime = TimeSpan.FromMinutes(5);

    /// <summary>The longest a fault test's backlog may take to drain while it still makes progress; throughput is for bench/.</summary>
    public static readonly TimeSpan DrainTime = TimeSpan.FromMinutes(15);

    public Databases Databases => new(DatabaseOf("intake"), DatabaseOf("tickets"), DatabaseOf("sla"), DatabaseOf("billing"));

    /// <summary>
    /// Posts <paramref name="count"/> requests through the gateway, <paramref name="parallel"/> at a time, calling
    /// <paramref name="midway"/> when each given fraction of them has been sent. Returns the ids of the accepted ones.
    /// </summary>
    public async Task<List<Guid>> StreamAsync(int count, int parallel, IReadOnlyDictionary<double, Func<Task>> midway)
    {
        using var staff = Client(TestAuth.Token(Roles.Dispatcher, subject: "stream"));
        var accepted = new List<Guid>();
        var sent = 0;
        var pending = new SortedDictionary<int, Func<Task>>(midway.ToDictionary(m => (int)(m.Key * count), m => m.Value));
        var gate = new SemaphoreSlim(parallel);
        var inFlight = new List<Task>();
        for (var i = 0; i < count; i++)
        {
            if (pending.Count > 0 && pending.First().Key <= i)
            {
                var step = pending.First();
                pending.Remove(step.Key);
                await step.Value(); // the fault happens while requests keep coming
            }
            await gate.WaitAsync();
            var n = Interlocked.Increment(ref sent);
            inFlight.Add(Task.Run(async () =>
            {
                try
                {
                    using var response = await staff.PostAsJsonAsync("/api/requests", new
                    {
                        clientId = DemoClient, contactEmail = $"stream{n}@example.com", subject = $"Stream {n}", description = "Fault test.",
                    });
                    if (response.StatusCode == HttpStatusCode.Accepted)
                    {
                        var id = (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
                        lock (accepted) accepted.Add(id);
                    }
                }
                catch (HttpRequestException)
                {
                    // Not accepted: the caller saw an error and would retry. Only accepted requests are promised.
                }
                finally
                {
                    gate.Release();
                }
            }));
        }
        await Task.WhenAll(inFlight);
        return accepted;
    }

    /// <summary>
    /// Publishes straight onto the system's broker, as a service would (a poison message; or, with
    /// <paramref name="times"/> &gt; 1, the same message again and again, back to back, as a redelivery storm).
    /// </summary>
    public async Task PublishAsync<T>(T message, int times = 1, Action<PublishContext<T>>? configure = null) where T : class
    {
        var rabbit = Infrastructure.RabbitMq;
        var bus = Bus.Factory.CreateUsingRabbitMq(cfg => cfg.Host(rabbit.Host, (ushort)rabbit.Port, VirtualHost, h =>
        {
            h.Username(rabbit.Username);
            h.Password(rabbit.Password);
        }));
        await bus.StartAsync();
        try
        {
            for (var i = 0; i < times; i++) await bus.Publish(message, context => configure?.Invoke(context));
        }
        finally
        {
            await bus.StopAsync();
        }
    }

    /// <summary>How many of these request ids intake has stored.</summary>
    private async Task<long> StoredRequestsAsync(IReadOnlyCollection<Guid> ids)
    {
        await using var intake = new Npgsql.NpgsqlConnection(DatabaseOf("intake"));
        await intake.OpenAsync();
        await using var count = new Npgsql.NpgsqlCommand("SELECT count(*) FROM service_requests WHERE \"Id\" = ANY($1)", intake)
        {
            Parameters = { new() { Value = ids.ToArray() } },
        };
        return (long)(await count.ExecuteScalarAsync())!;
    }

    /// <summary>
    /// Every message consumed so far, service by service, with the reconciliation's counts: while this changes, the
    /// system is still working through its backlog.
    /// </summary>
    private async Task<string> ProgressAsync(Report report)
    {
        var consumed = new List<long>();
        foreach (var service in Services)
        {
            await using var db = new Npgsql.NpgsqlConnection(DatabaseOf(service));
            await db.OpenAsync();
            await using var count = new Npgsql.NpgsqlCommand("""SELECT count(*) FROM "InboxState" WHERE "Consumed" IS NOT NULL""", db);
            consumed.Add((long)(await count.ExecuteScalarAsync())!);
        }
        return $"{string.Join(',', consumed)}/{report.Tickets},{report.Clocks},{report.BillingRecords}";
    }

    /// <summary>
    /// Waits until every accepted request is stored and has exactly one ticket, one SLA clock and one billing record.
    /// Fails as <em>lost</em> once nothing at all has been consumed for <paramref name="stall"/> (<see cref="StallTime"/>),
    /// and as <em>too slow</em> if it is still draining after <paramref name="within"/> (<see cref="DrainTime"/>).
    /// </summary>
    public async Task<Report> ReconciledAsync(IReadOnlyCollection<Guid> accepted, TimeSpan? stall = null, TimeSpan? within = null)
    {
        var quiet = stall ?? StallTime;
        var limit = within ?? DrainTime;
        var started = System.Diagnostics.Stopwatch.StartNew();
        var sinceProgress = System.Diagnostics.Stopwatch.StartNew();
        Report? last = null;
        string? progress = null;
        Exception? error = null;
        try
        {
            while (true)
            {
                try
                {
                    last = await Reconciliation.RunAsync(Databases, DateTimeOffset.UtcNow.AddMinutes(1));
                    if (last.Consistent && await StoredRequestsAsync(accepted) == accepted.Count) return last;
                    var now = await ProgressAsync(last);
                    if (now != progress) sinceProgress.Restart();
                    (progress, error) = (now, null);
                }
                catch (Npgsql.NpgsqlException e)
                {
                    error = e; // the database is still coming back: that is no progress either
                }
                if (sinceProgress.Elapsed > quiet)
                    throw new TimeoutException($"Lost: nothing was consumed anywhere for {quiet.TotalMinutes} minutes, and not every accepted request has its ticket, clock and billing record.", error);
                if (started.Elapsed > limit)
                    throw new TimeoutException($"Too slow: after {limit.TotalMinutes} minutes the backlog was still draining ({progress}).", error);
                await Task.Delay(TimeSpan.FromSeconds(2)); // each probe reads every service's database
            }
        }
        catch (TimeoutException e)
        {
            var health = new List<string>();
            foreach (var service in Services)
            {
                using var client = ClientFor(service);
                try { health.Add($"{service}: {await client.GetStringAsync(new Uri("/health/ready", UriKind.Relative))}"); }
                catch (HttpRequestException h) { health.Add($"{service}: {h.Message}"); }
            }
            // Best effort: on a loaded machine these may fail too, and must not hide the time-out itself.
            var outboxes = new List<string>();
            foreach (var service in Services)
            {
                try
                {
                    await using var db = new Npgsql.NpgsqlConnection(DatabaseOf(service));
                    await db.OpenAsync();
                    await using var count = new Npgsql.NpgsqlCommand("""SELECT count(*) FROM "OutboxMessage" """, db);
                    outboxes.Add($"{service}: {await count.ExecuteScalarAsync()}");
                }
                catch (Npgsql.NpgsqlException n) { outboxes.Add($"{service}: {n.Message}"); }
            }
            string queues;
            try { queues = await Infrastructure.DescribeQueuesAsync(VirtualHost); }
            catch (Exception q) when (q is InvalidOperationException or OperationCanceledException) { queues = q.Message; }
            // The apps' output first and the summary last: a CI log that keeps only the tail still shows the summary.
            throw new TimeoutException($"{e.Message}\n{Output}\n\n== Summary ==\nHealth: {string.Join("; ", health)}\nOutbox messages waiting: {string.Join("; ", outboxes)}\nQueues:\n{queues}\nLast report: requests {last?.Requests}, tickets {last?.Tickets}, clocks {last?.Clocks}, " +
                $"billing {last?.BillingRecords}; without ticket {last?.RequestsWithoutTicket.Count}, without clock {last?.TicketsWithoutClock.Count}, " +
                $"without billing {last?.TicketsWithoutBillingRecord.Count}, duplicates {last?.Duplicates.Count}.", e);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class FaultCollection : ICollectionFixture<FaultSystem>
{
    public const string Name = "fault system";
}
