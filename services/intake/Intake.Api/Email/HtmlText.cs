using System.Text;
using MimeKit.Text;

namespace Intake.Api.Email;

/// <summary>
/// A plain-text rendering of an HTML body, for mail that has no text/plain part: tags stripped, entities decoded,
/// block elements on their own lines, and blockquotes prefixed with "> " so quoted history is cut like in text mail.
/// Uses MimeKit's HTML tokenizer, which copes with the broken HTML that mail clients send.
/// </summary>
internal static class HtmlText
{
    public static string ToText(string html)
    {
        var output = new StringBuilder(html.Length / 2);
        var line = new StringBuilder();
        var quoteDepth = 0;
        var skipDepth = 0; // inside <head>, <style>, <script>, <title>
        var preDepth = 0;

        // Ends the current line; an empty line ends nothing (block tags nest and close in runs).
        void EndLine()
        {
            var text = line.ToString().Trim();
            line.Clear();
            if (text.Length > 0) output.Append(string.Concat(Enumerable.Repeat("> ", quoteDepth))).Append(text).Append('\n');
        }

        // A paragraph break or an explicit empty line ("<div><br></div>"): at most one blank line in a row.
        void BlankLine()
        {
            EndLine();
            if (output.Length > 0 && !EndsWithBlankLine(output)) output.Append('\n');
        }

        var tokenizer = new HtmlTokenizer(new StringReader(html)) { DecodeCharacterReferences = true };
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlDataToken data when skipDepth == 0 && token.Kind is HtmlTokenKind.Data or HtmlTokenKind.CData:
                    if (preDepth > 0)
                    {
                        var parts = data.Data.Split('\n');
                        for (var i = 0; i < parts.Length; i++)
                        {
                            if (i > 0) { if (line.ToString().Trim().Length > 0) EndLine(); else BlankLine(); }
                            line.Append(parts[i].TrimEnd('\r'));
                        }
                    }
                    else
                    {
                        AppendCollapsed(line, data.Data);
                    }
                    break;

                case HtmlTagToken tag:
                    switch (tag.Id)
                    {
                        case HtmlTagId.Head or HtmlTagId.Style or HtmlTagId.Script or HtmlTagId.Title:
                            if (tag.IsEmptyElement) break;
                            skipDepth = Math.Max(0, skipDepth + (tag.IsEndTag ? -1 : 1));
                            break;
                        case HtmlTagId.BlockQuote:
                            EndLine();
                            quoteDepth = Math.Max(0, quoteDepth + (tag.IsEndTag ? -1 : 1));
                            break;
                        case HtmlTagId.Pre:
                            EndLine();
                            preDepth = Math.Max(0, preDepth + (tag.IsEndTag ? -1 : 1));
                            break;
                        case HtmlTagId.Br:
                            if (line.ToString().Trim().Length > 0) EndLine();
                            else BlankLine();
                            break;
                        case HtmlTagId.P when tag.IsEndTag:
                            BlankLine();
                            break;
                        case HtmlTagId.HR:
                            EndLine();
                            line.Append("________________________________");
                            EndLine();
                            break;
                        case HtmlTagId.LI when !tag.IsEndTag:
                            EndLine();
                            line.Append("- ");
                            break;
                        case HtmlTagId.TD or HtmlTagId.TH when !tag.IsEndTag:
                            if (line.Length > 0) line.Append(' ');
                            break;
                        case HtmlTagId.P or HtmlTagId.Div or HtmlTagId.TR or HtmlTagId.Table or HtmlTagId.UL
                            or HtmlTagId.OL or HtmlTagId.LI or HtmlTagId.H1 or HtmlTagId.H2 or HtmlTagId.H3
                            or HtmlTagId.H4 or HtmlTagId.H5 or HtmlTagId.H6 or HtmlTagId.Body:
                            EndLine();
                            break;
                    }
                    break;
            }
        }
        EndLine();
        return output.ToString().Trim('\n');
    }

    private static void AppendCollapsed(StringBuilder line, string text)
    {
        foreach (var c in text)
        {
            // Non-breaking spaces (&nbsp;) are spaces in text; runs of whitespace are one space, as a browser shows them.
            if (char.IsWhiteSpace(c) || c == '\u00A0')
            {
                if (line.Length > 0 && line[^1] != ' ') line.Append(' ');
            }
            else
            {
                line.Append(c);
            }
        }
    }

    private static bool EndsWithBlankLine(StringBuilder output) =>
        output.Length >= 2 && output[^1] == '\n' && output[^2] == '\n';
}
