using System.ComponentModel.DataAnnotations;
using System.Diagnostics.Metrics;
using Intake.Api.Data;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;
using Sla.Contracts;

namespace Intake.Api.Overload;

/// <summary>When intake counts itself overloaded (docs/adr/0033). Bound from "Intake:Backlog"; validated at start-up.</summary>
public sealed class BacklogOptions
{
    public const string Section = "Intake:Backlog";

    /// <summary>Accepted requests still waiting for their SLA clock at which non-emergency web requests are turned away.</summary>
    [Range(1, 10_000_000, ErrorMessage = "Intake:Backlog:Limit must be between 1 and 10000000.")]
    public int Limit { get; set; } = 2000;

    /// <summary>The age of the oldest waiting request at which non-emergency web requests are turned away.</summary>
    [Range(typeof(TimeSpan), "00:00:05", "1.00:00:00", ErrorMessage = "Intake:Backlog:MaxAge must be between 5 seconds and 1 day.")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>What a turned-away caller is told to wait (Retry-After).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Intake:Backlog:RetryAfter must be between 1 second and 1 hour.")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(30);
}

/// <summary>
/// The requests intake accepted whose ticket's SLA clock has not started yet: how many, and how long the oldest has
/// waited. Read from the database once a second (<see cref="BacklogMonitor"/>); exposed as metrics
/// (servicedesk.intake.backlog, servicedesk.intake.backlog.oldest_age), on /health/ready, and used by the overload policy.
/// </summary>
public sealed class Backlog
{
    public const string MeterName = "ServiceDesk.Intake";

    private readonly IOptionsMonitor<BacklogOptions> _options;
    private readonly TimeProvider _clock;
    private volatile Snapshot _last = new(0, null);

    public Backlog(IOptionsMonitor<BacklogOptions> options, TimeProvider clock, IMeterFactory meters)
    {
        _options = options;
        _clock = clock;
        var meter = meters.Create(MeterName);
        meter.CreateObservableGauge("servicedesk.intake.backlog", () => _last.Count, "{request}",
            "Accepted requests whose SLA clock has not started yet.");
        meter.CreateObservableGauge("servicedesk.intake.backlog.oldest_age", () => OldestAge.TotalSeconds, "s",
            "How long the oldest accepted request has waited for its SLA clock.");
    }

    private sealed record Snapshot(int Count, DateTimeOffset? Oldest);

    public int Count => _last.Count;

    public TimeSpan OldestAge => _last.Oldest is { } oldest ? _clock.GetUtcNow() - oldest : TimeSpan.Zero;

    /// <summary>Over either bound: non-emergency web requests are turned away until it is not.</summary>
    public bool Overloaded => Count >= _options.CurrentValue.Limit || OldestAge >= _options.CurrentValue.MaxAge;

    public TimeSpan RetryAfter => _options.CurrentValue.RetryAfter;

    public void Update(int count, DateTimeOffset? oldest) => _last = new Snapshot(count, oldest);

    public string Describe() => $"{Count} accepted requests wait for their SLA clock; the oldest for {OldestAge.TotalSeconds:0} s";
}

/// <summary>Reads the backlog once a second: one indexed query (the index holds only the waiting requests).</summary>
internal sealed class BacklogMonitor(IServiceScopeFactory scopes, Backlog backlog, ILogger<BacklogMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<IntakeDbContext>();
                var waiting = await db.Requests.IgnoreQueryFilters().Where(r => r.AwaitingClock)
                    .GroupBy(_ => 1)
                    .Select(g => new { Count = g.Count(), Oldest = g.Min(r => r.ReceivedAt) })
                    .SingleOrDefaultAsync(stoppingToken);
                backlog.Update(waiting?.Count ?? 0, waiting?.Oldest);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Reading the backlog failed; keeping the last reading");
            }
        } while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false) || !stoppingToken.IsCancellationRequested);
    }
}

/// <summary>Readiness shows the backlog; over a bound it is Degraded (still ready: accepted work is still being done).</summary>
internal sealed class BacklogHealthCheck(Backlog backlog) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(backlog.Overloaded
            ? HealthCheckResult.Degraded($"Overloaded: {backlog.Describe()}; non-emergency web requests get 503.")
            : HealthCheckResult.Healthy(backlog.Describe()));
}

/// <summary>
/// Marks requests whose SLA clock started, a batch at a time: one UPDATE per batch, which is idempotent by itself, so
/// it runs without the inbox (Messaging.AddBatchConsumer). A request threaded onto an existing ticket never waited.
/// </summary>
public sealed class ClockStartedConsumer(IntakeDbContext db) : IConsumer<Batch<SlaClockStarted>>
{
    public async Task Consume(ConsumeContext<Batch<SlaClockStarted>> context)
    {
        var tickets = context.Message.Select(m => m.Message.TicketId).ToArray();
        await db.Requests.IgnoreQueryFilters()
            .Where(r => r.AwaitingClock && tickets.Contains(r.Id))
            .ExecuteUpdateAsync(r => r.SetProperty(x => x.AwaitingClock, false), context.CancellationToken);
    }
}
