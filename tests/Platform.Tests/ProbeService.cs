using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;
using ServiceDesk.Platform;
using ServiceDesk.Platform.Outbox;

namespace Platform.Tests;

// A small service built on the platform the way the real ones are, to prove the outbox, inbox, saga repository and
// scheduler in isolation. The Probe* names keep its queues and exchanges apart from everything else.

public sealed record ProbeIncrement(Guid CounterId);
public sealed record ProbeStartTimer(Guid CounterId, int Seconds);
public sealed record ProbeCancelTimer(Guid CounterId);
public sealed record ProbeTimedOut(Guid CounterId);
public sealed record ProbeRecord(Guid RecordId);
public sealed record ProbeRecorded(Guid RecordId);

/// <summary>A saga counting increments, with a timer that can be cancelled.</summary>
public sealed class ProbeCounter : SagaStateMachineInstance
{
    public Guid CorrelationId { get; set; }
    public string CurrentState { get; set; } = null!;
    public int Count { get; set; }
    public Guid? TimeoutToken { get; set; }
    public int TimeoutsFired { get; set; }
}

public sealed class ProbeCounterStateMachine : MassTransitStateMachine<ProbeCounter>
{
    public ProbeCounterStateMachine()
    {
        InstanceState(x => x.CurrentState);
        Event(() => Incremented, e => e.CorrelateById(m => m.Message.CounterId));
        Event(() => TimerStarted, e => e.CorrelateById(m => m.Message.CounterId));
        Event(() => TimerCancelled, e => e.CorrelateById(m => m.Message.CounterId));
        Schedule(() => Timeout, x => x.TimeoutToken, s => s.Received = e => e.CorrelateById(m => m.Message.CounterId));

        Initially(
            When(Incremented).Then(c => c.Saga.Count++).TransitionTo(Counting),
            When(TimerStarted).Schedule(Timeout, c => new ProbeTimedOut(c.Saga.CorrelationId), c => TimeSpan.FromSeconds(c.Message.Seconds))
                .TransitionTo(Counting));
        During(Counting,
            When(Incremented).Then(c => c.Saga.Count++),
            When(TimerStarted).Schedule(Timeout, c => new ProbeTimedOut(c.Saga.CorrelationId), c => TimeSpan.FromSeconds(c.Message.Seconds)),
            When(TimerCancelled).Unschedule(Timeout),
            When(Timeout!.Received).Then(c => c.Saga.TimeoutsFired++));
    }

    public State Counting { get; private set; } = null!;
    public Event<ProbeIncrement> Incremented { get; private set; } = null!;
    public Event<ProbeStartTimer> TimerStarted { get; private set; } = null!;
    public Event<ProbeCancelTimer> TimerCancelled { get; private set; } = null!;
    public Schedule<ProbeCounter, ProbeTimedOut> Timeout { get; private set; } = null!;
}

/// <summary>One row per received record: deliberately not idempotent by itself, so only the inbox keeps it single.</summary>
public sealed class ProbeEffect
{
    public long Id { get; set; }
    public Guid RecordId { get; set; }
    public required string Kind { get; set; }
}

public sealed class ProbeRecordConsumer(ProbeDbContext db) : IConsumer<ProbeRecord>
{
    public async Task Consume(ConsumeContext<ProbeRecord> context)
    {
        db.Effects.Add(new ProbeEffect { RecordId = context.Message.RecordId, Kind = "recorded" });
        await db.SaveChangesAsync(context.CancellationToken);
        await context.Publish(new ProbeRecorded(context.Message.RecordId));
    }
}

/// <summary>Counts what the record consumer published, so a test sees how many copies left the outbox.</summary>
public sealed class ProbeRecordedConsumer(ProbeDbContext db) : IConsumer<ProbeRecorded>
{
    public async Task Consume(ConsumeContext<ProbeRecorded> context)
    {
        db.Effects.Add(new ProbeEffect { RecordId = context.Message.RecordId, Kind = "observed" });
        await db.SaveChangesAsync(context.CancellationToken);
    }
}

public sealed class ProbeDbContext(DbContextOptions<ProbeDbContext> options) : DbContext(options)
{
    public DbSet<ProbeEffect> Effects => Set<ProbeEffect>();
    public DbSet<ProbeCounter> Counters => Set<ProbeCounter>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        modelBuilder.AddReliableMessagingEntities();
        modelBuilder.AddSagaState<ProbeCounter>("probe_counters").Property(x => x.CurrentState).HasMaxLength(64);
        modelBuilder.Entity<ProbeEffect>().ToTable("probe_effects");
    }
}

/// <summary>For `dotnet ef migrations add` only.</summary>
public sealed class ProbeDbContextFactory : IDesignTimeDbContextFactory<ProbeDbContext>
{
    public ProbeDbContext CreateDbContext(string[] args) =>
        new(new DbContextOptionsBuilder<ProbeDbContext>().UseNpgsql("Host=127.0.0.1").Options);
}
