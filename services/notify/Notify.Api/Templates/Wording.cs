using System.Globalization;

namespace Notify.Api.Templates;

/// <summary>
/// The words of every client-facing message in one language: one method per sentence, so that <see cref="Templates"/>
/// decides what a message says and in what order, and a language only says it. A new language is one subclass and a
/// line in <see cref="All"/>. Dates, times and amounts are written in the language's culture; staff alerts stay English.
/// </summary>
public abstract class Wording
{
    public static readonly Wording English = new EnglishWording();
    public static readonly Wording German = new GermanWording();

    /// <summary>The languages notify writes, by ISO 639-1 code.</summary>
    public static readonly IReadOnlyDictionary<string, Wording> All = new Dictionary<string, Wording>(StringComparer.OrdinalIgnoreCase)
    {
        [English.Code] = English,
        [German.Code] = German,
    };

    /// <summary>The wording for an ISO 639-1 code ("de", or "de-CH": its language), English when notify does not write it.</summary>
    public static Wording For(string? code) =>
        code is { Length: >= 2 } && All.TryGetValue(code.Split('-')[0], out var wording) ? wording : English;

    public abstract string Code { get; }
    public abstract CultureInfo Culture { get; }
    /// <summary>The .NET format of a local date and time, e.g. "dddd d MMMM yyyy, HH:mm".</summary>
    protected abstract string DateTimeFormat { get; }

    /// <summary>"Monday 23 November 2026, 10:00 (America/New_York)": the instant in the zone, unambiguous, in this language.</summary>
    public string Time(DateTimeOffset instant, string timeZone)
    {
        var zone = TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out var found) ? found : TimeZoneInfo.Utc;
        return TimeZoneInfo.ConvertTime(instant, zone).ToString(DateTimeFormat, Culture) + $" ({zone.Id})";
    }

    public string Money(decimal amount, string? currency) => $"{amount.ToString("0.00", Culture)} {currency}".TrimEnd();
    public string Hours(decimal hours) => hours.ToString("0.##", Culture);

    public abstract string Hello(string name);

    // The acknowledgement
    public abstract string AcknowledgementSubject(string reference, string subject);
    public abstract string Received(string subject, string reference);
    public abstract string NotCoveredNow(string startsAt);
    public abstract string OnCallIsCalled();
    public abstract string WorkBeginsBy(string time);
    public abstract string ReplyToAdd(string reference);

    // The resolution
    public abstract string ResolvedSubject(string reference, string subject);
    public abstract string Resolved(string subject, string reference, string time);
    public abstract string ReopenByMail(string reference);
    public abstract string ReopenByText();

    // Nobody on the call-down list was reached
    public abstract string CallDownSubject(string reference, string subject);
    public abstract string CalledEveryone(string reference, string subject);
    public abstract string NoWorkNow(string? startsAt);
    public abstract string ApproveSooner(string reference);

    // The call-down walk's summary: someone reached, and the calls of either outcome
    public abstract string ReachedSubject(string reference, string subject, string name);
    public abstract string ReachedSomeone(string reference, string subject, string name, string time);
    public abstract string TheyDecide(string name);
    public abstract string Calls();
    /// <summary>One call: "Monday ... 03:12 (zone): Dana Reyes, +1…: no answer".</summary>
    public string Call(string time, string name, string number, string outcome) => $"{time}: {name}, {number}: {Outcome(outcome)}";
    /// <summary>A call's outcome (tickets' CallDownOutcomes) in words; an unknown one as it came.</summary>
    protected abstract string Outcome(string outcome);

    // The request for approval, to the person the call-down walk reached
    public abstract string ApprovalRequestSubject(string reference, string subject);
    public abstract string JustCalledYou(string reference, string subject);
    public abstract string ApproveByReply(string reference);

    // The written confirmation of an approval
    public abstract string ApprovalSubject(string reference, string subject);
    public abstract string Approved(string reference, string subject, string method, string time);
    public abstract string BilledAt(string? rate, string? minimum, string? capHours);
    public abstract string OnSite(bool required, bool representativePresent);
    public abstract string NotWhatYouAgreed(string reference);

    private sealed class EnglishWording : Wording
    {
        public override string Code => "en";
        public override CultureInfo Culture => CultureInfo.InvariantCulture;
        protected override string DateTimeFormat => "dddd d MMMM yyyy, HH:mm";

        public override string Hello(string name) => $"Hello {name},";

        public override string AcknowledgementSubject(string reference, string subject) => $"[{reference}] We received your request: {subject}";
        public override string Received(string subject, string reference) => $"We received your request \"{subject}\" and opened ticket {reference}.";
        public override string NotCoveredNow(string startsAt) =>
            $"Your service agreement does not cover this request at this hour, so nobody is being woken: we start on it at {startsAt}.";
        public override string OnCallIsCalled() => "Your service agreement covers this emergency now: the on-call technician is being called.";
        public override string WorkBeginsBy(string time) => $"Work will begin by {time}.";
        public override string ReplyToAdd(string reference) => $"Reply to this email to add to the ticket; keep {reference} in the subject.";

        public override string ResolvedSubject(string reference, string subject) => $"[{reference}] Resolved: {subject}";
        public override string Resolved(string subject, string reference, string time) =>
            $"We resolved your request \"{subject}\" (ticket {reference}) on {time}.";
        public override string ReopenByMail(string reference) =>
            $"If it is not fixed, reply to this email and the ticket reopens; keep {reference} in the subject.";
        public override string ReopenByText() => "If it is not fixed, answer this text and the ticket reopens.";

        public override string CallDownSubject(string reference, string subject) => $"[{reference}] We could not reach anyone about: {subject}";
        public override string CalledEveryone(string reference, string subject) =>
            $"Our on-call technician called everyone on your after-hours call-down list about ticket {reference} \"{subject}\" and reached nobody.";
        public override string NoWorkNow(string? startsAt) =>
            "After-hours work needs the approval of someone on that list, so no work is being done now: we start on it when your business hours begin"
            + (startsAt is null ? "." : $", {startsAt}.");
        public override string ApproveSooner(string reference) =>
            $"To approve after-hours work sooner, call our service number or reply to this email; keep {reference} in the subject.";

        public override string ReachedSubject(string reference, string subject, string name) => $"[{reference}] We reached {name} about: {subject}";
        public override string ReachedSomeone(string reference, string subject, string name, string time) =>
            $"Our on-call technician called your after-hours call-down list about ticket {reference} \"{subject}\" and reached {name} on {time}.";
        public override string TheyDecide(string name) =>
            $"After-hours work needs approval: {name} decides with our technician whether it goes ahead now or waits for your business hours.";
        public override string Calls() => "The calls we made:";
        protected override string Outcome(string outcome) => outcome switch
        {
            "reached" => "reached",
            "voicemail" => "voicemail left with our service number",
            "no-answer" => "no answer",
            "busy" => "busy",
            "wrong-person" => "someone else answered",
            "failed" => "the call failed",
            _ => outcome,
        };

        public override string ApprovalRequestSubject(string reference, string subject) => $"[{reference}] Your approval is needed for after-hours work: {subject}";
        public override string JustCalledYou(string reference, string subject) =>
            $"Our on-call technician just called you about ticket {reference} \"{subject}\". After-hours work is done only once someone on your call-down list approves it.";
        public override string ApproveByReply(string reference) =>
            $"To approve, tell our technician, or reply to this email saying so (and any limit in hours); keep {reference} in the subject. You receive a written confirmation.";

        public override string ApprovalSubject(string reference, string subject) => $"[{reference}] Your approval of after-hours work: {subject}";
        public override string Approved(string reference, string subject, string method, string time) =>
            $"This confirms in writing that you approved after-hours work on ticket {reference} \"{subject}\" by {method} on {time}.";
        public override string BilledAt(string? rate, string? minimum, string? capHours) =>
            $"It is billed at {(rate is null ? "the after-hours rate of your agreement" : $"{rate} per hour")}"
            + (minimum is null ? "" : $", with a minimum charge of {minimum}")
            + (capHours is null ? "." : $", for at most {capHours} hours.");
        public override string OnSite(bool required, bool representativePresent) => !required ? "The work is done remotely."
            : representativePresent ? "A technician comes on site; you told us someone from your company will be there to let them in."
            : "A technician comes on site and needs someone from your company there to let them in.";
        public override string NotWhatYouAgreed(string reference) =>
            $"If this is not what you agreed, reply to this email at once; keep {reference} in the subject.";
    }

    private sealed class GermanWording : Wording
    {
        public override string Code => "de";
        public override CultureInfo Culture { get; } = CultureInfo.GetCultureInfo("de-DE");
        protected override string DateTimeFormat => "dddd, d. MMMM yyyy, HH:mm 'Uhr'";

        public override string Hello(string name) => $"Guten Tag {name},";

        public override string AcknowledgementSubject(string reference, string subject) => $"[{reference}] Wir haben Ihre Anfrage erhalten: {subject}";
        public override string Received(string subject, string reference) =>
            $"Wir haben Ihre Anfrage „{subject}“ erhalten und das Ticket {reference} eröffnet.";
        public override string NotCoveredNow(string startsAt) =>
            $"Ihr Servicevertrag deckt diese Anfrage zu dieser Uhrzeit nicht ab, daher wird niemand geweckt: Wir beginnen am {startsAt}.";
        public override string OnCallIsCalled() => "Ihr Servicevertrag deckt diesen Notfall jetzt ab: Der Techniker in Rufbereitschaft wird angerufen.";
        public override string WorkBeginsBy(string time) => $"Die Arbeit beginnt spätestens am {time}.";
        public override string ReplyToAdd(string reference) =>
            $"Antworten Sie auf diese E-Mail, um dem Ticket etwas hinzuzufügen; lassen Sie {reference} im Betreff stehen.";

        public override string ResolvedSubject(string reference, string subject) => $"[{reference}] Gelöst: {subject}";
        public override string Resolved(string subject, string reference, string time) =>
            $"Wir haben Ihre Anfrage „{subject}“ (Ticket {reference}) am {time} gelöst.";
        public override string ReopenByMail(string reference) =>
            $"Falls das Problem weiter besteht, antworten Sie auf diese E-Mail, dann wird das Ticket wieder geöffnet; lassen Sie {reference} im Betreff stehen.";
        public override string ReopenByText() => "Falls das Problem weiter besteht, antworten Sie auf diese SMS, dann wird das Ticket wieder geöffnet.";

        public override string CallDownSubject(string reference, string subject) => $"[{reference}] Wir konnten niemanden erreichen: {subject}";
        public override string CalledEveryone(string reference, string subject) =>
            $"Unser Techniker in Rufbereitschaft hat wegen Ticket {reference} „{subject}“ alle Personen Ihrer Notfall-Anrufliste angerufen und niemanden erreicht.";
        public override string NoWorkNow(string? startsAt) =>
            "Arbeit außerhalb der Geschäftszeiten muss von einer Person dieser Liste genehmigt werden, daher wird jetzt nicht gearbeitet: Wir beginnen, sobald Ihre Geschäftszeit beginnt"
            + (startsAt is null ? "." : $", am {startsAt}.");
        public override string ApproveSooner(string reference) =>
            $"Um Arbeit außerhalb der Geschäftszeiten früher zu genehmigen, rufen Sie unsere Servicenummer an oder antworten Sie auf diese E-Mail; lassen Sie {reference} im Betreff stehen.";

        public override string ReachedSubject(string reference, string subject, string name) => $"[{reference}] Wir haben {name} erreicht: {subject}";
        public override string ReachedSomeone(string reference, string subject, string name, string time) =>
            $"Unser Techniker in Rufbereitschaft hat wegen Ticket {reference} „{subject}“ Ihre Notfall-Anrufliste angerufen und am {time} {name} erreicht.";
        public override string TheyDecide(string name) =>
            $"Arbeit außerhalb der Geschäftszeiten muss genehmigt werden: {name} entscheidet mit unserem Techniker, ob sie jetzt beginnt oder bis zu Ihrer Geschäftszeit wartet.";
        public override string Calls() => "Unsere Anrufe:";
        protected override string Outcome(string outcome) => outcome switch
        {
            "reached" => "erreicht",
            "voicemail" => "Nachricht mit unserer Servicenummer hinterlassen",
            "no-answer" => "keine Antwort",
            "busy" => "besetzt",
            "wrong-person" => "jemand anderes hat abgenommen",
            "failed" => "Anruf fehlgeschlagen",
            _ => outcome,
        };

        public override string ApprovalRequestSubject(string reference, string subject) =>
            $"[{reference}] Ihre Genehmigung für Arbeit außerhalb der Geschäftszeiten wird benötigt: {subject}";
        public override string JustCalledYou(string reference, string subject) =>
            $"Unser Techniker in Rufbereitschaft hat Sie soeben wegen Ticket {reference} „{subject}“ angerufen. Arbeit außerhalb der Geschäftszeiten beginnt erst, wenn jemand von Ihrer Notfall-Anrufliste sie genehmigt.";
        public override string ApproveByReply(string reference) =>
            $"Zum Genehmigen sagen Sie es unserem Techniker oder antworten Sie auf diese E-Mail (gern mit einer Obergrenze in Stunden); lassen Sie {reference} im Betreff stehen. Sie erhalten eine schriftliche Bestätigung.";

        public override string ApprovalSubject(string reference, string subject) => $"[{reference}] Ihre Genehmigung von Arbeit außerhalb der Geschäftszeiten: {subject}";
        public override string Approved(string reference, string subject, string method, string time) =>
            $"Hiermit bestätigen wir schriftlich, dass Sie am {time} Arbeit außerhalb der Geschäftszeiten an Ticket {reference} „{subject}“ genehmigt haben ({Method(method)}).";
        public override string BilledAt(string? rate, string? minimum, string? capHours) =>
            $"Abgerechnet wird {(rate is null ? "der Satz Ihres Vertrags für Arbeit außerhalb der Geschäftszeiten" : $"mit {rate} pro Stunde")}"
            + (minimum is null ? "" : $", mindestens {minimum}")
            + (capHours is null ? "." : $", für höchstens {capHours} Stunden.");
        public override string OnSite(bool required, bool representativePresent) => !required ? "Die Arbeit wird aus der Ferne erledigt."
            : representativePresent ? "Ein Techniker kommt vor Ort; Sie haben uns gesagt, dass jemand aus Ihrem Unternehmen ihn hereinlässt."
            : "Ein Techniker kommt vor Ort und braucht jemanden aus Ihrem Unternehmen, der ihn hereinlässt.";
        public override string NotWhatYouAgreed(string reference) =>
            $"Falls das nicht Ihrer Zustimmung entspricht, antworten Sie bitte sofort auf diese E-Mail; lassen Sie {reference} im Betreff stehen.";

        private static string Method(string method) => method switch
        {
            "phone" => "telefonisch",
            "email" => "per E-Mail",
            "portal" => "im Portal",
            _ => method,
        };
    }
}
