using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.OnCall;

/// <summary>The durable scheduler publishes this when a page's wait is over; a page already answered ignores it.</summary>
public sealed record PageDue(Guid TicketId, Guid PageId);

/// <summary>
/// The emergency paging saga (docs/adr/0041): started by the SLA clock's start when the tier pages on-call, advanced by
/// <see cref="PageDue"/> timers (sla's durable scheduler: a restart of any service resumes the chain), stopped by an
/// acknowledgement. Every step loads the paging row locked, so a timer and an acknowledgement take turns, and an
/// acknowledged chain never pages again. Every page and step is on the ticket's audit trail.
/// </summary>
public sealed class Paging(TicketsDbContext db, OnCallSchedule schedule, TimeProvider clock)
{
    private static readonly Actor Tickets = Actor.System("tickets");

    /// <summary>
    /// Pages the first layer for an emergency start (<paramref name="startKey"/>: the clock's start, or a raise to P1,
    /// docs/adr/0058). A copy of the same start finds its chain begun; a new start while a chain is still paging joins it
    /// (people are being woken already); a new start after the last chain ended (taken, or spent) begins a new chain.
    /// The caller holds the ticket's row lock, so two starts of one ticket take turns.
    /// </summary>
    public async Task StartAsync(ConsumeContext context, Ticket ticket, string startKey)
    {
        if (await db.Pagings.AnyAsync(p => p.TicketId == ticket.Id && (p.StartKey == startKey || p.State == PagingState.Paging),
                context.CancellationToken)) return;
        var at = clock.GetUtcNow();
        var paging = new EmergencyPaging
        {
            Id = NewId.NextGuid(), StartKey = startKey, TicketId = ticket.Id, ClientId = ticket.ClientId, TeamId = ticket.TeamId, StartedAt = at,
        };
        db.Pagings.Add(paging);
        db.Record(ticket, Tickets, at, "paging-started", new { pagingId = paging.Id, teamId = ticket.TeamId });
        await PageNextAsync(context, paging, at);
    }

    /// <summary>The start key of a clock's start: its version and start instant (a new clock on the ticket starts anew).</summary>
    public static string Started(int clockVersion, DateTimeOffset startedAt) => $"started:{clockVersion}:{startedAt.UtcTicks}";

    /// <summary>The start key of a raise to a covered P1: the recalculated clock's version and the instant of the raise.</summary>
    public static string Raised(int clockVersion, DateTimeOffset at) => $"raised:{clockVersion}:{at.UtcTicks}";

    /// <summary>A page's wait ran out: unless it was answered meanwhile, the next layer is paged.</summary>
    public async Task TimedOutAsync(ConsumeContext<PageDue> context)
    {
        var due = context.Message;
        if (await LockPageChainAsync(due.PageId, context.CancellationToken) is not { } paging) return;
        if (paging.State != PagingState.Paging || paging.CurrentPageId != due.PageId) return; // answered, or a copy
        var at = clock.GetUtcNow();
        var page = paging.Pages.Single(p => p.Id == due.PageId);
        db.Record(paging, Tickets, at, "page-unanswered", new { pageId = page.Id, page.Person, page.Layer, page.Round });
        await PageNextAsync(context, paging, at);
    }

    /// <summary>
    /// Takes the emergency for <paramref name="by"/>: the chain stops at once (the timer still fires, and finds it
    /// answered). False when someone took it already; the caller says who.
    /// </summary>
    public async Task<bool> AcknowledgeAsync(EmergencyPaging paging, Guid? pageId, string by, string how, IPublishEndpoint bus,
        CancellationToken cancellationToken)
    {
        var at = clock.GetUtcNow();
        if (!paging.Acknowledge(by, how, at)) return false;
        db.Record(paging, new Actor(by, how switch { "link" => "page-link", "sms" => "sms", _ => Actor.Web }), at, "page-acknowledged", new { pageId, by, how });
        await bus.Publish(new PageAcknowledged(paging.TicketId, paging.ClientId, pageId, by, how, at), cancellationToken);
        return true;
    }

    /// <summary>The chain with its pages, its row locked until the transaction ends (the same lock as every ticket change).</summary>
    public async Task<EmergencyPaging> LockAsync(Guid pagingId, CancellationToken cancellationToken)
    {
        var paging = await db.Pagings.SingleForUpdateAsync(pagingId, cancellationToken);
        await db.Pages.Where(p => p.PagingId == pagingId).OrderBy(p => p.At).LoadAsync(cancellationToken);
        return paging;
    }

    /// <summary>The chain a page belongs to, locked; null for a page nobody stored.</summary>
    public async Task<EmergencyPaging?> LockPageChainAsync(Guid pageId, CancellationToken cancellationToken) =>
        await db.Pages.Where(p => p.Id == pageId).Select(p => (Guid?)p.PagingId).SingleOrDefaultAsync(cancellationToken) is { } pagingId
            ? await LockAsync(pagingId, cancellationToken) : null;

    /// <summary>The ticket's chains, the current one first: the one still paging, else the newest.</summary>
    public static IQueryable<EmergencyPaging> Current(IQueryable<EmergencyPaging> pagings, Guid ticketId) =>
        pagings.Where(p => p.TicketId == ticketId).OrderBy(p => p.State == PagingState.Paging ? 0 : 1).ThenByDescending(p => p.StartedAt);

    /// <summary>The ticket's current chain, locked; null when the ticket was never paged.</summary>
    public async Task<EmergencyPaging?> LockCurrentAsync(Guid ticketId, CancellationToken cancellationToken) =>
        await Current(db.Pagings, ticketId).Select(p => (Guid?)p.Id).FirstOrDefaultAsync(cancellationToken) is { } pagingId
            ? await LockAsync(pagingId, cancellationToken) : null;

    private async Task PageNextAsync(ConsumeContext context, EmergencyPaging paging, DateTimeOffset at)
    {
        var team = paging.TeamId is { } teamId ? await db.Teams.AsNoTracking().SingleOrDefaultAsync(t => t.Id == teamId, context.CancellationToken) : null;
        var onCall = team is null ? new OnCallNow(Guid.Empty, at, null, null, null) : await schedule.AtAsync(team.Id, at, context.CancellationToken);
        var rounds = team?.PageRounds ?? 1;
        if (paging.PageNext(onCall, rounds, at, out var token) is not { } page)
        {
            var reason = team is null ? "The ticket has no team, so nobody is on call for it."
                : paging.Pages.Count == 0 ? $"Nobody is on call for team {team.Name}."
                : $"Nobody acknowledged {paging.Pages.Count} pages in {rounds} rounds.";
            paging.Exhaust(at);
            db.Record(paging, Tickets, at, "paging-exhausted", new { reason });
            await context.Publish(new PagingExhausted(paging.TicketId, paging.ClientId, paging.TeamId, rounds, reason, at), context.CancellationToken);
            return;
        }
        db.Pages.Add(page); // a new row, though its key is set: found only through the collection, EF would update it
        db.Record(paging, Tickets, at, "paged", new { pageId = page.Id, page.Person, page.Layer, page.Round, ackExpiresAt = page.AckExpiresAt });
        await context.Publish(new OnCallPaged(page.Id, paging.TicketId, paging.ClientId, paging.TeamId, page.Person, page.Layer, page.Round, at,
            token, page.AckExpiresAt), context.CancellationToken);
        await context.SchedulePublish(at.UtcDateTime + team!.PageWait, new PageDue(paging.TicketId, page.Id), context.CancellationToken);
    }
}

/// <summary>
/// A page answered by text message (docs/adr/0046): notify names the pages it texted to the replying number, newest first;
/// the newest whose chain is still open (paging, or exhausted and waiting for anyone) is acknowledged for the person it
/// went to, "sms". Each chain is locked in turn, so a timer or a tap on the same chain takes turns with this; a redelivery
/// finds the chain acknowledged and does nothing.
/// </summary>
public sealed class PageReplyReceivedConsumer(Paging paging, ILogger<PageReplyReceivedConsumer> logger) : IConsumer<Notify.Contracts.PageReplyReceived>
{
    public async Task Consume(ConsumeContext<Notify.Contracts.PageReplyReceived> context)
    {
        foreach (var sent in context.Message.Pages)
        {
            var chain = await paging.LockPageChainAsync(sent.PageId, context.CancellationToken);
            if (chain?.Pages.SingleOrDefault(p => p.Id == sent.PageId) is not { } page || chain.State == PagingState.Acknowledged) continue;
            await paging.AcknowledgeAsync(chain, page.Id, page.Person, "sms", context, context.CancellationToken);
            return;
        }
        logger.LogInformation("Page reply {MessageId}: every page texted to that number is answered already", context.Message.MessageId);
    }
}

/// <summary>Advances a ticket's paging when a page's wait is over.</summary>
public sealed class PageDueConsumer(Paging paging) : IConsumer<PageDue>
{
    public Task Consume(ConsumeContext<PageDue> context) => paging.TimedOutAsync(context);
}
