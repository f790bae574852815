using System.Globalization;
using Billing.Api.Domain;
using Billing.Api.Endpoints;

namespace Billing.Tests;

/// <summary>The PDF invoice's layout, without a database: what a long invoice looks like on paper.</summary>
public sealed class InvoicePdfTests
{
    [Fact]
    public void A_long_invoice_runs_over_pages_each_with_the_column_headings_and_the_total_comes_once_at_the_end()
    {
        var id = Guid.NewGuid();
        var invoice = new Invoice
        {
            Id = id, ClientId = Guid.NewGuid(), Kind = InvoiceKind.Invoice, Status = InvoiceStatus.Finalised, Period = "2026-11", Currency = "USD",
            Number = "INV-000123", Total = 80 * 25.00m,
        };
        for (var i = 1; i <= 80; i++)
            invoice.Lines.Add(new InvoiceLine
            {
                InvoiceId = id, LineNumber = i, Kind = LineKind.Time, TicketNumber = 1000 + i, Responder = "tess", WorkType = "BusinessHours",
                Hours = "BusinessHours", WorkDate = new DateOnly(2026, 11, 2), RawMinutes = 15, BilledMinutes = 15, Rate = 100m, Amount = 25.00m,
                Description = $"SD#{1000 + i} BusinessHours BusinessHours, a description long enough to wrap over two lines of its column at least",
            });

        var (pages, _, texts) = PdfText.Read(InvoicePdf.Render(invoice, "Acme Dental"));

        Assert.True(pages >= 3, $"{pages} pages");
        Assert.Equal(pages, texts.Count(t => t == "Description"));
        Assert.Equal(pages - 1, texts.Count(t => t.StartsWith("Invoice INV-000123 (page ", StringComparison.Ordinal)));
        Assert.Equal(Enumerable.Range(1001, 80).Select(n => $"SD#{n}"), texts.Where(t => t.StartsWith("SD#", StringComparison.Ordinal) && t.Length == 7));
        Assert.Single(texts, "Total");
        Assert.Equal("2000.00", texts[texts.IndexOf("Total") + 1]);
        Assert.Equal(80, texts.Count(t => t == 25.00m.ToString("F2", CultureInfo.InvariantCulture)));
    }
}
