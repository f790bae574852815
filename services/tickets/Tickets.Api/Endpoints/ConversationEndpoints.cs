using System.Security.Claims;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Tickets.Api.Data;
using Tickets.Api.Domain;
using Tickets.Contracts;

namespace Tickets.Api.Endpoints;

/// <param name="Attachments">Files sent with it, at most <see cref="TicketLimits.MaxFiles"/> (as the portal's reply sends them to intake).</param>
public sealed record PostMessageRequest(string? Body, MessageFile[]? Attachments = null);

/// <summary>A file sent with a reply or note, its bytes in base64 (the shape of intake's UploadedFile).</summary>
/// <param name="ContentType">Defaults to application/octet-stream; it only tells a downloader what the sender said it is.</param>
public sealed record MessageFile(string? FileName, string? ContentType, string? Content);

/// <summary>A file of a staff reply or note: downloaded at <c>/api/tickets/{id}/attachments/{attachmentId}</c>.</summary>
public sealed record MessageFileView(Guid Id, string FileName, string ContentType, long Size);

/// <param name="Channel">For a client's message: the channel it came through.</param>
/// <param name="MatchedBy">For a client's message: why it was added to this ticket.</param>
/// <param name="MergedFrom">For a message of a duplicate merged into this ticket: the duplicate's id.</param>
/// <param name="Attachments">The files staff sent with a reply or note (a client's stay in intake: GET /api/requests/{id}/attachments).</param>
public sealed record MessageView(Guid Id, MessageKind Kind, string Author, string Body, DateTimeOffset At, string? Channel = null,
    string? MatchedBy = null, Guid? MergedFrom = null, MessageFileView[]? Attachments = null);

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
            .WithMetadata(ServiceDefaults.BodyWithFiles)
            .Produces<MessageView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);

        tickets.MapPost("/notes", (Guid id, PostMessageRequest body, ClaimsPrincipal user, TicketsDbContext db, IPublishEndpoint bus,
                TimeProvider clock, CancellationToken cancellationToken) =>
                PostAsync(id, MessageKind.InternalNote, body, user, db, bus, clock, cancellationToken))
            .RequireAuthorization(Policies.Staff)
            .WithMetadata(ServiceDefaults.BodyWithFiles)
            .Produces<MessageView>(StatusCodes.Status201Created)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);

        tickets.MapGet("/attachments/{attachmentId:guid}", Download)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces(StatusCodes.Status200OK)
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
        var thread = await messages.OrderBy(m => m.Position)
            .Select(m => new MessageView(m.Id, m.Kind, m.Author, m.Body, m.At, m.Channel, m.MatchedBy, m.TicketId == id ? null : m.TicketId))
            .ToArrayAsync(cancellationToken);
        var ids = thread.Select(m => m.Id).ToArray();
        var files = (await db.MessageAttachments.AsNoTracking().Where(f => ids.Contains(f.MessageId)).OrderBy(f => f.FileName)
                .Select(f => new { f.MessageId, View = new MessageFileView(f.Id, f.FileName, f.ContentType, f.Size) }).ToListAsync(cancellationToken))
            .ToLookup(f => f.MessageId, f => f.View);
        return TypedResults.Ok(thread.Select(m => files.Contains(m.Id) ? m with { Attachments = [.. files[m.Id]] } : m).ToArray());
    }

    /// <summary>
    /// A file of a reply or note on this ticket (or on a duplicate merged into it). A client token never gets a note's file;
    /// whatever was attached is a download, never a page (intake's headers for its files).
    /// </summary>
    private static async Task<IResult> Download(Guid id, Guid attachmentId, Tenant tenant, HttpContext http, TicketsDbContext db,
        CancellationToken cancellationToken)
    {
        var merged = db.Tickets.Where(t => t.MergedIntoId == id).Select(t => t.Id);
        var file = await db.MessageAttachments.AsNoTracking()
            .Where(f => f.Id == attachmentId && (f.TicketId == id || merged.Contains(f.TicketId)))
            .Where(f => tenant.ClientId == null || db.Messages.Any(m => m.Id == f.MessageId && m.Kind != MessageKind.InternalNote))
            .SingleOrDefaultAsync(cancellationToken);
        if (file is null) return Problems.NotFound("attachment");
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "sandbox";
        return TypedResults.File(file.Content, file.ContentType, file.FileName);
    }

    /// <summary>The uploaded files, decoded; each bad one is named in <paramref name="errors"/> ("attachments[1].content").</summary>
    private static List<(string Name, string Type, byte[] Bytes)> Files(MessageFile[]? uploads, Dictionary<string, string[]> errors)
    {
        var files = new List<(string, string, byte[])>();
        if (uploads is null) return files;
        if (uploads.Length > TicketLimits.MaxFiles)
        {
            errors["attachments"] = [$"At most {TicketLimits.MaxFiles} files."];
            return files;
        }
        for (var i = 0; i < uploads.Length; i++)
        {
            var (upload, key) = (uploads[i], $"attachments[{i}]");
            var name = upload?.FileName?.Trim();
            // A name, not a path: what the download offers to save as.
            if (string.IsNullOrEmpty(name) || name.Length > TicketLimits.FileName || name.IndexOfAny(['/', '\\']) >= 0 || name.Any(char.IsControl))
                errors[$"{key}.fileName"] = [$"Required: a file name without a path, at most {TicketLimits.FileName} characters."];
            var type = string.IsNullOrWhiteSpace(upload?.ContentType) ? "application/octet-stream" : upload.ContentType.Trim();
            if (type.Length > 100 || !System.Net.Http.Headers.MediaTypeHeaderValue.TryParse(type, out _))
                errors[$"{key}.contentType"] = ["Not a media type (\"image/png\")."];
            var bytes = new byte[TicketLimits.MaxFileBytes];
            if (upload?.Content is not { Length: > 0 } content)
                errors[$"{key}.content"] = ["Required: the file's bytes in base64."];
            else if (content.Length > (TicketLimits.MaxFileBytes + 2) / 3 * 4 + 4 || !Convert.TryFromBase64String(content, bytes, out var length))
                errors[$"{key}.content"] = [$"Base64 of at most {TicketLimits.MaxFileBytes / 1024 / 1024} MiB."];
            else if (errors.Count == 0) files.Add((name!, type, bytes[..length]));
        }
        return files;
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
        var files = Files(body.Attachments, errors);
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
        var attached = files.Select(f => new MessageAttachment
        {
            Id = Guid.CreateVersion7(at), MessageId = message.Id, TicketId = ticket.Id, ClientId = ticket.ClientId, FileName = f.Name,
            ContentType = f.Type, Size = f.Bytes.Length, Content = f.Bytes,
        }).ToList();
        db.MessageAttachments.AddRange(attached);
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
            new MessageView(message.Id, message.Kind, message.Author, message.Body, message.At,
                Attachments: [.. attached.Select(f => new MessageFileView(f.Id, f.FileName, f.ContentType, f.Size))]));
    }
}
