using Notify.Api.Channels;

namespace Notify.Api.Domain;

/// <summary>What notify knows of a ticket to write to its contact (from SlaClockStarted's copy of the opened ticket).</summary>
public sealed class TicketContact
{
    public Guid TicketId { get; init; }
    public long Number { get; init; }
    public Guid ClientId { get; init; }
    public required string Email { get; init; }
    public string? Name { get; init; }
    public required string Subject { get; init; }
    /// <summary>The channel the request came in by ("email", "sms", "phone", ...): the acknowledgement answers on it too.</summary>
    public string? Channel { get; init; }
    /// <summary>The team and the person working the ticket (as opened, then TicketAssigned): whom staff alerts go to.</summary>
    public Guid? TeamId { get; set; }
    public string? Assignee { get; set; }
    /// <summary>The ticket version of the assignment applied, so an older one arriving late changes nothing.</summary>
    public int AssignedVersion { get; set; }
    /// <summary>The person on call for this covered emergency: the last one paged, then the one who took it. After hours,
    /// the ticket's alerts go to them alone.</summary>
    public string? OnCall { get; set; }
    /// <summary>The client's calendar's time zone (SlaClockStarted), for local times in later messages.</summary>
    public string? TimeZone { get; set; }
}

/// <summary>An acknowledgement that was sent: one per ticket, kept so it is never sent twice.</summary>
public sealed class SentAcknowledgement
{
    public Guid TicketId { get; init; }
    public required string Recipient { get; init; }
    public required string MessageId { get; init; }
    public DateTimeOffset SentAt { get; init; }
}

/// <summary>A public reply that was mailed: one per reply, kept so a redelivered or republished reply is never mailed twice.</summary>
public sealed class SentReply
{
    public Guid ReplyId { get; init; }
    public Guid TicketId { get; init; }
    public required string Recipient { get; init; }
    public required string MessageId { get; init; }
    public DateTimeOffset SentAt { get; init; }
}

/// <summary>Where and how a client-facing message reaches its contact: the channels, the language and the zone for times.</summary>
public sealed record ContactReach(IReadOnlyList<(string Channel, string Recipient)> Channels, Templates.Wording Language, string TimeZone);

/// <summary>
/// notify's copy of a client's contacts (tickets' ClientChanged, the highest revision), so that a message can reach a
/// contact on a channel the ticket does not carry an address for (their phone, for an SMS acknowledgement).
/// </summary>
public sealed class DirectoryClient
{
    public Guid ClientId { get; init; }
    public int Revision { get; set; }
    public List<DirectoryContact> Contacts { get; set; } = [];
    /// <summary>The language the client's contacts read unless they chose their own (ISO 639-1); null = English. Set in notify.</summary>
    public string? Language { get; set; }
    /// <summary>The client's business calendar as the directory names it (ClientChanged.CalendarId); null = sla's default.</summary>
    public string? CalendarId { get; set; }

    /// <summary>The contact with this email address, or null.</summary>
    public DirectoryContact? ContactOf(string email) =>
        Contacts.FirstOrDefault(c => c.Emails.Any(e => string.Equals(e, email, StringComparison.OrdinalIgnoreCase)));
}

public sealed record DirectoryContact(Guid ContactId, string Name, IReadOnlyList<string> Emails, IReadOnlyList<string> Phones);

/// <summary>
/// The channels a contact allows notify to reach them on, per kind of client-facing message (issue 15's preferences),
/// set by staff or by the client's own users. A kind without its own list gets the default: email, and SMS too for a
/// request that came by text or phone.
/// </summary>
public sealed class ContactPreference
{
    public Guid ContactId { get; init; }
    public Guid ClientId { get; set; }
    /// <summary>Acknowledgements (the column's name from when they were the only kind): email, sms, voice; null = the default.</summary>
    public string[]? Channels { get; set; }
    /// <summary>Public replies: email, sms; null = the default.</summary>
    public string[]? Replies { get; set; }
    /// <summary>Resolution notices: email, sms; null = the default.</summary>
    public string[]? Resolutions { get; set; }
    /// <summary>The language they read (ISO 639-1, one notify writes); null = their client's, else English.</summary>
    public string? Language { get; set; }
    /// <summary>The IANA zone they live in; null = the client's calendar's.</summary>
    public string? TimeZone { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }

    /// <summary>The kinds a contact can choose channels for, with the channels each can go by.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Allowed = new Dictionary<string, string[]>
    {
        // A call reads the acknowledgement out; a staff member's written reply or a resolution with its reopen hint is
        // not something to read to a voicemail box.
        [MessageKind.Acknowledgement] = [Channel.Email, Channel.Sms, Channel.Voice],
        [MessageKind.Reply] = [Channel.Email, Channel.Sms],
        [MessageKind.Resolution] = [Channel.Email, Channel.Sms],
    };

    /// <summary>The contact's channels for <paramref name="kind"/>, or null when they chose none for it (the default applies).</summary>
    public string[]? For(string kind) => kind switch
    {
        MessageKind.Acknowledgement => Channels,
        MessageKind.Reply => Replies,
        MessageKind.Resolution => Resolutions,
        _ => null,
    };

    /// <summary>Without a preference: email, and SMS too when the request came by text or phone (they use their phone with us).</summary>
    public static string[] Default(string? requestChannel) => requestChannel is "sms" or "phone"
        ? [Channel.Email, Channel.Sms]
        : [Channel.Email];

    /// <summary>The channels that reach the contact's phone for <paramref name="kind"/>, in the order they go out.</summary>
    public static IEnumerable<string> PhoneChannels(string kind) =>
        Allowed.TryGetValue(kind, out var channels) ? channels.Where(c => c != Channel.Email) : [];
}

/// <summary>
/// A member of staff's own choices for the alerts notify sends them (issue 15's staff preferences): the channels alerts
/// may use, and quiet hours in their zone when they are not to be alerted at all (someone else on duty is told). Pages
/// ignore both: a P1 page to the person on call always goes out on every channel (docs/adr/0057).
/// </summary>
public sealed class StaffPreference
{
    /// <summary>The staff member's user name, as Staff:People and tickets' assignee name them.</summary>
    public required string Person { get; init; }
    /// <summary>The channels alerts may use (email, sms, voice); null = as each alert's urgency decides.</summary>
    public string[]? Channels { get; set; }
    /// <summary>Quiet hours, local to <see cref="TimeZone"/>: from (inclusive) until (exclusive), across midnight when from is later.</summary>
    public TimeOnly? QuietFrom { get; set; }
    public TimeOnly? QuietUntil { get; set; }
    /// <summary>The IANA zone the quiet hours are in; set whenever they are.</summary>
    public string? TimeZone { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }

    /// <summary>The channels an alert can go by.</summary>
    public static readonly string[] AlertChannels = [Channel.Email, Channel.Sms, Channel.Voice];

    /// <summary>Whether <paramref name="at"/> falls in the quiet hours (their local wall-clock time, so DST moves nothing).</summary>
    public bool IsQuietAt(DateTimeOffset at)
    {
        if (QuietFrom is not { } from || QuietUntil is not { } until || TimeZone is null) return false;
        var local = TimeOnly.FromDateTime(TimeZoneInfo.ConvertTime(at, TimeZoneInfo.FindSystemTimeZoneById(TimeZone)).DateTime);
        return from < until ? local >= from && local < until : local >= from || local < until;
    }
}
