using System.Net.Mail;
using Intake.Api.Data;
using Intake.Api.Domain;
using Intake.Contracts;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Intake.Api.Endpoints;

/// <summary>The web channel: a contact's support request as JSON.</summary>
public sealed record SubmitRequest(
    Guid? ClientId,
    string? ContactEmail,
    string? ContactName,
    string? Subject,
    string? Description,
    string? PriorityHint);

public static class RequestEndpoints
{
    private static readonly string[] Priorities = ["P1", "P2", "P3", "P4"];

    public static IEndpointRouteBuilder MapRequestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/requests", Submit)
            .Accepts<SubmitRequest>("application/json")
            .ProducesValidationProblem();
        return app;
    }

    /// <summary>
    /// Stores the request, then publishes it, then answers 202: what was acknowledged is in the database.
    /// The Location is the ticket the request becomes (the ticket takes the request's id).
    /// </summary>
    private static async Task<IResult> Submit(SubmitRequest body, IntakeDbContext db, IPublishEndpoint bus,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count == 0 && !await db.Clients.AnyAsync(c => c.Id == body.ClientId, cancellationToken))
            errors["clientId"] = ["Unknown client."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var receivedAt = clock.GetUtcNow();
        var request = new ServiceRequest
        {
            Id = Guid.CreateVersion7(receivedAt),
            Channel = "web",
            ReceivedAt = receivedAt,
            ClientId = body.ClientId!.Value,
            ContactEmail = body.ContactEmail!.Trim(),
            ContactName = string.IsNullOrWhiteSpace(body.ContactName) ? null : body.ContactName.Trim(),
            Subject = body.Subject!.Trim(),
            Description = body.Description!,
            PriorityHint = body.PriorityHint,
        };
        Telemetry.TagTicket(request.Id, request.ClientId);
        System.Diagnostics.Activity.Current?.SetTag(Telemetry.Channel, request.Channel);

        db.Requests.Add(request);
        await db.SaveChangesAsync(cancellationToken);
        await bus.Publish(new ServiceRequestReceived(request.Id, request.Channel, request.ReceivedAt, request.ClientId,
            request.ContactEmail, request.ContactName, request.Subject, request.Description, request.PriorityHint),
            cancellationToken);

        return TypedResults.Accepted($"/api/tickets/{request.Id}", new { id = request.Id, status = "accepted" });
    }

    private static Dictionary<string, string[]> Validate(SubmitRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ClientId is null || body.ClientId == Guid.Empty) errors["clientId"] = ["Required."];

        if (string.IsNullOrWhiteSpace(body.ContactEmail)) errors["contactEmail"] = ["Required."];
        else if (body.ContactEmail.Length > RequestLimits.Email) errors["contactEmail"] = [$"At most {RequestLimits.Email} characters."];
        else if (!IsEmailAddress(body.ContactEmail.Trim())) errors["contactEmail"] = ["Not a valid email address."];

        if (body.ContactName is { Length: > RequestLimits.Name }) errors["contactName"] = [$"At most {RequestLimits.Name} characters."];
        Text(errors, "subject", body.Subject, RequestLimits.Subject);
        Text(errors, "description", body.Description, RequestLimits.Description);

        if (body.PriorityHint is not null && !Priorities.Contains(body.PriorityHint))
            errors["priorityHint"] = ["One of P1, P2, P3, P4."];
        return errors;
    }

    private static void Text(Dictionary<string, string[]> errors, string field, string? value, int max)
    {
        if (string.IsNullOrWhiteSpace(value)) errors[field] = ["Required."];
        else if (value.Length > max) errors[field] = [$"At most {max} characters."];
    }

    /// <summary>A bare address with a dotted domain: "Ann &lt;ann@x.com&gt;" or "ann@localhost" are refused.</summary>
    private static bool IsEmailAddress(string value) =>
        MailAddress.TryCreate(value, out var address)
        && address.Address == value
        && address.Host.Contains('.', StringComparison.Ordinal);
}
