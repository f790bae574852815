using System.Text.RegularExpressions;

namespace Intake.Api.Email;

/// <summary>
/// Finds what the sender wrote in a reply by cutting the text at the first marker of quoted history. Replies that
/// answer inline between quotes lose their later answers: a ticket comment with the full history is worse more often.
/// Signatures are kept: they are what the sender wrote.
/// </summary>
internal static partial class ReplyText
{
    public static string NewText(string text, string subject)
    {
        // A forward's point is the forwarded content ("see the error below"): cutting it would lose the request.
        if (ForwardSubject().IsMatch(subject)) return text;

        var lines = text.Split('\n');
        var cut = FindCut(lines);
        if (cut is null) return text;

        var kept = string.Join('\n', lines[..cut.Value]).TrimEnd();
        // Nothing above the quote (a bottom-post or an empty reply): better the whole text than nothing.
        return kept.Length > 0 ? kept : text;
    }

    private static int? FindCut(string[] lines)
    {
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i].Trim();
            if (line.StartsWith('>'))
                return StartOfAttribution(lines, i);
            if (OriginalMessage().IsMatch(line) || Separator().IsMatch(line))
                return i;
            // Gmail and Apple Mail: "On Mon, 3 Mar 2025 at 10:15, Jane <jane@x.example> wrote:", wrapped over two lines when long.
            if (OnWrote().IsMatch(line) || (line.StartsWith("On ", StringComparison.Ordinal) && i + 1 < lines.Length
                                            && OnWrote().IsMatch(line + " " + lines[i + 1].Trim())))
                return i;
            // Outlook's header block: "From: ..." followed within two lines by "Sent: ..." (or "Date: ...").
            if (HeaderFrom().IsMatch(line) && Enumerable.Range(i + 1, 2).Any(j => j < lines.Length && HeaderSent().IsMatch(lines[j].Trim())))
                return i;
        }
        return null;
    }

    // The line introducing a '>' block ("Jane Doe wrote:", "Am ... schrieb Jane:") belongs to the quote, not to the reply.
    private static int StartOfAttribution(string[] lines, int quoteStart)
    {
        var j = quoteStart - 1;
        while (j >= 0 && lines[j].Trim().Length == 0) j--;
        return j >= 0 && Attribution().IsMatch(lines[j].Trim()) ? j : quoteStart;
    }

    [GeneratedRegex(@"^\s*(fwd?|wg|tr)\s*:", RegexOptions.IgnoreCase)]
    private static partial Regex ForwardSubject();

    [GeneratedRegex(@"^-{2,}\s*Original Message\s*-{2,}$", RegexOptions.IgnoreCase)]
    private static partial Regex OriginalMessage();

    // Outlook puts a line of 32 underscores above the header block of the message replied to.
    [GeneratedRegex(@"^_{20,}$")]
    private static partial Regex Separator();

    [GeneratedRegex(@"^On\s.+\swrote:$")]
    private static partial Regex OnWrote();

    [GeneratedRegex(@"^\*?From:\*?\s")]
    private static partial Regex HeaderFrom();

    [GeneratedRegex(@"^\*?(Sent|Date):\*?\s")]
    private static partial Regex HeaderSent();

    [GeneratedRegex(@"(wrote|schrieb|a écrit|escribió|ha scritto|schreef)\s*:$", RegexOptions.IgnoreCase)]
    private static partial Regex Attribution();
}
