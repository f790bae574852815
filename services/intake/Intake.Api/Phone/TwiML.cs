using System.Globalization;
using System.Text;
using System.Xml;
using System.Xml.Linq;

namespace Intake.Api.Phone;

/// <summary>
/// The TwiML answers a Twilio voice webhook expects (https://www.twilio.com/docs/voice/twiml): an XML document served
/// as application/xml. Built with an XML writer, so text and URLs are escaped, never concatenated into markup.
/// </summary>
public static class TwiML
{
    public const string ContentType = "application/xml";
    public const int MaxGreetingLength = 4_000; // Twilio's <Say> takes up to 4,096 characters
    public const int MaxRecordingSeconds = 3_600;

    /// <summary><c>&lt;Response/&gt;</c>: Twilio ends the call (or just acknowledges a callback).</summary>
    public static IResult Empty() => Result(EmptyDocument());

    /// <summary>Says <paramref name="greeting"/>, then records a voicemail; see <see cref="VoicemailDocument"/>.</summary>
    public static IResult Voicemail(string greeting, Uri recordingAction, Uri? transcribeCallback = null, int maxLengthSeconds = 120) =>
        Result(VoicemailDocument(greeting, recordingAction, transcribeCallback, maxLengthSeconds));

    /// <summary>Asks for one key; see <see cref="GatherDocument"/>.</summary>
    public static IResult Gather(string prompt, Uri action, int timeoutSeconds = 5) => Result(GatherDocument(prompt, action, timeoutSeconds));

    public static string EmptyDocument() => Write(new XElement("Response"));

    /// <summary>
    /// <c>&lt;Response&gt;&lt;Gather input="dtmf" numDigits="1" action=… actionOnEmptyResult="true"&gt;&lt;Say&gt;prompt&lt;/Say&gt;&lt;/Gather&gt;&lt;/Response&gt;</c>:
    /// the IVR menu. Twilio posts the call's parameters and the key pressed (<c>Digits</c>) to <paramref name="action"/>;
    /// with actionOnEmptyResult it posts there also when the caller presses nothing, so one route decides every call.
    /// </summary>
    /// <exception cref="ArgumentException">An empty or over-long prompt, or a relative URL: programming errors.</exception>
    public static string GatherDocument(string prompt, Uri action, int timeoutSeconds = 5)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(prompt);
        if (prompt.Length > MaxGreetingLength) throw new ArgumentException($"At most {MaxGreetingLength} characters.", nameof(prompt));
        ArgumentOutOfRangeException.ThrowIfLessThan(timeoutSeconds, 1);
        if (!action.IsAbsoluteUri) throw new ArgumentException("An absolute URL.", nameof(action));

        return Write(new XElement("Response", new XElement("Gather",
            new XAttribute("input", "dtmf"),
            new XAttribute("numDigits", "1"),
            new XAttribute("timeout", timeoutSeconds.ToString(CultureInfo.InvariantCulture)),
            new XAttribute("action", action.AbsoluteUri),
            new XAttribute("method", "POST"),
            new XAttribute("actionOnEmptyResult", "true"),
            new XElement("Say", prompt))));
    }

    /// <summary>
    /// <c>&lt;Response&gt;&lt;Say&gt;greeting&lt;/Say&gt;&lt;Record action=… /&gt;&lt;/Response&gt;</c>, e.g. after hours.
    /// Twilio posts the recording (RecordingSid, RecordingUrl, RecordingDuration and the call's From/To) to
    /// <paramref name="recordingAction"/>, also when the caller hangs up while recording; with
    /// <paramref name="transcribeCallback"/>, the transcription follows there later (<see cref="PhoneEvent.Transcription"/>).
    /// </summary>
    /// <exception cref="ArgumentException">An empty or over-long greeting, a character XML cannot carry, or a relative URL: programming errors.</exception>
    public static string VoicemailDocument(string greeting, Uri recordingAction, Uri? transcribeCallback = null, int maxLengthSeconds = 120)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(greeting);
        if (greeting.Length > MaxGreetingLength) throw new ArgumentException($"At most {MaxGreetingLength} characters.", nameof(greeting));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLengthSeconds, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLengthSeconds, MaxRecordingSeconds);
        // Twilio resolves relative URLs against the webhook's; absolute ones say exactly which public route is meant.
        if (!recordingAction.IsAbsoluteUri) throw new ArgumentException("An absolute URL.", nameof(recordingAction));
        if (transcribeCallback is { IsAbsoluteUri: false }) throw new ArgumentException("An absolute URL.", nameof(transcribeCallback));

        var record = new XElement("Record",
            new XAttribute("action", recordingAction.AbsoluteUri),
            new XAttribute("method", "POST"),
            new XAttribute("maxLength", maxLengthSeconds.ToString(CultureInfo.InvariantCulture)),
            new XAttribute("playBeep", "true"));
        if (transcribeCallback is not null)
        {
            record.Add(new XAttribute("transcribe", "true"), new XAttribute("transcribeCallback", transcribeCallback.AbsoluteUri));
        }
        return Write(new XElement("Response", new XElement("Say", greeting), record));
    }

    private static IResult Result(string document) => TypedResults.Text(document, ContentType, Encoding.UTF8);

    private static string Write(XElement response)
    {
        using var stream = new MemoryStream();
        // CheckCharacters: a control character in the text throws here rather than sending Twilio a document it rejects.
        using (var writer = XmlWriter.Create(stream, new XmlWriterSettings { Encoding = new UTF8Encoding(false), CheckCharacters = true }))
            new XDocument(response).Save(writer);
        return Encoding.UTF8.GetString(stream.ToArray());
    }
}
