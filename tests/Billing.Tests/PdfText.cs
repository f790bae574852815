using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using PdfSharp.Pdf;
using PdfSharp.Pdf.Content;
using PdfSharp.Pdf.Content.Objects;
using PdfSharp.Pdf.IO;

namespace Billing.Tests;

/// <summary>
/// Reads a PDF back with PDFsharp and returns the text each page shows, one string per text-showing operator, as a PDF
/// viewer's copy and search would find it.
/// </summary>
public static partial class PdfText
{
    /// <returns>The page count, the document's title and the texts in the order drawn.</returns>
    public static (int Pages, string Title, List<string> Texts) Read(byte[] pdf)
    {
        using var document = PdfReader.Open(new MemoryStream(pdf), PdfDocumentOpenMode.Import);
        var texts = new List<string>();
        foreach (var page in document.Pages)
        {
            string? font = null;
            Walk(ContentReader.ReadContent(page), Fonts(page), ref font, texts);
        }
        return (document.PageCount, document.Info.Title, texts);
    }

    /// <summary>Per font resource ("/F0"): null for a simple font (one byte per character, WinAnsi), else the ToUnicode map
    /// of a composite (Type0, Identity-H) font, which has two bytes per glyph.</summary>
    private static Dictionary<string, Dictionary<int, string>?> Fonts(PdfPage page)
    {
        var fonts = new Dictionary<string, Dictionary<int, string>?>();
        var resources = page.Resources.Elements.GetDictionary("/Font");
        if (resources is null) return fonts;
        foreach (var name in resources.Elements.Keys)
        {
            var font = resources.Elements.GetDictionary(name);
            if (font?.Elements.GetName("/Subtype") != "/Type0") { fonts[name] = null; continue; }
            var map = new Dictionary<int, string>();
            if (font.Elements.GetDictionary("/ToUnicode") is { Stream: { } stream })
            {
                var cmap = Encoding.ASCII.GetString(stream.UnfilteredValue);
                foreach (Match range in Section(cmap, "bfrange").SelectMany(part => BfRange().Matches(part)))
                {
                    var (from, to, first) = (Hex(range.Groups[1].Value), Hex(range.Groups[2].Value), Hex(range.Groups[3].Value));
                    for (var g = from; g <= to; g++) map[g] = char.ConvertFromUtf32(first + g - from);
                }
                foreach (Match single in Section(cmap, "bfchar").SelectMany(part => BfChar().Matches(part)))
                    map[Hex(single.Groups[1].Value)] = Encoding.BigEndianUnicode.GetString(Convert.FromHexString(single.Groups[2].Value));
            }
            fonts[name] = map;
        }
        return fonts;
    }

    private static void Walk(CObject content, Dictionary<string, Dictionary<int, string>?> fonts, ref string? font, List<string> texts)
    {
        switch (content)
        {
            case COperator { OpCode.Name: "Tf" } op when op.Operands.Count > 0 && op.Operands[0] is CName name:
                font = name.Name;
                break;
            case COperator { OpCode.Name: "Tj" or "TJ" or "'" or "\"" } op:
                var map = font is null ? null : fonts.GetValueOrDefault(font);
                var text = new StringBuilder();
                foreach (var s in Strings(op.Operands)) text.Append(Decode(s, map));
                texts.Add(text.ToString());
                break;
            case CSequence sequence:
                foreach (var item in sequence) Walk(item, fonts, ref font, texts);
                break;
        }
    }

    private static IEnumerable<CString> Strings(CSequence operands)
    {
        foreach (var operand in operands)
            if (operand is CString s) yield return s;
            else if (operand is CSequence inner)
                foreach (var nested in Strings(inner)) yield return nested;
    }

    private static string Decode(CString s, Dictionary<int, string>? map)
    {
        if (map is null) return s.Value.Replace('\u0085', '…'); // WinAnsi's ellipsis; the rest of what we print is Latin-1
        var text = new StringBuilder();
        for (var i = 0; i + 1 < s.Value.Length; i += 2) text.Append(map.GetValueOrDefault(s.Value[i] << 8 | s.Value[i + 1], "\uFFFD"));
        return text.ToString();
    }

    /// <summary>What stands between "begin{name}" and "end{name}" (a CMap's codespace range looks like its mappings).</summary>
    private static IEnumerable<string> Section(string cmap, string name) =>
        Regex.Matches(cmap, $@"begin{name}(.*?)end{name}", RegexOptions.Singleline).Select(m => m.Groups[1].Value);

    private static int Hex(string hex) => int.Parse(hex, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    [GeneratedRegex(@"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>")]
    private static partial Regex BfRange();

    [GeneratedRegex(@"<([0-9A-Fa-f]{4})>\s*<([0-9A-Fa-f]{4,8})>")]
    private static partial Regex BfChar();
}
