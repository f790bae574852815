namespace Intake.Api.Phone;

public enum PhoneEventKind
{
    /// <summary>A call reached the service number (whether or not anyone answered).</summary>
    Call,

    /// <summary>A caller left a recorded message.</summary>
    Voicemail,
}

/// <summary>
/// One thing that happened on the service number, whichever provider reported it (<see cref="PhoneEventParser"/>).
/// </summary>
/// <param name="ProviderId">
/// The provider's own id, the replay key (unique per channel): Twilio's CallSid for a call, RecordingSid for a voicemail,
/// the generic provider's "id". Twilio's signature has no timestamp, so this id is the only replay protection.
/// </param>
/// <param name="CallerNumber">
/// Who called, in E.164 ("+15551234567"); null when the caller withheld the number (<see cref="PhoneNumber.IsWithheld"/>):
/// such a call is not refused, but nobody can tell its client, so its voicemail waits in triage.
/// </param>
/// <param name="CalledNumber">The service number they called, in E.164: tells which line (and so which desk) it was.</param>
/// <param name="OccurredAt">When the provider says it happened; the receive time when the provider does not say.</param>
/// <param name="DurationSeconds">The call's or the recording's length, when known.</param>
/// <param name="RecordingUrl">The recording (absolute https). Twilio's needs the account's credentials to download.</param>
/// <param name="Transcription">
/// The voicemail as text, when the provider transcribed it. Twilio transcribes after the recording callback and posts the
/// text in a separate transcribeCallback with the same RecordingSid: a handler that finds that ProviderId already stored
/// should attach this text to it, not refuse the callback as a replay.
/// </param>
/// <param name="Digits">
/// The keys the caller pressed (Twilio's <c>Digits</c>): the IVR menu's answer on the choice route; null when none.
/// Not validated: a key that is not the emergency one, whatever it is, takes the usual path.
/// </param>
public sealed record PhoneEvent(
    PhoneEventKind Kind,
    string ProviderId,
    string? CallerNumber,
    string CalledNumber,
    DateTimeOffset OccurredAt,
    int? DurationSeconds,
    Uri? RecordingUrl,
    string? Transcription,
    string? Digits = null);
