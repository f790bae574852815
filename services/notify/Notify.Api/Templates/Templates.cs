using System.Globalization;
using System.Net;
using Tickets.Contracts;

namespace Notify.Api.Templates;

/// <summary>A message as composed: a subject, a plain-text body, and the same in HTML (email) or null.</summary>
public sealed record Composed(string Subject, string Text, string? Html);

/// <summary>What the acknowledgement says. Add fields here and a sentence in <see cref="Templates.Acknowledgement"/>.</summary>
/// <param name="CoveredFrom">Set when the request arrived outside the hours the client's tier covers: when the clock
/// starts (the next covered time). Nobody is woken for it (docs/adr/0037).</param>
/// <param name="PagesOnCall">A covered emergency outside business hours: the on-call technician is called.</param>
public sealed record AcknowledgementModel(long Number, string ContactName, string Subject, DateTimeOffset WorkBeginsBy, string TimeZone,
    DateTimeOffset? CoveredFrom = null, bool PagesOnCall = false, Wording? Language = null);

public sealed record ResolutionModel(long Number, string ContactName, string Subject, DateTimeOffset ResolvedAt, string TimeZone, Wording? Language = null);

/// <summary>An SLA step for staff: a warning (Percent &lt; 100) or the breach.</summary>
public sealed record SlaAlertModel(long Number, string Subject, string Priority, string Target, string Commitment, int Percent, DateTimeOffset DueAt);

/// <summary>On-call tried everyone on the client's call-down list at night and reached nobody.</summary>
/// <param name="WaitsUntil">When business hours begin and work starts; null when not known.</param>
public sealed record CallDownExhaustedModel(long Number, string ContactName, string Subject, DateTimeOffset? WaitsUntil, string TimeZone,
    Wording? Language = null, IReadOnlyList<CallDownCall>? Calls = null);

/// <summary>The written request for approval to the person the call-down walk reached, with the terms quoted.</summary>
public sealed record ApprovalRequestModel(long Number, string Name, string Subject, decimal? Rate, decimal? Minimum, string? Currency,
    Wording? Language = null);

/// <summary>The call-down walk reached someone: the ticket's contact is told who, and every call made.</summary>
public sealed record CallDownReachedModel(long Number, string ContactName, string Subject, string ReachedName, DateTimeOffset ReachedAt,
    IReadOnlyList<CallDownCall> Calls, string TimeZone, Wording? Language = null);

/// <summary>The written confirmation of an approval of after-hours work, to the contact who gave it.</summary>
/// <param name="Rate">The hourly rate quoted; null when the agreement's rate applies unquoted.</param>
public sealed record ApprovalConfirmationModel(long Number, string ApproverName, string Subject, string Method, DateTimeOffset ApprovedAt,
    decimal? Rate, decimal? Minimum, string? Currency, decimal? CapHours, bool OnSiteRequired, bool? RepresentativePresent, string TimeZone,
    Wording? Language = null);

/// <summary>A page to the person on call. <paramref name="AckLink"/> is null when notify has no Notify:PublicBaseUrl.</summary>
public sealed record PageModel(long Number, string Subject, string Layer, int Round, string? AckLink, Guid TicketId, DateTimeOffset AckExpiresAt);

/// <summary>Nobody took a covered emergency: the desk (the dispatcher queue) must act.</summary>
public sealed record PagingExhaustedModel(long Number, string Subject, string Reason);

public sealed record DeliveryFailedModel(long Number, string Subject, string Kind, string Channel, string Recipient, string State, string Reason);

/// <summary>
/// Every text notify sends, in one place: one method per event, each giving plain text and HTML from the same words.
/// Client-facing messages are in the contact's language (<see cref="Wording"/>: the contact's preference, else their
/// client's, else English), with times in the contact's zone (else the client's calendar's) written in that language's
/// culture; staff alerts are English, times in UTC or the calendar's zone.
/// Values from clients (names, subjects) are HTML-encoded in the HTML part and never become addresses or headers other
/// than the subject, which MimeKit encodes.
/// </summary>
public static class Templates
{
    /// <summary>
    /// What every acknowledgement says, on any channel: add a sentence here (e.g. the next covered time) and the email
    /// and the SMS both carry it.
    /// </summary>
    private static IEnumerable<string> AcknowledgementSays(AcknowledgementModel m, Wording w)
    {
        yield return w.Received(m.Subject, $"SD#{m.Number}");
        if (m.CoveredFrom is { } from)
            yield return w.NotCoveredNow(w.Time(from, m.TimeZone));
        else if (m.PagesOnCall)
            yield return w.OnCallIsCalled();
        yield return w.WorkBeginsBy(w.Time(m.WorkBeginsBy, m.TimeZone));
    }

    public static Composed Acknowledgement(AcknowledgementModel m)
    {
        var (w, reference) = (m.Language ?? Wording.English, $"SD#{m.Number}");
        return Compose(w.AcknowledgementSubject(reference, m.Subject),
            [w.Hello(m.ContactName), .. AcknowledgementSays(m, w), w.ReplyToAdd(reference)]);
    }

    /// <summary>The acknowledgement as a text message (and what a call reads out): the same sentences, no greeting, one paragraph.</summary>
    public static Composed AcknowledgementSms(AcknowledgementModel m) =>
        new($"SD#{m.Number}", string.Join(" ", AcknowledgementSays(m, m.Language ?? Wording.English)), null);

    /// <summary>A public reply: staff's own words, as they wrote them (in whatever language they wrote them).</summary>
    public static Composed Reply(long number, string subject, string body) => Compose($"[SD#{number}] {subject}", body.TrimEnd());

    /// <summary>Twilio takes at most 1,600 characters in one message; a longer reply is cut with an ellipsis.</summary>
    public const int MaxSmsText = 1500;

    /// <summary>A public reply as a text message: the ticket's reference, then staff's words, cut to fit one SMS.</summary>
    public static Composed ReplySms(long number, string body)
    {
        var text = $"SD#{number}: {body.Trim()}";
        return new($"SD#{number}", text.Length <= MaxSmsText ? text : string.Concat(text.AsSpan(0, MaxSmsText - 1).TrimEnd(), "…"), null);
    }

    public static Composed Resolution(ResolutionModel m)
    {
        var (w, reference) = (m.Language ?? Wording.English, $"SD#{m.Number}");
        return Compose(w.ResolvedSubject(reference, m.Subject),
            w.Hello(m.ContactName),
            w.Resolved(m.Subject, reference, w.Time(m.ResolvedAt, m.TimeZone)),
            w.ReopenByMail(reference));
    }

    /// <summary>The resolution as a text message: the same news in one paragraph, and that a text back reopens it.</summary>
    public static Composed ResolutionSms(ResolutionModel m)
    {
        var (w, reference) = (m.Language ?? Wording.English, $"SD#{m.Number}");
        return new(reference, $"{w.Resolved(m.Subject, reference, w.Time(m.ResolvedAt, m.TimeZone))} {w.ReopenByText()}", null);
    }

    public static Composed CallDownExhausted(CallDownExhaustedModel m)
    {
        var (w, reference) = (m.Language ?? Wording.English, $"SD#{m.Number}");
        return Compose(w.CallDownSubject(reference, m.Subject),
            [
                w.Hello(m.ContactName),
                w.CalledEveryone(reference, m.Subject),
                .. CallList(w, m.Calls ?? [], m.TimeZone),
                w.NoWorkNow(m.WaitsUntil is { } from ? w.Time(from, m.TimeZone) : null),
                w.ApproveSooner(reference),
            ]);
    }

    public static Composed CallDownReached(CallDownReachedModel m)
    {
        var (w, reference) = (m.Language ?? Wording.English, $"SD#{m.Number}");
        return Compose(w.ReachedSubject(reference, m.Subject, m.ReachedName),
            [
                w.Hello(m.ContactName),
                w.ReachedSomeone(reference, m.Subject, m.ReachedName, w.Time(m.ReachedAt, m.TimeZone)),
                .. CallList(w, m.Calls, m.TimeZone),
                w.TheyDecide(m.ReachedName),
            ]);
    }

    public static Composed ApprovalRequest(ApprovalRequestModel m)
    {
        var (w, reference) = (m.Language ?? Wording.English, $"SD#{m.Number}");
        return Compose(w.ApprovalRequestSubject(reference, m.Subject),
            w.Hello(m.Name),
            w.JustCalledYou(reference, m.Subject),
            w.BilledAt(m.Rate is { } rate ? w.Money(rate, m.Currency) : null, m.Minimum is > 0m ? w.Money(m.Minimum.Value, m.Currency) : null, null),
            w.ApproveByReply(reference));
    }

    /// <summary>"The calls we made:" and a paragraph per call, oldest first; nothing when there are none.</summary>
    private static IEnumerable<string> CallList(Wording w, IReadOnlyList<CallDownCall> calls, string timeZone) => calls.Count == 0 ? []
        : [w.Calls(), .. calls.Select(c => w.Call(w.Time(c.At, timeZone), c.ContactName, c.Number, c.Outcome))];

    public static Composed ApprovalConfirmation(ApprovalConfirmationModel m)
    {
        var (w, reference) = (m.Language ?? Wording.English, $"SD#{m.Number}");
        return Compose(w.ApprovalSubject(reference, m.Subject),
            w.Hello(m.ApproverName),
            w.Approved(reference, m.Subject, m.Method, w.Time(m.ApprovedAt, m.TimeZone)),
            w.BilledAt(m.Rate is { } rate ? w.Money(rate, m.Currency) : null, m.Minimum is > 0m ? w.Money(m.Minimum.Value, m.Currency) : null,
                m.CapHours is { } cap ? w.Hours(cap) : null),
            w.OnSite(m.OnSiteRequired, m.RepresentativePresent == true),
            w.NotWhatYouAgreed(reference));
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

    /// <summary>
    /// The text back to a page taken by SMS reply (docs/adr/0058): the person knows the reply reached the desk and the
    /// chain stopped, so they do not tap the link or call in as well.
    /// </summary>
    public static Composed PageTaken(long number, string subject) =>
        Compose($"[SD#{number}] Acknowledged: {subject}", $"Acknowledged SD#{number} \u2014 you have it. Nobody else will be paged.");

    public static Composed PagingExhausted(PagingExhaustedModel m)
    {
        var reference = $"SD#{m.Number}";
        return Compose($"[{reference}] Nobody took the emergency: {m.Subject}",
            $"Emergency {reference} \"{m.Subject}\" has nobody on it. {m.Reason}",
            "Find someone to take it now, and acknowledge the ticket's paging for them.");
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

    /// <summary>The templates an admin can preview, each with sample data, by the time zone and language to show it in (staff alerts are English).</summary>
    public static readonly IReadOnlyDictionary<string, Func<string, Wording, Composed>> Samples = new Dictionary<string, Func<string, Wording, Composed>>
    {
        ["acknowledgement"] = (zone, w) => Acknowledgement(new(1042, "Dana Reyes", "Printer jam", SampleTime, zone, Language: w)),
        ["acknowledgement-sms"] = (zone, w) => AcknowledgementSms(new(1042, "Dana Reyes", "Printer jam", SampleTime, zone, Language: w)),
        ["reply-sms"] = (_, _) => ReplySms(1042, "The new toner is on its way; it arrives tomorrow morning."),
        ["resolution"] = (zone, w) => Resolution(new(1042, "Dana Reyes", "Printer jam", SampleTime.AddDays(1), zone, w)),
        ["resolution-sms"] = (zone, w) => ResolutionSms(new(1042, "Dana Reyes", "Printer jam", SampleTime.AddDays(1), zone, w)),
        ["sla-warning"] = (_, _) => SlaAlert(new(1042, "Printer jam", "P2", "work-begins", "internal", 75, SampleTime)),
        ["sla-breach"] = (_, _) => SlaAlert(new(1042, "Printer jam", "P1", "acknowledge", "contractual", 100, SampleTime)),
        ["call-down-exhausted"] = (zone, w) => CallDownExhausted(new(1042, "Dana Reyes", "Server down", SampleTime.AddHours(10), zone, w,
            [new("Sam Ortiz", "+15550101001", "no-answer", SampleTime), new("Dana Reyes", "+15550101002", "voicemail", SampleTime.AddMinutes(3))])),
        ["call-down-reached"] = (zone, w) => CallDownReached(new(1042, "Dana Reyes", "Server down", "Sam Ortiz", SampleTime.AddMinutes(6),
            [new("Sam Ortiz", "+15550101001", "no-answer", SampleTime), new("Sam Ortiz", "+15550101003", "reached", SampleTime.AddMinutes(6))], zone, w)),
        ["approval-request"] = (_, w) => ApprovalRequest(new(1042, "Sam Ortiz", "Server down", 180m, 250m, "USD", w)),
        ["approval-confirmation"] = (zone, w) => ApprovalConfirmation(new(1042, "Dana Reyes", "Server down", "phone", SampleTime, 180m, 250m, "USD", 2m,
            true, true, zone, w)),
        ["page"] = (_, _) => Page(new(1042, "Server room flooding", "primary", 1, "https://desk.example.com/pages/SAMPLE", Guid.Empty, SampleTime.AddDays(1))),
        ["page-taken"] = (_, _) => PageTaken(1042, "Server room flooding"),
        ["paging-exhausted"] = (_, _) => PagingExhausted(new(1042, "Server room flooding", "Nobody acknowledged 6 pages in 2 rounds.")),
        ["delivery-failed"] = (_, _) => DeliveryFailed(new(1042, "Printer jam", "acknowledgement", "email", "dana@acme-dental.example", "bounced", "5.1.1 user unknown")),
    };

    private static readonly DateTimeOffset SampleTime = new(2026, 11, 23, 15, 0, 0, TimeSpan.Zero);
}
