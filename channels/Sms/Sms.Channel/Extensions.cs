using System.Diagnostics;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Sms.Channel;

public static class Extensions
{
    /// <summary>The provider posts here; the gateway forwards its public route of the same path (gateway/Gateway/appsettings.json).</summary>
    public const string WebhookPath = "/channels/sms/twilio";

    /// <summary>Twilio reads an empty TwiML document as "received, nothing to answer".</summary>
    public const string EmptyTwiML = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Response/>";

    public static IHostApplicationBuilder AddSmsChannel(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SmsOptions>()
            .BindConfiguration(SmsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddHttpClient<IntakeClient>((services, http) =>
            http.Timeout = services.GetRequiredService<IOptions<SmsOptions>>().Value.IntakeTimeout);
        return builder;
    }

    public static WebApplication MapSmsEndpoints(this WebApplication app)
    {
        // No bearer token: Twilio proves itself with X-Twilio-Signature, checked before anything is read or sent on.
        app.MapPost(WebhookPath, ReceiveAsync)
            .AllowAnonymous()
            .WithMetadata(new SignatureVerifiedAttribute())
            .Produces(StatusCodes.Status200OK, contentType: "application/xml")
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    /// <summary>
    /// Answers the provider only after intake has stored the message (or already had it): 200 with empty TwiML.
    /// Anything else is a non-2xx, so the provider keeps the message and retries or reports it; nothing is lost here.
    /// </summary>
    private static async Task<IResult> ReceiveAsync(HttpRequest request, IOptions<SmsOptions> options, IntakeClient intake,
        ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        // 401 like every other signed route (intake's webhooks; RouteInventory's "no credentials" probe), not Twilio's 403.
        string? signature = request.Headers[TwilioSignature.Header];
        if (string.IsNullOrEmpty(signature))
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: $"{TwilioSignature.Header} is required.");
        if (!request.HasFormContentType)
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType, title: "Expected a form post (application/x-www-form-urlencoded).");
        var form = await request.ReadFormAsync(cancellationToken);

        var url = settings.PublicUrl + request.QueryString.Value;
        if (!TwilioSignature.Matches(settings.Twilio.AuthToken!, url, form, signature))
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized,
                title: $"{TwilioSignature.Header} does not match this request signed with the account's auth token for {settings.PublicUrl}.");

        var (message, errors) = SmsMessage.Read(form);
        if (message is null)
        {
            loggers.CreateLogger(typeof(Extensions)).LogWarning("A signed webhook that is not an answerable inbound message: {Fields}", string.Join(", ", errors.Keys));
            return TypedResults.ValidationProblem(errors);
        }
        Activity.Current?.SetTag(Telemetry.Channel, settings.Channel);

        // "ACK" from a number an on-call page went to takes that page; from anyone else it is a message like any other.
        if (settings.PageAckWords.Contains(message.Text.Trim(), StringComparer.OrdinalIgnoreCase))
        {
            var reply = await intake.ReplyToPageAsync(message.MessageSid, message.ToJson(), cancellationToken);
            if (reply != IntakeAnswer.NotAPageReply) return Answer(reply, request);
        }
        return Answer(await intake.SubmitAsync(message.MessageSid, message.ToJson(), cancellationToken), request);
    }

    private static IResult Answer(IntakeAnswer answer, HttpRequest request) =>
        answer switch
        {
            IntakeAnswer.Accepted or IntakeAnswer.Replayed => TypedResults.Text(EmptyTwiML, "application/xml"),
            IntakeAnswer.Unavailable => Retry(request.HttpContext.Response),
            _ => TypedResults.Problem(statusCode: StatusCodes.Status502BadGateway,
                title: "The service desk refused the message; the channel's configuration needs attention (see the log)."),
        };

    private static IResult Retry(HttpResponse response)
    {
        response.Headers.RetryAfter = "30";
        return TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The service desk is unreachable; retry later.");
    }
}
