using System.Diagnostics;
using System.Globalization;
using System.Text;
using Intake.Api.Channels;
using Intake.Api.Data;
using Intake.Api.Domain;
using Intake.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Intake.Api.Phone;

/// <summary>Which webhook a phone payload came in on; stored in <see cref="RawPayload.Source"/> as "{provider}:{route}".</summary>
public enum PhoneRoute
{
    /// <summary>Twilio's voice webhook: a call reached the service number.</summary>
    Call,

    /// <summary>Twilio's &lt;Record action&gt;: the caller left a message.</summary>
    Voicemail,

    /// <summary>Twilio's transcribeCallback: the text of a message recorded earlier.</summary>
    Transcription,

    /// <summary>A generic provider's JSON event; its "kind" says call or voicemail.</summary>
    Event,

    /// <summary>Twilio's &lt;Gather action&gt;: the key the caller pressed on the IVR menu (docs/adr/0045).</summary>
    Choice,

    /// <summary>The &lt;Record action&gt; of a caller who chose "emergency" on the IVR menu.</summary>
    IvrEmergencyVoicemail,

    /// <summary>The transcribeCallback of a caller who chose "emergency" on the IVR menu.</summary>
    IvrEmergencyTranscription,
}

public static class PhoneRoutes
{
    /// <summary>The routes that carry a call's parameters only (no recording).</summary>
    public static bool IsCall(this PhoneRoute route) => route is PhoneRoute.Call or PhoneRoute.Choice;

    public static bool IsTranscription(this PhoneRoute route) => route is PhoneRoute.Transcription or PhoneRoute.IvrEmergencyTranscription;

    /// <summary>Twilio called a URL that we wrote into the menu's answer for the emergency key, so the caller chose it.</summary>
    public static bool IsIvrEmergency(this PhoneRoute route) => route is PhoneRoute.IvrEmergencyVoicemail or PhoneRoute.IvrEmergencyTranscription;
}

/// <summary>What became of one phone payload.</summary>
/// <param name="Errors">Field errors when the payload was malformed (it is then kept as Quarantined).</param>
/// <param name="InTriage">True when <see cref="RawPayload.ResultId"/> is a triage item rather than a request.</param>
public sealed record PhoneResult(RawPayload Payload, PhoneEvent? Event, Dictionary<string, string[]> Errors, bool InTriage = false);

/// <summary>
/// The phone channel's adapter onto <see cref="ChannelIntake"/>, the way <see cref="Email.EmailIntake"/> is email's: the
/// verified payload is stored first in its own commit, then parsed; what it became is written on it in the same
/// commit as the request. A crash in between leaves it "Received" and <see cref="RawPayloadReprocessor"/> finishes it.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>A call opens no ticket: a caller who hangs up without a message leaves nothing to work on, and the voicemail
/// that follows would otherwise make a second ticket. The call is kept (outcome Ignored).</item>
/// <item>A voicemail is one request per provider recording id. Its clock starts when the webhook arrived (the payload's
/// ReceivedAt), not when someone listens to it.</item>
/// <item>A transcription arriving after its voicemail is a follow-up request ("transcription:" + the voicemail's key)
/// whose thread hint names the voicemail's ticket; arriving first (or alone), it carries the recording too, so it opens
/// the voicemail's ticket itself, and the recording's own callback is then a replay.</item>
/// <item>A withheld number is not refused; its voicemail waits in triage with that reason.</item>
/// </list>
/// </remarks>
public sealed class PhoneIntake(IntakeDbContext db, ChannelIntake intake, TimeProvider clock, IOptions<PhoneOptions> options,
    ILogger<PhoneIntake> logger) : IRawPayloadProcessor
{
    public const string Channel = "phone";
    public const string FormContentType = "application/x-www-form-urlencoded";
    public const string JsonContentType = "application/json";
    public const string TranscriptionPrefix = "transcription:";
    public const string WithheldReason = "The caller withheld their number, so no client can be found for it: listen to the recording and assign it.";

    /// <summary>Starts the transcription section of a voicemail's description; its presence means the text is already on the ticket.</summary>
    private const string TranscriptionMarker = "\nTranscription:\n";

    /// <summary>Stores the verified body as received, then processes it.</summary>
    public async Task<PhoneResult> ReceiveAsync(string provider, PhoneRoute route, byte[] body, CancellationToken cancellationToken)
    {
        var payload = new RawPayload
        {
            Id = Guid.CreateVersion7(),
            Channel = Channel,
            ContentType = provider == PhoneOptions.TwilioProvider ? FormContentType : JsonContentType,
            Source = $"{provider}:{route.ToString().ToLowerInvariant()}",
            ReceivedAt = clock.GetUtcNow(),
            Content = body,
            Outcome = PayloadOutcome.Received,
        };
        db.RawPayloads.Add(payload);
        await db.SaveChangesAsync(cancellationToken);
        return await ProcessAsync(payload, cancellationToken);
    }

    /// <summary>Finishes payloads a crash left unprocessed (at start-up, and then now and again).</summary>
    public async Task<int> ReprocessAsync(TimeSpan olderThan, CancellationToken cancellationToken)
    {
        var before = clock.GetUtcNow() - olderThan;
        var ids = await db.RawPayloads.AsNoTracking()
            .Where(p => p.Channel == Channel && p.Outcome == PayloadOutcome.Received && p.ReceivedAt < before)
            .OrderBy(p => p.ReceivedAt).Select(p => p.Id).Take(100).ToListAsync(cancellationToken);
        foreach (var id in ids)
        {
            db.ChangeTracker.Clear();
            await ProcessAsync(await db.RawPayloads.SingleAsync(p => p.Id == id, cancellationToken), cancellationToken);
        }
        return ids.Count;
    }

    private async Task<PhoneResult> ProcessAsync(RawPayload payload, CancellationToken cancellationToken)
    {
        var separator = payload.Source.IndexOf(':', StringComparison.Ordinal);
        var provider = payload.Source[..separator];
        var route = Enum.Parse<PhoneRoute>(payload.Source[(separator + 1)..], ignoreCase: true);
        var (phoneEvent, errors) = Parse(provider, route, payload);

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var inTriage = false;
        if (phoneEvent is null)
        {
            payload.Settle(PayloadOutcome.Quarantined,
                "Malformed: " + string.Join("; ", errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
        }
        else if (route == PhoneRoute.Choice)
        {
            payload.Settle(PayloadOutcome.Ignored, $"Call {phoneEvent.ProviderId} from {Caller(phoneEvent)} "
                + (ChoseEmergency(phoneEvent) ? $"chose the emergency (key {phoneEvent.Digits}): its voicemail declares one." : $"{Pressed(phoneEvent)}: its voicemail is a usual one."));
        }
        else if (phoneEvent.Kind == PhoneEventKind.Call)
        {
            payload.Settle(PayloadOutcome.Ignored, $"Call {phoneEvent.ProviderId} from {Caller(phoneEvent)}: a call opens no ticket, its voicemail does.");
        }
        else
        {
            (var outcome, var resultId, var reason, inTriage) = await VoicemailAsync(provider, route, phoneEvent, payload, cancellationToken);
            // ChannelIntake clears the change tracker when it loses a race on the same id; the outcome must still be written.
            if (db.Entry(payload).State == EntityState.Detached) db.RawPayloads.Attach(payload);
            payload.Settle(outcome, reason, resultId);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        logger.LogInformation("Phone payload {PayloadId} ({Source}): {Outcome} {ResultId} {Reason} (trace {TraceId})", payload.Id, payload.Source,
            payload.Outcome, payload.ResultId, payload.Reason, Activity.Current?.TraceId.ToString());
        return new PhoneResult(payload, phoneEvent, errors, inTriage);
    }

    /// <summary>
    /// The caller on one of the IVR numbers pressed the emergency key. Anything else (another key, none, a number no
    /// longer on the menu) is the usual path: a caller is never refused for pressing the wrong key.
    /// </summary>
    public bool ChoseEmergency(PhoneEvent choice) =>
        choice.Digits == options.Value.Ivr.EmergencyDigit && options.Value.Ivr.Numbers.Contains(choice.CalledNumber);

    private static string Pressed(PhoneEvent choice) => choice.Digits switch
    {
        null => "pressed no key",
        { Length: <= 20 } digits => $"pressed '{digits}'",
        _ => "pressed many keys",
    };

    private (PhoneEvent? Event, Dictionary<string, string[]> Errors) Parse(string provider, PhoneRoute route, RawPayload payload)
    {
        var country = options.Value.DefaultCountryCode;
        if (provider != PhoneOptions.TwilioProvider) return PhoneEventParser.FromGeneric(payload.Content, payload.ReceivedAt, country);

        var (phoneEvent, errors) = PhoneEventParser.FromTwilio(TwilioVerifier.ParsePairs(Encoding.UTF8.GetString(payload.Content)), payload.ReceivedAt, country);
        // Each Twilio URL carries one kind of event; the other kind there means the URLs are set up wrong at Twilio.
        if (phoneEvent is not null && (phoneEvent.Kind == PhoneEventKind.Call) != route.IsCall())
            return (null, new Dictionary<string, string[]>
            {
                ["RecordingSid"] = [route.IsCall() ? "Not expected on the call webhook: post recordings to the voicemail URL." : "Required."],
            });
        return (phoneEvent, errors);
    }

    private async Task<(PayloadOutcome Outcome, Guid? ResultId, string? Reason, bool InTriage)> VoicemailAsync(
        string provider, PhoneRoute route, PhoneEvent voicemail, RawPayload payload, CancellationToken cancellationToken)
    {
        var key = $"{provider}:{voicemail.ProviderId}";
        var earlier = await EarlierAsync(key, cancellationToken);
        if (earlier is null)
        {
            var opened = await intake.AcceptAsync(VoicemailRequest(voicemail, key, payload, Emergency(route, voicemail)), cancellationToken);
            // Only a transcription racing its own voicemail has more to say once the other copy is stored.
            if (opened.Result != IntakeResult.Duplicate || voicemail.Transcription is null) return Map(opened);
            earlier = await EarlierAsync(key, cancellationToken);
            if (earlier is null) return Map(opened);
        }

        if (voicemail.Transcription is null)
            return route.IsTranscription()
                ? (PayloadOutcome.Ignored, earlier.Id, "The transcription callback carried no text (the provider could not transcribe the message).", earlier.IsTriage)
                : (PayloadOutcome.Duplicate, earlier.Id, $"Voicemail {voicemail.ProviderId} was already received.", earlier.IsTriage);
        if (earlier.HasTranscription)
            return (PayloadOutcome.Duplicate, earlier.Id, $"Voicemail {voicemail.ProviderId} was already received with its transcription.", earlier.IsTriage);

        var followUp = await intake.AcceptAsync(TranscriptionRequest(voicemail, key, earlier, payload), cancellationToken);
        return followUp.Result == IntakeResult.Duplicate
            ? (PayloadOutcome.Duplicate, followUp.Id, $"The transcription of voicemail {voicemail.ProviderId} was already received.", followUp.Reason is not null)
            : Map(followUp);
    }

    private static (PayloadOutcome, Guid?, string?, bool) Map(IntakeOutcome outcome) => outcome.Result switch
    {
        IntakeResult.Accepted => (PayloadOutcome.Accepted, outcome.Id, null, false),
        IntakeResult.Duplicate => (PayloadOutcome.Duplicate, outcome.Id, outcome.Reason ?? "Already received.", outcome.Reason is not null),
        IntakeResult.Triaged => (PayloadOutcome.Triaged, outcome.Id, outcome.Reason, true),
        // Only a follow-up names its client, the voicemail's; gone since, a person must look at it.
        _ => (PayloadOutcome.Quarantined, null, outcome.Reason, false),
    };

    private sealed record Earlier(Guid Id, bool IsTriage, Guid? ClientId, string? Email, string? Name, bool HasTranscription);

    /// <summary>The voicemail's request, or its triage item while it waits there.</summary>
    private async Task<Earlier?> EarlierAsync(string key, CancellationToken cancellationToken) =>
        await db.Requests.IgnoreQueryFilters().AsNoTracking()
            .Where(r => r.Channel == Channel && r.ExternalId == key)
            .Select(r => new Earlier(r.Id, false, r.ClientId, r.ContactEmail, r.ContactName, r.Description.Contains(TranscriptionMarker)))
            .SingleOrDefaultAsync(cancellationToken)
        ?? await db.Triage.IgnoreQueryFilters().AsNoTracking()
            .Where(t => t.Channel == Channel && t.ExternalId == key)
            .Select(t => new Earlier(t.Id, true, null, t.SenderEmail, t.SenderName, t.Description.Contains(TranscriptionMarker)))
            .SingleOrDefaultAsync(cancellationToken);

    /// <summary>How the voicemail declared an emergency (docs/adr/0037, 0045), or null.</summary>
    private string? Emergency(PhoneRoute route, PhoneEvent voicemail) =>
        route.IsIvrEmergency() ? $"phone: IVR choice {options.Value.Ivr.EmergencyDigit} (emergency) on {voicemail.CalledNumber}"
        : options.Value.EmergencyNumbers.Contains(voicemail.CalledNumber) ? $"phone: voicemail on the emergency line {voicemail.CalledNumber}"
        : null;

    private static InboundRequest VoicemailRequest(PhoneEvent voicemail, string key, RawPayload payload, string? emergencyDeclared)
    {
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"Voicemail to {voicemail.CalledNumber} from {Caller(voicemail)}, left at ")
            .Append(voicemail.OccurredAt.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss 'UTC'", CultureInfo.InvariantCulture)).Append(".\n");
        if (voicemail.DurationSeconds is { } seconds) text.Append(CultureInfo.InvariantCulture, $"Length: {seconds} seconds.\n");
        if (voicemail.RecordingUrl is { } url) text.Append(CultureInfo.InvariantCulture, $"Recording: {url.AbsoluteUri}\n");
        text.Append(voicemail.Transcription is { } transcription
            ? TranscriptionMarker + transcription
            : "\nNo transcription yet: it is added to this ticket when the provider sends it.");

        return new InboundRequest
        {
            Channel = Channel,
            ExternalId = key,
            ReceivedAt = payload.ReceivedAt, // the clock starts when the message arrived, not when someone listens
            Sender = new Sender(null, voicemail.CallerNumber, voicemail.CallerNumber is null ? "Withheld number" : null),
            Subject = Subject($"Voicemail from {Caller(voicemail)}", voicemail.Transcription),
            Text = text.ToString(),
            RawPayloadId = payload.Id,
            TriageReason = voicemail.CallerNumber is null ? WithheldReason : null,
            EmergencyDeclared = emergencyDeclared,
        };
    }

    private static InboundRequest TranscriptionRequest(PhoneEvent voicemail, string key, Earlier earlier, RawPayload payload) => new()
    {
        Channel = Channel,
        ExternalId = TranscriptionPrefix + key,
        ReceivedAt = payload.ReceivedAt,
        // The voicemail's client and contact, whatever the directory says now: it belongs to that ticket.
        Sender = new Sender(earlier.Email, voicemail.CallerNumber, earlier.Name),
        ClientId = earlier.IsTriage ? null : earlier.ClientId,
        Subject = Subject($"Transcription of the voicemail from {Caller(voicemail)}", voicemail.Transcription),
        Text = $"Transcription of voicemail {voicemail.ProviderId}"
            + (voicemail.RecordingUrl is { } url ? $" ({url.AbsoluteUri})" : "") + ":" + TranscriptionMarker + voicemail.Transcription,
        RawPayloadId = payload.Id,
        Thread = earlier.IsTriage ? null : new ThreadHints(earlier.Id, null, null, []),
        // No ticket to attach it to yet: it waits beside its voicemail, for the same person to decide both.
        TriageReason = earlier.IsTriage ? $"Transcription of a voicemail that waits in triage (item {earlier.Id}): decide the two together." : null,
    };

    private static string Caller(PhoneEvent phoneEvent) => phoneEvent.CallerNumber ?? "a withheld number";

    /// <summary>The subject, with the start of the transcription when there is one, so a queue shows what it is about.</summary>
    private static string Subject(string prefix, string? transcription)
    {
        var firstLine = transcription?.Split('\n', 2)[0].Trim();
        if (string.IsNullOrEmpty(firstLine)) return prefix;
        return prefix + ": " + (firstLine.Length <= 80 ? firstLine : string.Concat(firstLine.AsSpan(0, 79), "…"));
    }
}
