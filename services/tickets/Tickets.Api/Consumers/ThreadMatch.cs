using Intake.Contracts;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;
using Notify.Contracts;
using Tickets.Api.Data;
using Tickets.Api.Domain;

namespace Tickets.Api.Consumers;

/// <summary>
/// Which ticket a request's thread hints point at (docs/adr/0017). Hints are tried strongest first: intake's own
/// knowledge (the same phone call), our subject token ("[SD#1042]"), In-Reply-To, then References newest first (a
/// Message-ID we know, or the mail of one of our public replies), and for a text, the ticket we last texted its number about. A hint naming another client's ticket is ignored, so
/// quoting a number cannot write into someone else's ticket; a closed ticket takes no more messages (ADR 12), so the request opens a new ticket instead. A hint naming a merged
/// duplicate leads to the ticket it was merged into (ADR 21).
/// </summary>
/// <param name="Ticket">The open ticket to add the request to (tracked), or null to open a new ticket.</param>
/// <param name="Explanation">Why it matched, or why a hint was not followed; null when there were no hints.</param>
public sealed record ThreadMatch(Ticket? Ticket, string? Explanation)
{
    private static readonly ThreadMatch None = new(null, null);

    public static async Task<ThreadMatch> FindAsync(TicketsDbContext db, ServiceRequestReceived request, CancellationToken cancellationToken)
    {
        if (!MayAnswer(request)) return None;

        var notes = new List<string>();
        List<(Guid TicketId, string Reason)> candidates = request.Thread is { } hints ? await CandidatesAsync(db, hints, cancellationToken) : [];
        // A text without "SD#1234" answers the last text we sent that number (docs/adr/0047); the weakest hint, tried last.
        if (IsText(request) && await db.TextThreads
                .Where(t => t.Phone == request.ContactPhone && t.At >= request.ReceivedAt - TextAnswerWindow)
                .Select(t => (Guid?)t.TicketId).SingleOrDefaultAsync(cancellationToken) is { } texted)
            candidates.Add((texted, $"answers our last text to {request.ContactPhone}"));
        if (candidates.Count == 0 && request.Thread is null) return None;
        foreach (var (ticketId, reason) in candidates)
        {
            var ticket = await db.Tickets.SingleForUpdateAsync(ticketId, cancellationToken);
            var via = "";
            if (ticket.MergedIntoId is { } survivorId)
            {
                // A merged duplicate's thread continues on its survivor (docs/adr/0021).
                via = $"SD#{ticket.Number}, merged into ";
                ticket = await db.Tickets.SingleForUpdateAsync(survivorId, cancellationToken);
            }
            if (ticket.ClientId != request.ClientId)
                notes.Add($"{reason} names another client's ticket; ignored");
            else if (ticket.Status == TicketStatus.Closed)
                notes.Add($"{reason} names {via}SD#{ticket.Number}, which is closed; this is a new ticket");
            else
                return new ThreadMatch(ticket, $"{reason} ({via}SD#{ticket.Number})");
        }
        return new ThreadMatch(null, notes.Count > 0 ? string.Join("; ", notes) : "its thread hints match no ticket");
    }

    /// <summary>How long after our last text to a number a text from it still answers that text (and not a new request).</summary>
    public static readonly TimeSpan TextAnswerWindow = TimeSpan.FromDays(14);

    /// <summary>A request that may belong to an existing ticket: it carries thread hints, or it is a text (which may answer ours).</summary>
    public static bool MayAnswer(ServiceRequestReceived request) => request.Thread is not null || IsText(request);

    private static bool IsText(ServiceRequestReceived request) => request is { Channel: "sms", ContactPhone.Length: > 0 };

    /// <summary>Message-IDs are kept bare ("id@host"); intake's hashes of mails without one are not.</summary>
    public static bool IsMessageId(string value) => value.Length <= TicketLimits.MessageId && value.Contains('@');

    private static async Task<List<(Guid TicketId, string Reason)>> CandidatesAsync(TicketsDbContext db, ThreadHints hints,
        CancellationToken cancellationToken)
    {
        var candidates = new List<(Guid, string)>();
        if (hints.TicketId is { } id)
        {
            // Intake names a request it published earlier from the same conversation (a voicemail, then its
            // transcription); the two may be consumed out of order, and the retry policy brings this one back.
            if (!await db.Tickets.AnyAsync(t => t.Id == id, cancellationToken))
                throw new NotYetKnownException($"Request {id}, which this one follows, is not a ticket yet.");
            candidates.Add((id, "the same conversation on its channel"));
        }
        if (hints.TicketNumber is { } number
            && await db.Tickets.Where(t => t.Number == number).Select(t => (Guid?)t.Id).SingleOrDefaultAsync(cancellationToken) is { } numbered)
            candidates.Add((numbered, $"subject token [SD#{number}]"));

        // In-Reply-To is the message answered; References lists the thread oldest first, so its newest is tried first.
        var messageIds = new List<(string Id, string Header)>();
        if (hints.InReplyTo is { } inReplyTo) messageIds.Add((inReplyTo, "In-Reply-To"));
        messageIds.AddRange(hints.References.Reverse().Select(reference => (reference, "References")));
        var wanted = messageIds.Select(m => m.Id).Where(IsMessageId).Distinct().ToList();
        var known = await db.ThreadReferences.Where(r => wanted.Contains(r.MessageId))
            .ToDictionaryAsync(r => r.MessageId, r => r.TicketId, cancellationToken);
        // The mail of one of our public replies names the reply: the answer threads even before ReplyMailed is consumed.
        var replies = wanted.Where(m => !known.ContainsKey(m))
            .Select(m => (MessageId: m, Parsed: ReplyMessageIds.TryParse(m, out var replyId), ReplyId: replyId))
            .Where(m => m.Parsed).ToList();
        if (replies.Count > 0)
        {
            var replyIds = replies.Select(r => r.ReplyId).ToList();
            var tickets = await db.Messages.Where(m => replyIds.Contains(m.Id) && m.Kind == MessageKind.PublicReply)
                .ToDictionaryAsync(m => m.Id, m => m.TicketId, cancellationToken);
            foreach (var reply in replies)
                if (tickets.TryGetValue(reply.ReplyId, out var ticketId)) known[reply.MessageId] = ticketId;
        }
        foreach (var (messageId, header) in messageIds)
            if (known.TryGetValue(messageId, out var ticketId))
                candidates.Add((ticketId, $"{header} <{messageId}>"));
        return candidates;
    }
}
