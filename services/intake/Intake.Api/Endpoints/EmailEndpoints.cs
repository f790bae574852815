using System.Security.Cryptography;
using System.Text;
using Intake.Api.Email;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Intake.Api.Endpoints;

/// <summary>
/// Raw RFC 5322 mail from the MSP's MTA (tools/mail-pipe), the way RT's mail gateway takes it. Authenticated by the
/// email channel's bearer token, not a user token: the MTA is a machine.
/// </summary>
public static class EmailEndpoints
{
    public static IEndpointRouteBuilder MapEmailEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/channels/email/messages", Receive)
            .AllowAnonymous() // no .Accepts(): routing would then answer a wrong type before our problem details could
            .WithMetadata(new SignatureVerifiedAttribute()) // not a user token: the channel's own secret, checked here
            .Produces(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);
        return app;
    }

    /// <summary>
    /// 202 for everything stored, whatever it became: an unreadable message is quarantined for a human rather than
    /// bounced, since bouncing mail whose sender may be forged only sends spam to innocent people.
    /// </summary>
    private static async Task<IResult> Receive(HttpRequest request, IOptions<EmailOptions> options, EmailIntake email, CancellationToken cancellationToken)
    {
        var presented = request.Headers.Authorization.ToString() is { } header && header.StartsWith("Bearer ", StringComparison.Ordinal) ? header[7..] : null;
        if (presented is null)
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Missing bearer token for the email channel.");
        if (options.Value.InboundToken is not { } token)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "The email channel's HTTP intake is not configured (Email:InboundToken).");
        if (!CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(presented), Encoding.UTF8.GetBytes(token)))
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unknown email channel token.");
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), EmailIntake.ContentType, StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: $"Send the message as {EmailIntake.ContentType}.");
        if (request.ContentLength > options.Value.MaxMessageBytes)
            return TooLarge(options.Value.MaxMessageBytes);

        var payload = await email.ReceiveAsync(request.Body, "http", cancellationToken);
        return TypedResults.Accepted((string?)null, new
        {
            payloadId = payload.Id,
            outcome = payload.Outcome.ToString().ToLowerInvariant(),
            resultId = payload.ResultId,
            reason = payload.Reason,
        });
    }

    private static IResult TooLarge(long limit) =>
        TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The message is larger than {limit} bytes.");
}
