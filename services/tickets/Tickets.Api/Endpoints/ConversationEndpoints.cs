using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Endpoints;

public sealed record PostMessageRequest(string? Body);

/// <param name="Channel">For a client's message: the channel it came through.</param>
/// <param name="MatchedBy">For a client's message: why it was added to this ticket.</param>
/// <param name="MergedFrom">For a message of a duplicate merged into this ticket: the duplicate's id.</param>
public sealed record MessageView(Guid Id, MessageKind Kind, string Author, string Body, DateTimeOffset At, string? Channel = null,
    string? MatchedBy = null, Guid? MergedFrom = null);

public static class ConversationEndpoints
{
    public static IEndpointRouteBuilder MapConversationEndpoints(this IEndpointRouteBuilder app)
    {
        var tickets = app.MapGroup("/api/tickets/{id:guid}").WithTags("Conversation");

        tickets.MapGet("/conversation", Conversation)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<MessageView[]>()
            .ProducesProblem(StatusCodes.Status404NotFound);

        tickets.MapPost("/replies", (Guid id, PostMessageRequest body, ClaimsPrincipal user, TicketsDbContext db, IPublishEndpoint bus,
                TimeProvider clock, CancellationToken cancellationToken) =>
                PostAsync(id, MessageKind.PublicReply, body, user, db, bus, clock, cancellationToken))
            .RequireAuthorization(Policies.Staff)
            .Produces<MessageView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        tickets.MapPost("/notes", (Guid id, PostMessageRequest body, ClaimsPrincipal user, TicketsDbContext db, IPublishEndpoint bus,
                TimeProvider clock, CancellationToken cancellationToken) =>
                PostAsync(id, MessageKind.InternalNote, body, user, db, bus, clock, cancellationToken))
            .RequireAuthorization(Policies.Staff)
            .Produces<MessageView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <summary>
    /// The thread, oldest first, with the threads of the duplicates merged into this ticket. A client token sees
    /// everything but internal notes: those never leave the building.
    /// </summary>
    private static async Task<IResult> Conversation(Guid id, Tenant tenant, TicketsDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Tickets.AnyAsync(t => t.Id == id, cancellationToken)) return Problems.TicketNotFound();
        var merged = db.Tickets.Where(t => t.MergedIntoId == id).Select(t => t.Id);
        var messages = db.Messages.AsNoTracking().Where(m => m.TicketId == id || merged.Contains(m.TicketId));
        if (tenant.ClientId is not null) messages = messages.Where(m => m.Kind != MessageKind.InternalNote);
        return TypedResults.Ok(await messages.OrderBy(m => m.Position)
            .Select(m => new MessageView(m.Id, m.Kind, m.Author, m.Body, m.At, m.Channel, m.MatchedBy, m.TicketId == id ? null : m.TicketId))
            .ToArrayAsync(cancellationToken));
    }

    /// <summary>
    /// Appends to the thread. A message changes no field of the ticket, so it needs no version: two technicians writing
    /// at once both get their message in. A public reply is published for notify (mail) and sla (communication); a note
    /// only reaches the audit trail.
    /// </summary>
    private static async Task<IResult> PostAsync(Guid id, MessageKind kind, PostMessageRequest body, ClaimsPrincipal user,
        TicketsDbContext db, IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        Input.Text(errors, "body", body.Body, TicketLimits.MessageBody);
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var ticket = await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == id, cancellationToken);
        if (ticket is null) return Problems.TicketNotFound();
        // The client was told the ticket is closed; a later reply would be a conversation nobody tracks.
        if (kind == MessageKind.PublicReply && ticket.Status == TicketStatus.Closed)
            return Problems.Conflict("A closed ticket takes no more replies.", ticket.MergedIntoId is { } survivor
                ? $"It was merged into ticket {survivor}: reply there."
                : "Reopening is not possible once closed; open a new ticket.");

        var actor = Actor.Of(user);
        var at = clock.GetUtcNow();
        var message = new TicketMessage
        {
            Id = Guid.CreateVersion7(at), TicketId = ticket.Id, ClientId = ticket.ClientId, Kind = kind, Author = actor.Subject,
            Body = body.Body!, At = at,
        };
        db.Messages.Add(message);
        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        if (kind == MessageKind.PublicReply)
        {
            db.Record(ticket, actor, at, "reply-posted", new { messageId = message.Id, length = message.Body.Length });
            await bus.Publish(new PublicReplyPosted(message.Id, ticket.Id, ticket.Number, ticket.ClientId, ticket.ContactEmail,
                ticket.ContactName, ticket.Subject, message.Body, actor.Subject, at, actor.Channel), cancellationToken);
        }
        else
        {
            // The audit entry says a note was written, not what it says: the trail may be exported, notes stay here.
            db.Record(ticket, actor, at, "note-added", new { messageId = message.Id, length = message.Body.Length });
        }
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/tickets/{ticket.Id}/conversation#{message.Id}",
            new MessageView(message.Id, message.Kind, message.Author, message.Body, message.At));
    }
}
