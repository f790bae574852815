using Billing.Api.Endpoints;
using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Billing.Api.Data;

/// <summary>
/// Publishes, once, the terms of agreement versions stored before billing published them (docs/adr/0056): tickets'
/// after-hours gate and approvals read its copy of the terms, and without one it treated such a client as having no
/// agreement (no pre-authorisation, no rate to quote). Runs at start-up after the migrations; versions stored since are
/// published in their own transaction and are never picked up here.
/// </summary>
internal sealed class AgreementTermsAnnouncement(IServiceProvider services, TimeProvider time, ILogger<AgreementTermsAnnouncement> logger)
    : IHostedService
{
    /// <summary>The advisory lock key ("bill-ann" in ASCII): two instances starting together announce once.</summary>
    private const long AnnouncementLock = 0x62696c6c2d616e6e;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<BillingDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({AnnouncementLock})", cancellationToken);
        var unpublished = await db.Agreements.Where(a => a.TermsPublishedAt == null).OrderBy(a => a.ClientId).ThenBy(a => a.Version)
            .ToListAsync(cancellationToken);
        if (unpublished.Count == 0) return;
        // Through the outbox, in this transaction: marked published if and only if the messages will go out.
        var bus = scope.ServiceProvider.GetRequiredService<IPublishEndpoint>();
        var now = time.GetUtcNow();
        foreach (var version in unpublished)
        {
            await bus.Publish(AgreementEndpoints.TermsChanged(version), cancellationToken);
            version.TermsPublishedAt = now;
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Published the terms of {Count} agreement versions stored before tickets was told of them", unpublished.Count);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
