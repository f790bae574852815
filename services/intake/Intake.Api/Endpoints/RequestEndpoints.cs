using System.Net.Mail;
using System.Text.Json;
using Intake.Api.Data;
using Intake.Api.Domain;
using Intake.Contracts;
using MassTransit;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Intake.Api.Endpoints;

/// <summary>A support request as JSON: from the web channel, or from an integrator's signed webhook.</summary>
/// <param name="ClientId">Required for staff and channels; a client user may leave it out (their own client).</param>
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
        app.MapPost("/api/requests", SubmitWeb)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Accepts<SubmitRequest>("application/json")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status403Forbidden);

        // Integrators' channels: no user token, but the channel's HMAC signature and replay protection.
        app.MapPost("/api/channels/{channel:regex(^[a-z0-9-]{{1,40}}$)}/requests", SubmitSigned)
            .AllowAnonymous()
            .WithMetadata(new SignatureVerifiedAttribute())
            .Accepts<SubmitRequest>("application/json")
            .Produces(StatusCodes.Status202Accepted)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<IResult> SubmitWeb(SubmitRequest body, Tenant tenant, IntakeDbContext db, IPublishEndpoint bus,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (tenant.IsClient)
        {
            if (body.ClientId is not null && body.ClientId != tenant.ClientId)
                return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                    title: "A client user can open requests only for their own client.");
            body = body with { ClientId = tenant.ClientId };
        }
        return await Accept(body, "web", externalId: null, db.Clients, db, bus, clock, cancellationToken);
    }

    private static async Task<IResult> SubmitSigned(string channel, HttpRequest request, WebhookVerifier verifier,
        IOptions<JsonOptions> json, IOptions<ChannelsOptions> channels, IntakeDbContext db, IPublishEndpoint bus, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var (delivery, problem) = await verifier.VerifyAsync(channel, request, cancellationToken);
        if (problem is not null) return problem;

        SubmitRequest? body;
        try
        {
            body = JsonSerializer.Deserialize<SubmitRequest>(delivery!.Body, json.Value.SerializerOptions);
        }
        catch (JsonException e)
        {
            // The same 400 problem details as a bound body gets (BadRequestExceptionHandler).
            throw new BadHttpRequestException("The request body is not valid JSON.", StatusCodes.Status400BadRequest, e);
        }
        if (body is null) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["body"] = ["Required."] });

        // A channel's secret opens requests only for the clients that channel serves ("Channels:{name}:ClientIds").
        var served = channels.Value[channel].ClientIds; // the verifier has found the channel
        if (served.Length == 1 && body.ClientId is null) body = body with { ClientId = served[0] };
        if (body.ClientId is not null && !served.Contains(body.ClientId.Value))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden,
                title: $"Channel '{channel}' may not open requests for this client.");

        var earlier = await db.Requests.IgnoreQueryFilters().AsNoTracking()
            .Where(r => r.Channel == channel && r.ExternalId == delivery.DeliveryId).Select(r => (Guid?)r.Id).SingleOrDefaultAsync(cancellationToken);
        return earlier is null
            // A signed channel has no user, so no tenant: its client was checked against the channel's list above.
            ? await Accept(body, channel, delivery.DeliveryId, db.Clients.IgnoreQueryFilters(), db, bus, clock, cancellationToken)
            : Replayed(delivery.DeliveryId, earlier.Value);
    }

    /// <summary>
    /// Validates, then stores the request and its message together and answers 202: what was acknowledged is durable.
    /// The Location is the ticket the request becomes (the ticket takes the request's id).
    /// </summary>
    /// <param name="knownClients">The clients this caller may name: the tenant-filtered set for users.</param>
    private static async Task<IResult> Accept(SubmitRequest body, string channel, string? externalId, IQueryable<Client> knownClients,
        IntakeDbContext db, IPublishEndpoint bus, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = Validate(body);
        if (errors.Count == 0 && !await knownClients.AnyAsync(c => c.Id == body.ClientId, cancellationToken))
            errors["clientId"] = ["Unknown client."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var receivedAt = clock.GetUtcNow();
        var request = new ServiceRequest
        {
            Id = Guid.CreateVersion7(receivedAt),
            Channel = channel,
            ReceivedAt = receivedAt,
            ClientId = body.ClientId!.Value,
            ContactEmail = body.ContactEmail!.Trim(),
            ContactName = string.IsNullOrWhiteSpace(body.ContactName) ? null : body.ContactName.Trim(),
            Subject = body.Subject!.Trim(),
            Description = body.Description!,
            PriorityHint = body.PriorityHint,
            ExternalId = externalId,
        };
        Telemetry.TagTicket(request.Id, request.ClientId);
        System.Diagnostics.Activity.Current?.SetTag(Telemetry.Channel, request.Channel);

        // The row and its message commit in one transaction: the bus outbox stores the message beside the row, and
        // its delivery service publishes it once committed (ADR 0010). An accepted request always has its message,
        // whether or not the broker is up right now.
        db.Requests.Add(request);
        await bus.Publish(new ServiceRequestReceived(request.Id, request.Channel, request.ReceivedAt, request.ClientId,
            request.ContactEmail, request.ContactName, request.Subject, request.Description, request.PriorityHint, request.ExternalId),
            cancellationToken);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException e) when (e.IsUniqueViolation() && externalId is not null)
        {
            // The same delivery raced in twice; the other one was stored (with its message), this one is dropped whole.
            db.ChangeTracker.Clear();
            return Replayed(externalId, await db.Requests.IgnoreQueryFilters().AsNoTracking()
                .Where(r => r.Channel == channel && r.ExternalId == externalId).Select(r => r.Id).SingleAsync(cancellationToken));
        }

        return TypedResults.Accepted($"/api/tickets/{request.Id}", new { id = request.Id, status = "accepted" });
    }

    private static IResult Replayed(string deliveryId, Guid requestId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
            title: $"Delivery '{deliveryId}' was already received.",
            extensions: new Dictionary<string, object?> { ["requestId"] = requestId });

    private static Dictionary<string, string[]> Validate(SubmitRequest body)
    {
        var errors = new Dictionary<string, string[]>();
        if (body.ClientId is null || body.ClientId == Guid.Empty) errors["clientId"] = ["Required."];

        if (string.IsNullOrWhiteSpace(body.ContactEmail)) errors["contactEmail"] = ["Required."];
        else if (body.ContactEmail.Length > RequestLimits.Email) errors["contactEmail"] = [$"At most {RequestLimits.Email} characters."];
        else if (!IsEmailAddress(body.ContactEmail.Trim())) errors["contactEmail"] = ["Not a valid email address."];

        if (body.ContactName is { Length: > RequestLimits.Name }) errors["contactName"] = [$"At most {RequestLimits.Name} characters."];
        else if (body.ContactName is not null && HasControlCharacters(body.ContactName)) errors["contactName"] = ["Contains control characters."];
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
        else if (HasControlCharacters(value)) errors[field] = ["Contains control characters."];
    }

    /// <summary>NUL and other control characters (but tab and line breaks): PostgreSQL refuses NUL in text.</summary>
    private static bool HasControlCharacters(string value) =>
        value.Any(c => char.IsControl(c) && c is not ('\t' or '\r' or '\n'));

    /// <summary>A bare address with a dotted domain: "Ann &lt;ann@x.com&gt;" or "ann@localhost" are refused.</summary>
    private static bool IsEmailAddress(string value) =>
        MailAddress.TryCreate(value, out var address)
        && address.Address == value
        && address.Host.Contains('.', StringComparison.Ordinal);
}
