using System.ComponentModel.DataAnnotations;

namespace ServiceDesk.Platform.Outbox;

/// <summary>Tuning of the outbox, inbox and scheduler. Bound from the "Outbox" section; the defaults suit production.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>How long a consumed message's id is remembered, so that a copy of it has no second effect.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "90.00:00:00", ErrorMessage = "Outbox:DuplicateDetectionWindow must be between 1 minute and 90 days.")]
    public TimeSpan DuplicateDetectionWindow { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Committed outboxes reach the delivery service in memory at once; this is how often it looks in the database for
    /// orphans (<see cref="OrphanAge"/>), so an orphan goes out between OrphanAge and OrphanAge plus this. Each look is
    /// a transaction, in every service, busy or idle: at 1 s the looks were about a quarter of an idle service's CPU.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Outbox:DeliveryPollInterval must be between 50 ms and 1 minute.")]
    public TimeSpan DeliveryPollInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How old an outbox in the database must be before an orphan pass sends it: one this instance holds in memory is
    /// sent within milliseconds (a send gives up after <see cref="SendTimeout"/>), so an older one was written before a
    /// crash, by an instance that died, or failed to send. Longer than SendTimeout, so a slow send is not doubled.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00", ErrorMessage = "Outbox:OrphanAge must be between 1 second and 1 hour.")]
    public TimeSpan OrphanAge { get; set; } = TimeSpan.FromSeconds(15);

    [Range(1, 10_000, ErrorMessage = "Outbox:DeliveryBatchSize must be between 1 and 10000.")]
    public int DeliveryBatchSize { get; set; } = 100;

    /// <summary>How long one message may wait for the broker's confirm before the pass gives up and retries.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00", ErrorMessage = "Outbox:SendTimeout must be between 1 second and 5 minutes.")]
    public TimeSpan SendTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often due timers are looked for: a timer fires at most this late under normal load.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:01:00", ErrorMessage = "Outbox:SchedulerPollInterval must be between 50 ms and 1 minute.")]
    public TimeSpan SchedulerPollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    [Range(1, 10_000, ErrorMessage = "Outbox:SchedulerBatchSize must be between 1 and 10000.")]
    public int SchedulerBatchSize { get; set; } = 500;
}
