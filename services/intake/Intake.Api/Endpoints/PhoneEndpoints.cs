using Intake.Api.Domain;
using Intake.Api.Phone;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;

namespace Intake.Api.Endpoints;

/// <summary>
/// The phone channel's webhooks. No user token: Twilio's routes prove the caller by X-Twilio-Signature, a generic
/// provider's by the signed channels' HMAC-SHA256. What passes is stored raw first (<see cref="PhoneIntake"/>); every
/// refusal is a problem (401 signature, 404 not configured, 400 malformed, 409 replay), never a 5xx, and is logged
/// with the trace id like every problem (ServiceDefaults).
/// </summary>
public static class PhoneEndpoints
{
    public const string Prefix = "/api/channels/phone";
    public const string TwilioCallsPath = Prefix + "/twilio/calls";
    public const string TwilioVoicemailsPath = Prefix + "/twilio/voicemails";
    public const string TwilioTranscriptionsPath = Prefix + "/twilio/transcriptions";
    public const string TwilioChoicesPath = Prefix + "/twilio/choices";

    /// <summary>
    /// Marks the recording URLs handed to a caller who pressed the emergency key. Twilio signs the URL it calls, query
    /// included, so only a URL we wrote into that answer carries it (docs/adr/0045).
    /// </summary>
    public const string EmergencyChoiceQuery = "?choice=emergency";

    public static IEndpointRouteBuilder MapPhoneEndpoints(this IEndpointRouteBuilder app)
    {
        // No .Accepts(): routing would then answer a wrong type before the signature is checked and the problem written.
        var phone = app.MapGroup(Prefix)
            .AllowAnonymous()
            .WithMetadata(new SignatureVerifiedAttribute())
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType);

        // Twilio: the number's voice webhook answers with TwiML that records a voicemail, whose callbacks come back here;
        // on an IVR number it first asks for a key, and the choice route answers with the recording.
        phone.MapPost("/twilio/calls", (HttpRequest request, TwilioVerifier twilio, PhoneIntake intake, IOptions<PhoneOptions> options,
                CancellationToken cancellationToken) =>
                TwilioAsync(PhoneRoute.Call, request, twilio, intake, options.Value, cancellationToken))
            .Produces<string>(StatusCodes.Status200OK, TwiML.ContentType);
        phone.MapPost("/twilio/choices", (HttpRequest request, TwilioVerifier twilio, PhoneIntake intake, IOptions<PhoneOptions> options,
                CancellationToken cancellationToken) =>
                TwilioAsync(PhoneRoute.Choice, request, twilio, intake, options.Value, cancellationToken))
            .Produces<string>(StatusCodes.Status200OK, TwiML.ContentType);
        phone.MapPost("/twilio/voicemails", (HttpRequest request, TwilioVerifier twilio, PhoneIntake intake, IOptions<PhoneOptions> options,
                CancellationToken cancellationToken) =>
                TwilioAsync(IsEmergencyChoice(request) ? PhoneRoute.IvrEmergencyVoicemail : PhoneRoute.Voicemail, request, twilio, intake,
                    options.Value, cancellationToken))
            .Produces<string>(StatusCodes.Status200OK, TwiML.ContentType);
        phone.MapPost("/twilio/transcriptions", (HttpRequest request, TwilioVerifier twilio, PhoneIntake intake, IOptions<PhoneOptions> options,
                CancellationToken cancellationToken) =>
                TwilioAsync(IsEmergencyChoice(request) ? PhoneRoute.IvrEmergencyTranscription : PhoneRoute.Transcription, request, twilio, intake,
                    options.Value, cancellationToken))
            .Produces<string>(StatusCodes.Status200OK, TwiML.ContentType);

        // Any other provider: the JSON event of PhoneEventParser.FromGeneric, signed like an integrator's channel.
        phone.MapPost("/{provider:regex(^[a-z0-9-]{{1,40}}$)}/events", GenericAsync)
            .Produces(StatusCodes.Status202Accepted);
        return app;
    }

    private static async Task<IResult> TwilioAsync(PhoneRoute route, HttpRequest request, TwilioVerifier twilio, PhoneIntake intake,
        PhoneOptions options, CancellationToken cancellationToken)
    {
        var (delivery, problem) = await twilio.VerifyAsync(request, cancellationToken);
        if (problem is not null) return problem;
        // Twilio's voice webhooks are form posts; a JSON body (signed through bodySHA256) is not one of them.
        if (delivery!.Fields.ContainsKey(TwilioSignature.BodyHashParameter))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: $"Twilio's voice webhooks are {PhoneIntake.FormContentType} posts.");

        var result = await intake.ReceiveAsync(PhoneOptions.TwilioProvider, route, delivery.Body, cancellationToken);
        if (Problem(result) is { } refused) return refused;
        var call = result.Event!;
        if (call.Kind != PhoneEventKind.Call) return TwiML.Empty(); // ends the call, or just acknowledges a callback

        var baseUrl = options.PublicBaseUrl!.TrimEnd('/');
        if (route == PhoneRoute.Call && options.Ivr.Numbers.Contains(call.CalledNumber))
            return TwiML.Gather(options.Ivr.Prompt, new Uri(baseUrl + TwilioChoicesPath));
        var (greeting, marker) = route == PhoneRoute.Choice && intake.ChoseEmergency(call)
            ? (options.Ivr.EmergencyGreeting, EmergencyChoiceQuery)
            : (options.Greeting, "");
        return TwiML.Voicemail(greeting, new Uri(baseUrl + TwilioVoicemailsPath + marker), new Uri(baseUrl + TwilioTranscriptionsPath + marker),
            options.MaxRecordingSeconds);
    }

    private static bool IsEmergencyChoice(HttpRequest request) => request.QueryString.Value == EmergencyChoiceQuery;

    private static async Task<IResult> GenericAsync(string provider, HttpRequest request, PhoneProviderVerifier verifier, PhoneIntake intake,
        CancellationToken cancellationToken)
    {
        var (delivery, problem) = await verifier.VerifyAsync(provider, request, cancellationToken);
        if (problem is not null) return problem;
        if (!string.Equals(request.ContentType?.Split(';')[0].Trim(), PhoneIntake.JsonContentType, StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: $"Send the event as {PhoneIntake.JsonContentType}.");

        var result = await intake.ReceiveAsync(provider, PhoneRoute.Event, delivery!.Body, cancellationToken);
        if (Problem(result) is { } refused) return refused;
        var payload = result.Payload;
        return TypedResults.Accepted((string?)null, new
        {
            payloadId = payload.Id,
            outcome = payload.Outcome.ToString().ToLowerInvariant(),
            resultId = payload.ResultId,
            reason = payload.Reason,
        });
    }

    /// <summary>
    /// A stored payload that is malformed (400) or a replay (409). Both are kept: the raw payload names what it became
    /// (Quarantined, Duplicate) and the answer names the payload.
    /// </summary>
    private static IResult? Problem(PhoneResult result)
    {
        var payload = result.Payload;
        if (result.Errors.Count > 0)
            return TypedResults.ValidationProblem(result.Errors,
                title: "The phone webhook is malformed. It is kept, quarantined, for a person to read.",
                extensions: new Dictionary<string, object?> { ["payloadId"] = payload.Id });
        if (payload.Outcome != PayloadOutcome.Duplicate) return null;
        return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: payload.Reason,
            extensions: new Dictionary<string, object?>
            {
                [result.InTriage ? "triageItemId" : "requestId"] = payload.ResultId,
                ["payloadId"] = payload.Id,
            });
    }
}
