using ServiceDesk.Platform.Calendars;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Sla.Api.Domain;

namespace Sla.Api.Data;

/// <summary>
/// On start-up, after the migrations: stores the default calendar (from Sla:Calendar) and DOMAIN.md's typical tiers
/// (<see cref="SlaPolicySet.Default"/>) if they were never stored, then checks that Sla:DefaultTier names a stored tier.
/// Done here rather than as migration data because the default calendar comes from configuration (tests run on a 24x7
/// one), and migration data would be re-asserted by later migrations over an admin's edits. Idempotent, and serialised
/// by an advisory lock, so instances starting together seed once.
/// </summary>
internal sealed class PolicySeeding(IServiceProvider services, IOptions<CalendarOptions> calendar, IOptions<SlaOptions> options,
    TimeProvider time, ILogger<PolicySeeding> logger) : IHostedService
{
    /// <summary>The advisory lock key of seeding ("sla-seed" in ASCII); client locks use the clients' ids.</summary>
    private const long SeedLock = 0x736c612d73656564;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SlaDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({SeedLock})", cancellationToken);

        if (!await db.CalendarRevisions.AnyAsync(r => r.CalendarId == CalendarRecord.DefaultId, cancellationToken))
        {
            var configured = calendar.Value;
            db.Calendars.Add(new CalendarRecord { Id = CalendarRecord.DefaultId, Name = "Default", Revision = 1 });
            db.CalendarRevisions.Add(new CalendarRevisionRecord
            {
                CalendarId = CalendarRecord.DefaultId,
                Revision = 1,
                Name = "Default",
                TimeZone = configured.TimeZone,
                Hours = new CalendarHours(configured.Week().ToDictionary(d => d.Key, d => (IReadOnlyList<OpenRange>)d.Value), []),
                CreatedAt = time.GetUtcNow(),
                CreatedBy = "sla",
            });
            logger.LogInformation("Stored the default calendar from {Section}", CalendarOptions.Section);
        }
        // Only into an empty table: the default tier cannot be deleted, so the seed never comes back over an admin's work.
        if (!await db.Tiers.AnyAsync(cancellationToken))
        {
            db.Tiers.AddRange(SlaPolicySet.Default.Tiers.Select(TierRecord.From));
            logger.LogInformation("Stored the default tiers {Tiers}", string.Join(", ", SlaPolicySet.Default.Tiers.Select(t => t.Tier)));
        }
        // Every calendar's current revision, announced again at each start: a subscriber that came later (billing)
        // learns the calendars stored before it, and one that has them ignores the copies (it keeps the highest revision).
        await db.SaveChangesAsync(cancellationToken);
        var bus = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        foreach (var revision in await CurrentRevisionsAsync(db, cancellationToken))
            await bus.Publish(revision.ToMessage(), cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        var defaultTier = TierNames.Normalize(options.Value.DefaultTier);
        if (!await db.Tiers.AnyAsync(t => t.Name == defaultTier, cancellationToken))
        {
            var tiers = await db.Tiers.OrderBy(t => t.Name).Select(t => t.Name).ToListAsync(cancellationToken);
            throw new OptionsValidationException(SlaOptions.Section, typeof(SlaOptions),
                [$"{SlaOptions.Section}:DefaultTier '{options.Value.DefaultTier}' is not a tier (one of {string.Join(", ", tiers)})."]);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private static async Task<List<CalendarRevisionRecord>> CurrentRevisionsAsync(SlaDbContext db, CancellationToken cancellationToken)
    {
        return await (from calendar in db.Calendars.AsNoTracking()
                join revision in db.CalendarRevisions.AsNoTracking() on new { calendar.Id, calendar.Revision }
                    equals new { Id = revision.CalendarId, revision.Revision }
                select revision).ToListAsync(cancellationToken);
    }
}
