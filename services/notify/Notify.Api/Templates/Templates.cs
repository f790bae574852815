using System.Globalization;
using System.Net;

namespace Notify.Api.Templates;

/// <summary>A message as composed: a subject, a plain-text body, and the same in HTML (email) or null.</summary>
public sealed record Composed(string Subject, string Text, string? Html);

/// <summary>What the acknowledgement says. Add fields here and a sentence in <see cref="Templates.Acknowledgement"/>.</summary>
/// <param name="CoveredFrom">Set when the request arrived outside the hours the client's tier covers: when the clock
/// starts (the next covered time). Nobody is woken for it (docs/adr/0037).</param>
/// <param name="PagesOnCall">A covered emergency outside business hours: the on-call technician is called.</param>
public sealed record AcknowledgementModel(long Number, string ContactName, string Subject, DateTimeOffset WorkBeginsBy, string TimeZone,
    DateTimeOffset? CoveredFrom = null, bool PagesOnCall = false);

public sealed record ResolutionModel(long Number, string ContactName, string Subject, DateTimeOffset ResolvedAt, string TimeZone);

/// <summary>An SLA step for staff: a warning (Percent &lt; 100) or the breach.</summary>
public sealed record SlaAlertModel(long Number, string Subject, string Priority, string Target, string Commitment, int Percent, DateTimeOffset DueAt);

/// <summary>On-call tried everyone on the client's call-down list at night and reached nobody.</summary>
/// <param name="WaitsUntil">When business hours begin and work starts; null when not known.</param>
public sealed record CallDownExhaustedModel(long Number, string ContactName, string Subject, DateTimeOffset? WaitsUntil, string TimeZone);

/// <summary>The written confirmation of an approval of after-hours work, to the contact who gave it.</summary>
/// <param name="Rate">The hourly rate quoted; null when the agreement's rate applies unquoted.</param>
public sealed record ApprovalConfirmationModel(long Number, string ApproverName, string Subject, string Method, DateTimeOffset ApprovedAt,
    decimal? Rate, decimal? Minimum, string? Currency, decimal? CapHours, bool OnSiteRequired, bool? RepresentativePresent, string TimeZone);

/// <summary>A page to the person on call. <paramref name="AckLink"/> is null when notify has no Notify:PublicBaseUrl.</summary>
public sealed record PageModel(long Number, string Subject, string Layer, int Round, string? AckLink, Guid TicketId, DateTimeOffset AckExpiresAt);

/// <summary>Nobody took a covered emergency: the desk (the dispatcher queue) must act.</summary>
public sealed record PagingExhaustedModel(long Number, string Subject, string Reason);

public sealed record DeliveryFailedModel(long Number, string Subject, string Kind, string Channel, string Recipient, string State, string Reason);

/// <summary>
/// Every text notify sends, in one place: one method per event, each giving plain text and HTML from the same words.
/// English only for now (no client has a language on record); times are in the client's calendar's time zone.
/// Values from clients (names, subjects) are HTML-encoded in the HTML part and never become addresses or headers other
/// than the subject, which MimeKit encodes.
/// </summary>
public static class Templates
{
    /// <summary>
    /// What every acknowledgement says, on any channel: add a sentence here (e.g. the next covered time) and the email
    /// and the SMS both carry it.
    /// </summary>
    private static IEnumerable<string> AcknowledgementSays(AcknowledgementModel m)
    {
        yield return $"We received your request \"{m.Subject}\" and opened ticket SD#{m.Number}.";
        if (m.CoveredFrom is { } from)
            yield return $"Your service agreement does not cover this request at this hour, so nobody is being woken: we start on it at {FormatLocal(from, m.TimeZone)}.";
        else if (m.PagesOnCall)
            yield return "Your service agreement covers this emergency now: the on-call technician is being called.";
        yield return $"Work will begin by {FormatLocal(m.WorkBeginsBy, m.TimeZone)}.";
    }

    public static Composed Acknowledgement(AcknowledgementModel m)
    {
        var reference = $"SD#{m.Number}";
        return Compose($"[{reference}] We received your request: {m.Subject}",
            [$"Hello {m.ContactName},", .. AcknowledgementSays(m), $"Reply to this email to add to the ticket; keep {reference} in the subject."]);
    }

    /// <summary>The acknowledgement as a text message: the same sentences, no greeting, one paragraph.</summary>
    public static Composed AcknowledgementSms(AcknowledgementModel m) =>
        new($"SD#{m.Number}", string.Join(" ", AcknowledgementSays(m)), null);

    /// <summary>A public reply: staff's own words, as they wrote them.</summary>
    public static Composed Reply(long number, string subject, string body) => Compose($"[SD#{number}] {subject}", body.TrimEnd());

    public static Composed Resolution(ResolutionModel m)
    {
        var reference = $"SD#{m.Number}";
        return Compose($"[{reference}] Resolved: {m.Subject}",
            $"Hello {m.ContactName},",
            $"We resolved your request \"{m.Subject}\" (ticket {reference}) on {FormatLocal(m.ResolvedAt, m.TimeZone)}.",
            $"If it is not fixed, reply to this email and the ticket reopens; keep {reference} in the subject.");
    }

    /// <summary>Twilio takes at most 1,600 characters in one message; a longer reply is cut with an ellipsis.</summary>
    public const int MaxSmsText = 1500;

    /// <summary>A public reply as a text message: the ticket's reference, then staff's words, cut to fit one SMS.</summary>
    public static Composed ReplySms(long number, string body)
    {
        var text = $"SD#{number}: {body.Trim()}";
        return new($"SD#{number}", text.Length <= MaxSmsText ? text : string.Concat(text.AsSpan(0, MaxSmsText - 1).TrimEnd(), "…"), null);
    }

    /// <summary>The resolution as a text message: the same news in one paragraph, and that a text back reopens it.</summary>
    public static Composed ResolutionSms(ResolutionModel m) =>
        new($"SD#{m.Number}", $"We resolved your request \"{m.Subject}\" (SD#{m.Number}) on {FormatLocal(m.ResolvedAt, m.TimeZone)}. "
            + $"If it is not fixed, answer this text and the ticket reopens.", null);

    public static Composed CallDownExhausted(CallDownExhaustedModel m)
    {
        var reference = $"SD#{m.Number}";
        return Compose($"[{reference}] We could not reach anyone about: {m.Subject}",
            $"Hello {m.ContactName},",
            $"Our on-call technician called everyone on your after-hours call-down list about ticket {reference} \"{m.Subject}\" and reached nobody.",
            "After-hours work needs the approval of someone on that list, so no work is being done now"
            + (m.WaitsUntil is { } from ? $": we start on it when your business hours begin, {FormatLocal(from, m.TimeZone)}." : ": we start on it when your business hours begin."),
            $"To approve after-hours work sooner, call our service number or reply to this email; keep {reference} in the subject.");
    }

    public static Composed ApprovalConfirmation(ApprovalConfirmationModel m)
    {
        var reference = $"SD#{m.Number}";
        var rate = m.Rate is { } r ? $"{r.ToString("0.00", CultureInfo.InvariantCulture)} {m.Currency} per hour" : "the after-hours rate of your agreement";
        var minimum = m.Minimum is > 0m ? $", with a minimum charge of {m.Minimum.Value.ToString("0.00", CultureInfo.InvariantCulture)} {m.Currency}" : "";
        return Compose($"[{reference}] Your approval of after-hours work: {m.Subject}",
            $"Hello {m.ApproverName},",
            $"This confirms in writing that you approved after-hours work on ticket {reference} \"{m.Subject}\" by {m.Method} on {FormatLocal(m.ApprovedAt, m.TimeZone)}.",
            $"It is billed at {rate}{minimum}" + (m.CapHours is { } cap ? $", for at most {cap.ToString("0.##", CultureInfo.InvariantCulture)} hours." : "."),
            m.OnSiteRequired
                ? m.RepresentativePresent == true
                    ? "A technician comes on site; you told us someone from your company will be there to let them in."
                    : "A technician comes on site and needs someone from your company there to let them in."
                : "The work is done remotely.",
            $"If this is not what you agreed, reply to this email at once; keep {reference} in the subject.");
    }

    public static Composed SlaAlert(SlaAlertModel m)
    {
        var reference = $"SD#{m.Number}";
        var what = m.Percent >= 100 ? "BREACHED" : $"{m.Percent}% used";
        return Compose($"[{reference}] {m.Priority} {m.Target} ({m.Commitment}) {what}: {m.Subject}",
            $"Ticket {reference} \"{m.Subject}\" ({m.Priority}):",
            m.Percent >= 100
                ? $"the {m.Commitment} {m.Target} target was due at {m.DueAt:u} and is not met."
                : $"{m.Percent}% of the {m.Commitment} {m.Target} target is used; it is due at {m.DueAt:u}.");
    }

    public static Composed DeliveryFailed(DeliveryFailedModel m)
    {
        var reference = $"SD#{m.Number}";
        return Compose($"[{reference}] The {m.Kind} did not reach {m.Recipient}",
            $"The {m.Kind} of ticket {reference} \"{m.Subject}\" by {m.Channel} to {m.Recipient} {m.State}: {m.Reason}",
            m.Kind == "acknowledgement"
                ? "The client has not been told their request was received: the acknowledgement target is at risk again. Reach them another way."
                : "The client may not have received it. Reach them another way.");
    }

    /// <summary>
    /// A page: short enough for one SMS and for a voice call to read out, the emergency first, then how to take it.
    /// The link is a one-tap acknowledgement (valid until <see cref="PageModel.AckExpiresAt"/>).
    /// </summary>
    public static Composed Page(PageModel m)
    {
        var reference = $"SD#{m.Number}";
        var take = m.AckLink is { } link
            ? $"Take it: {link} (valid until {m.AckExpiresAt:u})."
            : $"Take it in the console or with POST /api/tickets/{m.TicketId}/paging/acknowledge.";
        return Compose($"[{reference}] EMERGENCY PAGE: {m.Subject}",
            $"Emergency {reference}: \"{m.Subject}\". You are paged as {m.Layer}{(m.Round > 1 ? $" (round {m.Round})" : "")}.",
            take,
            "If nobody takes it, the next person in the chain is paged.");
    }

    public static Composed PagingExhausted(PagingExhaustedModel m)
    {
        var reference = $"SD#{m.Number}";
        return Compose($"[{reference}] Nobody took the emergency: {m.Subject}",
            $"Emergency {reference} \"{m.Subject}\" has nobody on it. {m.Reason}",
            "Find someone to take it now, and acknowledge the ticket's paging for them.");
    }

    /// <summary>"Monday 23 November 2026, 10:00 (America/New_York)": the client's local time, unambiguous.</summary>
    public static string FormatLocal(DateTimeOffset instant, string timeZone)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var found) ? found : TimeZoneInfo.Utc;
        var local = TimeZoneInfo.ConvertTime(instant, zone);
        return local.ToString("dddd d MMMM yyyy, HH:mm", CultureInfo.InvariantCulture) + $" ({zone.Id})";
    }

    /// <summary>The paragraphs as text (blank line between) and as HTML paragraphs, encoded.</summary>
    private static Composed Compose(string subject, params IReadOnlyList<string> paragraphs) => new(
        OneLine(subject),
        string.Join("\n\n", paragraphs) + "\n",
        "<!DOCTYPE html><html><body>" + string.Concat(paragraphs.Select(p => $"<p>{WebUtility.HtmlEncode(p)}</p>")) + "</body></html>");

    /// <summary>
    /// A subject is a header: a client's line breaks or control characters in it (a ticket subject they wrote) become
    /// spaces, so no text of theirs can start a header of its own, whatever the mail library does with it.
    /// </summary>
    public static string OneLine(string text) => string.Concat(text.Select(c => char.IsControl(c) ? ' ' : c)).Trim();

    /// <summary>The templates an admin can preview, each with sample data, by the time zone to show times in.</summary>
    public static readonly IReadOnlyDictionary<string, Func<string, Composed>> Samples = new Dictionary<string, Func<string, Composed>>
    {
        ["acknowledgement"] = zone => Acknowledgement(new(1042, "Dana Reyes", "Printer jam", SampleTime, zone)),
        ["acknowledgement-sms"] = zone => AcknowledgementSms(new(1042, "Dana Reyes", "Printer jam", SampleTime, zone)),
        ["resolution"] = zone => Resolution(new(1042, "Dana Reyes", "Printer jam", SampleTime.AddDays(1), zone)),
        ["resolution-sms"] = zone => ResolutionSms(new(1042, "Dana Reyes", "Printer jam", SampleTime.AddDays(1), zone)),
        ["reply-sms"] = _ => ReplySms(1042, "The new toner is on its way; it arrives tomorrow morning."),
        ["sla-warning"] = _ => SlaAlert(new(1042, "Printer jam", "P2", "work-begins", "internal", 75, SampleTime)),
        ["sla-breach"] = _ => SlaAlert(new(1042, "Printer jam", "P1", "acknowledge", "contractual", 100, SampleTime)),
        ["call-down-exhausted"] = zone => CallDownExhausted(new(1042, "Dana Reyes", "Server down", SampleTime.AddHours(10), zone)),
        ["approval-confirmation"] = zone => ApprovalConfirmation(new(1042, "Dana Reyes", "Server down", "phone", SampleTime, 180m, 250m, "USD", 2m,
            true, true, zone)),
        ["page"] = _ => Page(new(1042, "Server room flooding", "primary", 1, "https://desk.example.com/pages/SAMPLE", Guid.Empty, SampleTime.AddDays(1))),
        ["paging-exhausted"] = _ => PagingExhausted(new(1042, "Server room flooding", "Nobody acknowledged 6 pages in 2 rounds.")),
        ["delivery-failed"] = _ => DeliveryFailed(new(1042, "Printer jam", "acknowledgement", "email", "dana@acme-dental.example", "bounced", "5.1.1 user unknown")),
    };

    private static readonly DateTimeOffset SampleTime = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);
}
