using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;

namespace Sms.Channel;

/// <summary>
/// The body of intake's signed channel webhook (<c>POST /api/channels/{name}/requests</c>, README "Signed channels"):
/// the SMS channel's side of the channel contract. Null fields are left out.
/// </summary>
public sealed record ChannelRequest(string ContactPhone, string Subject, string Description, long? TicketNumber);

/// <summary>An inbound text message as Twilio's Messaging webhook posts it (form fields MessageSid, From, Body, NumMedia, MediaUrl{n}).</summary>
public sealed partial record SmsMessage(string MessageSid, string From, string Text, IReadOnlyList<SmsMedia> Media)
{
    public const int SubjectLength = 60;
    private const int MaxMedia = 10; // Twilio delivers at most 10 media per message
    private const int MaxDescription = 19_000; // intake takes 20,000

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Reads the provider's form; returns the field problems when it is not an inbound message.</summary>
    public static (SmsMessage? Message, Dictionary<string, string[]> Errors) Read(IFormCollection form)
    {
        var errors = new Dictionary<string, string[]>();
        var sid = form["MessageSid"].ToString();
        // Also intake's delivery id: letters and digits only (Twilio's are "SM"/"MM" and 32 hex digits).
        if (sid.Length is < 2 or > 64 || !sid.All(char.IsAsciiLetterOrDigit)) errors["MessageSid"] = ["Required: 2-64 letters and digits."];
        var from = form["From"].ToString().Trim();
        if (!IsE164(from))
            errors["From"] = ["Required: the sender's number in E.164 (+ and 7-15 digits). Short codes and alphanumeric senders cannot be answered."];

        var count = int.TryParse(form["NumMedia"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Min(n, MaxMedia) : 0;
        var media = Enumerable.Range(0, count)
            .Select(i => new SmsMedia(form[$"MediaUrl{i}"].ToString(), form[$"MediaContentType{i}"].ToString()))
            .Where(m => m.Url.Length > 0).ToList();
        return errors.Count > 0 ? (null, errors) : (new SmsMessage(sid, from, Clean(form["Body"].ToString()), media), errors);
    }

    /// <summary>The first line of the text, at most <see cref="SubjectLength"/> characters; a stand-in when there is no text.</summary>
    public string Subject
    {
        get
        {
            var line = Text.Split('\n').Select(l => Whitespace().Replace(l, " ").Trim()).FirstOrDefault(l => l.Length > 0);
            if (line is null) return Media.Count > 0 ? $"Picture message from {From}" : $"Empty text message from {From}";
            if (line.Length <= SubjectLength) return line;
            var cut = SubjectLength - 1;
            if (char.IsHighSurrogate(line[cut - 1])) cut--; // never split an emoji
            return string.Concat(line.AsSpan(0, cut).TrimEnd(), "…");
        }
    }

    /// <summary>The whole text, then the media the message carried (their URLs at the provider).</summary>
    public string Description
    {
        get
        {
            var text = new StringBuilder(string.IsNullOrWhiteSpace(Text) ? "(no text)" : Text);
            if (text.Length > MaxDescription) text.Length = MaxDescription;
            for (var i = 0; i < Media.Count; i++)
                text.Append(i == 0 ? "\n\nMedia:" : "").Append(CultureInfo.InvariantCulture, $"\n{i + 1}. {Media[i].ContentType} {Media[i].Url}");
            return text.ToString();
        }
    }

    /// <summary>The first ticket number the sender quoted: "SD#1234", "sd #1234" or "SD# 1234" is 1234.</summary>
    public long? TicketNumber =>
        TicketToken().Match(Text) is { Success: true } match && long.TryParse(match.Groups[1].Value, CultureInfo.InvariantCulture, out var number) && number > 0
            ? number
            : null;

    public ChannelRequest ToChannelRequest() => new(From, Subject, Description, TicketNumber);

    /// <summary>The JSON bytes posted (and signed): exactly what intake verifies.</summary>
    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(ToChannelRequest(), Json);

    private static bool IsE164(string value) =>
        value.Length is >= 8 and <= 16 && value[0] == '+' && value[1] != '0' && value.Skip(1).All(char.IsAsciiDigit);

    /// <summary>Line breaks made "\n"; control characters other than tab and line breaks dropped (intake refuses them).</summary>
    private static string Clean(string value)
    {
        value = value.ReplaceLineEndings("\n");
        return value.Any(c => char.IsControl(c) && c is not ('\t' or '\n'))
            ? new string(value.Where(c => !char.IsControl(c) || c is '\t' or '\n').ToArray())
            : value;
    }

    [GeneratedRegex(@"(?<![A-Za-z0-9])SD ?# ?(\d{1,15})(?!\d)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex TicketToken();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}

public sealed record SmsMedia(string Url, string ContentType);
