using System.Net;
using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Api.OnCall;

namespace Tickets.Api.Endpoints;

public sealed record PageView(Guid Id, int Round, string Layer, string Person, DateTimeOffset At, DateTimeOffset AckExpiresAt);

/// <param name="State">Paging, Acknowledged or Exhausted.</param>
/// <param name="EscalatesAt">
/// While paging: when the current page's wait runs out and the chain moves on (the next layer or round, or the dispatcher
/// queue after the last), by the team's page wait as it is now. Null once acknowledged or exhausted. Not the page's
/// <see cref="PageView.AckExpiresAt"/>, which is how long its one-tap link works (a night).
/// </param>
public sealed record PagingView(Guid TicketId, Guid? TeamId, string State, DateTimeOffset StartedAt, DateTimeOffset? EndedAt,
    string? AcknowledgedBy, string? AcknowledgedHow, PageView[] Pages, DateTimeOffset? EscalatesAt = null);

/// <summary>
/// A ticket's emergency paging (docs/adr/0041): staff read it and take it through the API; the person paged takes it
/// with one tap on the link in the page (<c>/pages/{token}</c>), whose secret is the credential, so it needs no sign-in:
/// a GET shows what the page is about and a button (link previews in messaging apps GET it, and must not acknowledge),
/// the button's POST acknowledges.
/// </summary>
public static class PagingEndpoints
{
    public static IEndpointRouteBuilder MapPagingEndpoints(this IEndpointRouteBuilder app)
    {
        var paging = app.MapGroup("/api/tickets/{id:guid}/paging").WithTags("Paging").RequireAuthorization(Policies.Staff);
        paging.MapGet("", async (Guid id, TicketsDbContext db, CancellationToken ct) =>
            {
                if (await Paging.Current(db.Pagings.AsNoTracking().Include(p => p.Pages), id).FirstOrDefaultAsync(ct) is not { } found)
                    return Problems.NotFound("paging: this ticket was never paged");
                var wait = found.TeamId is { } teamId
                    ? await db.Teams.AsNoTracking().Where(t => t.Id == teamId).Select(t => (TimeSpan?)t.PageWait).SingleOrDefaultAsync(ct)
                    : null;
                return TypedResults.Ok(View(found, wait));
            })
            .Produces<PagingView>()
            .ProducesProblem(StatusCodes.Status404NotFound);
        paging.MapPost("/acknowledge", async (Guid id, ClaimsPrincipal user, TicketsDbContext db, Paging pagings, IPublishEndpoint bus,
                CancellationToken ct) =>
            {
                await using var transaction = await db.Database.BeginTransactionAsync(ct);
                if (await pagings.LockCurrentAsync(id, ct) is not { } found) return Problems.NotFound("paging: this ticket was never paged");
                if (!await pagings.AcknowledgeAsync(found, null, Actor.Of(user).Subject, "api", bus, ct)) return AlreadyTaken(found);
                await db.SaveChangesAsync(ct);
                await transaction.CommitAsync(CancellationToken.None);
                return TypedResults.Ok(View(found));
            })
            .Produces<PagingView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        var link = app.MapGroup("/pages").WithTags("Paging").AllowAnonymous().ExcludeFromDescription();
        link.MapGet("/{token}", async (string token, TicketsDbContext db, TimeProvider clock, CancellationToken ct) =>
        {
            var (page, error) = await FindAsync(db, token, clock, ct);
            if (page is null) return error!;
            // Anonymous callers see no client's tickets; the link's secret is what entitles this one to its number.
            var number = await db.Tickets.IgnoreQueryFilters().Where(t => t.Id == page.TicketId).Select(t => t.Number).SingleAsync(ct);
            return Html("Emergency page", $"""
                <p>You were paged as <strong>{Encode(page.Person)}</strong> ({Encode(page.Layer)}) for ticket <strong>SD#{number}</strong>.</p>
                <form method="post"><button type="submit">I take this emergency</button></form>
                """);
        });
        link.MapPost("/{token}", async (string token, TicketsDbContext db, Paging pagings, IPublishEndpoint bus, TimeProvider clock, CancellationToken ct) =>
        {
            var (page, error) = await FindAsync(db, token, clock, ct);
            if (page is null) return error!;
            await using var transaction = await db.Database.BeginTransactionAsync(ct);
            var paging = await pagings.LockAsync(page.PagingId, ct);
            if (!await pagings.AcknowledgeAsync(paging, page.Id, page.Person, "link", bus, ct))
                return Html("Already taken", $"<p>{Encode(paging.AcknowledgedBy!)} took this emergency at {paging.EndedAt:u}.</p>");
            await db.SaveChangesAsync(ct);
            await transaction.CommitAsync(CancellationToken.None);
            return Html("Acknowledged", "<p>Thank you: the emergency is yours, and nobody else will be paged.</p>");
        });
        return app;
    }

    /// <summary>The page a link's secret belongs to, or the problem: a link nobody issued, or one past its night.</summary>
    private static async Task<(Page? Page, IResult? Error)> FindAsync(TicketsDbContext db, string token, TimeProvider clock, CancellationToken ct)
    {
        var page = token.Length is > 20 and < 100 ? await db.Pages.AsNoTracking().SingleOrDefaultAsync(p => p.AckTokenHash == Page.Hash(token), ct) : null;
        if (page is null)
            return (null, Problems.On(StatusCodes.Status404NotFound, "token", "No page has this link.", "This page link is not valid.",
                "Check that the whole link was opened, or acknowledge the ticket's paging in the API."));
        if (page.AckExpiresAt <= clock.GetUtcNow())
            return (null, Problems.On(StatusCodes.Status410Gone, "token", "Expired.", "This page link has expired.",
                $"It was valid until {page.AckExpiresAt:u}; acknowledge the ticket's paging in the API."));
        return (page, null);
    }

    private static IResult AlreadyTaken(EmergencyPaging paging) =>
        Problems.Conflict("Someone took this emergency already.", $"{paging.AcknowledgedBy} acknowledged it at {paging.EndedAt:u} ({paging.AcknowledgedHow}).");

    /// <param name="pageWait">The team's page wait, for <see cref="PagingView.EscalatesAt"/>; null when not read.</param>
    private static PagingView View(EmergencyPaging p, TimeSpan? pageWait = null) => new(p.TicketId, p.TeamId, p.State.ToString(), p.StartedAt,
        p.EndedAt, p.AcknowledgedBy, p.AcknowledgedHow,
        p.Pages.OrderBy(x => x.At).Select(x => new PageView(x.Id, x.Round, x.Layer, x.Person, x.At, x.AckExpiresAt)).ToArray(),
        p.State == PagingState.Paging && pageWait is { } wait && p.Pages.SingleOrDefault(x => x.Id == p.CurrentPageId) is { } current
            ? current.At + wait : null);

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    private static IResult Html(string title, string body) => TypedResults.Content($"""
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{title} · ServiceDesk</title><link rel="stylesheet" href="/portal/portal.css"></head>
        <body><main><h1>{title}</h1>{body}</main></body></html>
        """, "text/html; charset=utf-8");
}
