using Intake.Api.Data;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Intake.Api.Endpoints;

public sealed record AttachmentView(Guid Id, string FileName, string ContentType, long Size);

/// <summary>
/// The files that came with a request (the event carries only their references). A client token sees only its own
/// client's, and a client user only the requests sent as their contact, through the request's query filter (docs/adr/0053);
/// a request still waiting in triage has none to show.
/// </summary>
public static class AttachmentEndpoints
{
    public static IEndpointRouteBuilder MapAttachmentEndpoints(this IEndpointRouteBuilder app)
    {
        var attachments = app.MapGroup("/api/requests/{id:guid}/attachments").WithTags("Attachments").RequireAuthorization(Policies.ClientsAndStaff);
        attachments.MapGet("", List).Produces<AttachmentView[]>().ProducesProblem(StatusCodes.Status404NotFound);
        attachments.MapGet("/{attachmentId:guid}", Download).Produces(StatusCodes.Status200OK).ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    private static async Task<IResult> List(Guid id, IntakeDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Requests.AnyAsync(r => r.Id == id, cancellationToken)) return NotFound("request");
        return TypedResults.Ok(await db.Attachments.AsNoTracking().Where(a => a.RequestId == id).OrderBy(a => a.Id)
            .Select(a => new AttachmentView(a.Id, a.FileName, a.ContentType, a.Size)).ToArrayAsync(cancellationToken));
    }

    private static async Task<IResult> Download(Guid id, Guid attachmentId, HttpContext http, IntakeDbContext db, CancellationToken cancellationToken)
    {
        // Both keys, so an attachment is reachable only through a request the caller may see.
        var attachment = await db.Attachments.AsNoTracking()
            .SingleOrDefaultAsync(a => a.Id == attachmentId && a.RequestId == id && db.Requests.Any(r => r.Id == id), cancellationToken);
        if (attachment is null) return NotFound("attachment");
        // Whatever a sender attached (HTML, SVG, scripts) is a download, never a page of ours: no sniffing, no
        // rendering inline, and a sandbox should a browser render it anyway.
        http.Response.Headers.XContentTypeOptions = "nosniff";
        http.Response.Headers.ContentSecurityPolicy = "sandbox";
        return TypedResults.File(attachment.Content, attachment.ContentType, attachment.FileName);
    }

    private static IResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.");
}
