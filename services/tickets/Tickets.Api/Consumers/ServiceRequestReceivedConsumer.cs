using Intake.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Consumers;

/// <summary>
/// Turns a received request into a ticket, in the queue of the team the routing rules choose, or, when its thread hints
/// name an open ticket of the same client, into a message on that ticket (docs/adr/0017). Idempotent: the ticket's or
/// the message's id is the request's id, so a redelivered request finds what the first delivery made; a redelivered
/// new ticket publishes the same TicketOpened again (in case the first publish was lost).
/// </summary>
public sealed class ServiceRequestReceivedConsumer(TicketsDbContext db)
    : IConsumer<ServiceRequestReceived>
{
    /// <summary>Triage sets priorities; until it does, a ticket waits at the default.</summary>
    public const string DefaultPriority = "P3";

    /// <summary>What a declared emergency opens at (docs/adr/0037).</summary>
    public const string EmergencyPriority = "P1";

    public async Task Consume(ConsumeContext<ServiceRequestReceived> context)
    {
        var request = context.Message;
        var cancellationToken = context.CancellationToken;
        // Only a request with thread hints (or a text) can have become a reply; the others skip the lookup.
        if (ThreadMatch.MayAnswer(request) && await db.Messages.AnyAsync(m => m.Id == request.RequestId, cancellationToken)) return;

        // A first delivery of a request that cannot be a reply opens the ticket without looking: a copy (even one with a
        // new MessageId) fails on the ticket's key when it saves, and its retry looks (docs/adr/0069). One that may be a
        // reply looks first, so that a copy never becomes a reply to another ticket as well.
        var ticket = ThreadMatch.MayAnswer(request) || context.MayBeCopy()
            ? await db.Tickets.AsNoTracking().SingleOrDefaultAsync(t => t.Id == request.RequestId, cancellationToken)
            : null;
        if (ticket is null)
        {
            var thread = await ThreadMatch.FindAsync(db, request, cancellationToken);
            if (thread.Ticket is not null)
            {
                await AddReplyAsync(context, thread.Ticket, thread.Explanation!);
                return;
            }
            ticket = await OpenAsync(request, thread.Explanation, cancellationToken);
        }

        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        await context.Publish(new TicketOpened(ticket.Id, ticket.Number, ticket.ClientId, ticket.ContactEmail,
            ticket.ContactName, ticket.Channel, ticket.Subject, ticket.Priority, ticket.OpenedAt, ticket.TeamId, TicketVersion: 1)
        {
            EmergencyDeclared = ticket.EmergencyDeclared,
        });
    }

    /// <summary>
    /// The client wrote again on a ticket: the message, its audit entry and, for a ticket that was resolved or waiting
    /// on the client, the status change that puts it back in front of a technician, in one SaveChanges.
    /// </summary>
    private async Task AddReplyAsync(ConsumeContext<ServiceRequestReceived> context, Ticket ticket, string matchedBy)
    {
        var request = context.Message;
        var actor = new Actor("system:intake", request.Channel);
        db.Messages.Add(new TicketMessage
        {
            Id = request.RequestId, TicketId = ticket.Id, ClientId = ticket.ClientId, Kind = MessageKind.ClientMessage,
            Author = request.ContactName is null ? request.ContactEmail : $"{request.ContactName} <{request.ContactEmail}>",
            Body = request.Description, At = request.ReceivedAt, Channel = request.Channel, MatchedBy = matchedBy,
        });
        db.Record(ticket, actor, request.ReceivedAt, "client-replied",
            new { messageId = request.RequestId, request.Channel, matchedBy, length = request.Description.Length });
        await AddThreadReferenceAsync(request, ticket, context.CancellationToken);

        var from = ticket.Status;
        // A client answering "resolved" means it is not; one answering a question lets the work go on.
        var to = from switch
        {
            TicketStatus.Resolved => TicketStatus.Reopened,
            TicketStatus.WaitingOnClient => TicketStatus.InProgress,
            _ => from,
        };
        const string reason = "The client replied.";
        var moved = to != from && ticket.TryMoveTo(to);
        if (moved)
        {
            db.Record(ticket, actor, request.ReceivedAt, "status-changed", new { from, to, reason });
            ticket.ChangedByPerson(); // the client's own change: a technician's edit from before it is stale
        }
        var version = moved ? ticket.NextEventVersion() : 0;

        Telemetry.TagTicket(ticket.Id, ticket.ClientId, ticket.Priority);
        // A redelivery racing this one fails here on the message's key and, retried, finds the message added.
        await db.SaveChangesAsync(context.CancellationToken);
        if (moved)
            await context.Publish(new TicketStatusChanged(ticket.Id, ticket.ClientId, from.ToString(), to.ToString(),
                request.ReceivedAt, actor.Subject, actor.Channel, reason, version));
    }

    /// <summary>An email's Message-ID joins its ticket's thread, so answers to it (a colleague's reply-all) find the ticket.</summary>
    private async Task AddThreadReferenceAsync(ServiceRequestReceived request, Ticket ticket, CancellationToken cancellationToken)
    {
        if (request is { Channel: "email", ExternalId: { } messageId } && ThreadMatch.IsMessageId(messageId))
            await db.AddThreadReferenceAsync(messageId, ticket, request.ReceivedAt, cancellationToken);
    }

    /// <summary>The ticket, its first audit entry and its routing, in one SaveChanges.</summary>
    /// <param name="threadNote">Why the request's thread hints did not make it a reply (another client's ticket, a closed one).</param>
    private async Task<Ticket> OpenAsync(ServiceRequestReceived request, string? threadNote, CancellationToken cancellationToken)
    {
        var ticket = new Ticket
        {
            Id = request.RequestId,
            ClientId = request.ClientId,
            ContactEmail = request.ContactEmail,
            ContactName = request.ContactName,
            Channel = request.Channel,
            Subject = request.Subject,
            Description = request.Description,
            // A declared emergency is a P1 candidate: the tier decides what happens at night, triage may lower it.
            Priority = request.EmergencyDeclared is null ? DefaultPriority : EmergencyPriority,
            PriorityHint = request.PriorityHint,
            EmergencyDeclared = request.EmergencyDeclared,
            OpenedAt = request.ReceivedAt,
        };
        ticket.TeamId = await RouteAsync(ticket, cancellationToken);
        db.Tickets.Add(ticket);

        var actor = new Actor("system:intake", request.Channel);
        db.Record(ticket, actor, request.ReceivedAt, "opened", new { request.Channel, ticket.Priority, ticket.TeamId, thread = threadNote, emergency = request.EmergencyDeclared });
        await AddThreadReferenceAsync(request, ticket, cancellationToken);
        if (ticket.TeamId is not null)
            db.Assignments.Add(new TicketAssignment
            {
                TicketId = ticket.Id, ClientId = ticket.ClientId, TeamId = ticket.TeamId, At = request.ReceivedAt,
                By = "system:routing", Reason = "Routing rule",
            });
        // A duplicate racing this one fails here on the ticket's key, which aborts the delivery's transaction; its retry
        // finds the ticket before opening one (Consume).
        await db.SaveChangesAsync(cancellationToken);
        return ticket;
    }

    /// <summary>The first rule, by order, whose client and channel both match (null matches anything).</summary>
    private Task<Guid?> RouteAsync(Ticket ticket, CancellationToken cancellationToken) =>
        db.RoutingRules.AsNoTracking()
            .Where(r => (r.ClientId == null || r.ClientId == ticket.ClientId)
                && (r.Channel == null || r.Channel == ticket.Channel))
            .OrderBy(r => r.Order).ThenBy(r => r.Id)
            .Select(r => (Guid?)r.TeamId)
            .FirstOrDefaultAsync(cancellationToken);
}
