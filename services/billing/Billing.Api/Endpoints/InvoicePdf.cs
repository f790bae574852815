using System.Globalization;
using Billing.Api.Domain;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Fonts;
using PdfSharp.Pdf;

namespace Billing.Api.Endpoints;

/// <summary>
/// The printable invoice as a PDF (PDFsharp 6.2.4, MIT): the same content as the HTML one, on A4 landscape pages with
/// the column headings repeated on each page. Text is Unicode (DejaVu Sans, shipped inside this assembly), so a client's
/// name prints whatever its script; the font is subset into the PDF.
/// </summary>
public static class InvoicePdf
{
    internal const string Family = "DejaVu Sans";
    private const double Margin = 36, RowHeight = 14, LineHeight = 10;

    private static readonly (string Heading, double Width, bool Right)[] Columns =
    [
        ("#", 20, false), ("Ticket", 52, false), ("Date", 56, false), ("Responder", 84, false), ("Work", 70, false), ("Hours", 66, false),
        ("Raw min", 44, true), ("Billed min", 50, true), ("Rate", 50, true), ("Amount", 64, true), ("Description", 0, false),
    ];

    static InvoicePdf() => UseEmbeddedFont();

    /// <summary>PDFsharp's font resolver is process-wide; billing's documents (invoices, client terms) all use this one.</summary>
    internal static void UseEmbeddedFont()
    {
        if (GlobalFontSettings.FontResolver is not EmbeddedFontResolver) GlobalFontSettings.FontResolver = new EmbeddedFontResolver();
    }

    public static byte[] Render(Invoice invoice, string? clientName)
    {
        var minorUnits = invoice.Currency.Length == 3 ? Currencies.MinorUnits(invoice.Currency) : 2;
        string Money(decimal amount) => amount.ToString("F" + minorUnits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        var title = $"{(invoice.Kind == InvoiceKind.CreditNote ? "Credit note" : "Invoice")} {invoice.Number ?? "(draft, not numbered)"}";

        using var document = new PdfDocument();
        document.Info.Title = title;
        document.Info.Subject = $"{clientName ?? invoice.ClientId.ToString()} · period {invoice.Period}";
        document.Info.Creator = "ServiceDesk billing";
        var heading = new XFont(Family, 16, XFontStyleEx.Bold);
        var bold = new XFont(Family, 8, XFontStyleEx.Bold);
        var regular = new XFont(Family, 8, XFontStyleEx.Regular);
        var pen = new XPen(XColors.LightGray, 0.5);

        XGraphics? page = null;
        double y = 0, width = 0;
        void NewPage()
        {
            page?.Dispose();
            var pdfPage = document.AddPage();
            pdfPage.Size = PageSize.A4;
            pdfPage.Orientation = PageOrientation.Landscape;
            page = XGraphics.FromPdfPage(pdfPage);
            width = pdfPage.Width.Point - 2 * Margin;
            y = Margin;
            if (document.PageCount == 1)
            {
                page.DrawString(title, heading, XBrushes.Black, new XRect(Margin, y, width, 20), XStringFormats.TopLeft);
                y += 26;
                var about = $"{clientName ?? invoice.ClientId.ToString()} · period {invoice.Period} · {invoice.Currency}"
                    + (invoice.Reason is null ? "" : " · " + invoice.Reason);
                page.DrawString(Fit(page, about, regular, width), regular, XBrushes.Black, new XRect(Margin, y, width, RowHeight), XStringFormats.TopLeft);
                y += RowHeight + 8;
            }
            else
            {
                page.DrawString($"{title} (page {document.PageCount})", bold, XBrushes.Black, new XRect(Margin, y, width, RowHeight), XStringFormats.TopLeft);
                y += RowHeight + 4;
            }
            Row(Columns.Select(c => c.Heading).ToArray(), bold);
        }
        // A row as tall as its longest cell: long descriptions wrap at spaces rather than being cut.
        double Height(string?[] cells, XFont font) => Columns.Select((c, i) => Wrap(page!, cells[i] ?? "", font, CellWidth(i) - 4).Count).Max() * LineHeight + 4;
        double CellWidth(int i) => Columns[i].Width > 0 ? Columns[i].Width : width - Columns.Sum(c => c.Width);
        void Row(string?[] cells, XFont font)
        {
            var x = Margin;
            var height = Height(cells, font);
            for (var i = 0; i < Columns.Length; i++)
            {
                var w = CellWidth(i);
                var lines = Wrap(page!, cells[i] ?? "", font, w - 4);
                for (var j = 0; j < lines.Count; j++)
                    page!.DrawString(lines[j], font, XBrushes.Black, new XRect(x + 2, y + 2 + j * LineHeight, w - 4, LineHeight),
                        Columns[i].Right ? XStringFormats.CenterRight : XStringFormats.CenterLeft);
                x += w;
            }
            y += height;
            page!.DrawLine(pen, Margin, y, Margin + width, y);
        }

        NewPage();
        foreach (var l in invoice.Lines.OrderBy(l => l.LineNumber))
        {
            string?[] cells = [l.LineNumber.ToString(CultureInfo.InvariantCulture), l.TicketNumber is { } n ? $"SD#{n}" : "",
                l.WorkDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), l.Responder, l.WorkType, l.Hours,
                l.RawMinutes.ToString(CultureInfo.InvariantCulture), l.BilledMinutes.ToString(CultureInfo.InvariantCulture),
                l.Rate.ToString(CultureInfo.InvariantCulture), Money(l.Amount), l.Description];
            if (y + Height(cells, regular) + RowHeight > page!.PageSize.Height - Margin) NewPage();
            Row(cells, regular);
        }
        if (y + RowHeight > page!.PageSize.Height - Margin) NewPage();
        Row(["", "", "", "", "", "", "", "", "Total", Money(invoice.Total), ""], bold);
        page!.Dispose();

        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }

    /// <summary>The text in lines that fit the width, broken at spaces; a word wider than the width is cut with an ellipsis.</summary>
    internal static List<string> Wrap(XGraphics graphics, string text, XFont font, double width)
    {
        var lines = new List<string>();
        var line = "";
        foreach (var word in text.Split(' '))
        {
            var candidate = line.Length == 0 ? word : line + " " + word;
            if (line.Length > 0 && graphics.MeasureString(candidate, font).Width > width)
            {
                lines.Add(line);
                candidate = word;
            }
            line = candidate;
        }
        lines.Add(line);
        return [.. lines.Select(l => Fit(graphics, l, font, width))];
    }

    /// <summary>The text, cut with an ellipsis where it would run past its column.</summary>
    private static string Fit(XGraphics graphics, string text, XFont font, double width)
    {
        if (graphics.MeasureString(text, font).Width <= width) return text;
        var length = text.Length;
        while (length > 0 && graphics.MeasureString(text[..length] + "…", font).Width > width) length--;
        return text[..length] + "…";
    }

    /// <summary>Every family resolves to the DejaVu Sans shipped in this assembly (Fonts/, with its licence); bold is simulated.</summary>
    private sealed class EmbeddedFontResolver : IFontResolver
    {
        private const string Face = "DejaVuSans";
        private static readonly Lazy<byte[]> Bytes = new(() =>
        {
            using var stream = typeof(InvoicePdf).Assembly.GetManifestResourceStream("Billing.Api.Fonts.DejaVuSans.ttf")
                ?? throw new InvalidOperationException("Billing.Api.Fonts.DejaVuSans.ttf is not embedded in Billing.Api.");
            using var copy = new MemoryStream();
            stream.CopyTo(copy);
            return copy.ToArray();
        });

        public FontResolverInfo ResolveTypeface(string familyName, bool bold, bool italic) => new(Face, bold, italic);

        public byte[] GetFont(string faceName) => Bytes.Value;
    }
}
