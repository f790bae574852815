using System.Globalization;
using System.Security.Claims;
using System.Text;
using Billing.Api.Data;
using Billing.Api.Domain;
using Microsoft.EntityFrameworkCore;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

/// <summary>Invoices per client per month: draft, finalise (numbered), credit (whole or chosen lines); read as JSON, CSV, printable HTML or PDF.</summary>
public static class InvoiceEndpoints
{
    public static IEndpointRouteBuilder MapInvoiceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/billing/invoices").RequireAuthorization(Policies.Billing);
        group.MapGet("/", List).Produces<InvoiceView[]>();
        group.MapPost("/", Draft).Produces<InvoiceView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapGet("/{id:guid}", Get).Produces<InvoiceView>().ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}/csv", Csv).Produces<string>(contentType: "text/csv").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}/html", Html).Produces<string>(contentType: "text/html").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapGet("/{id:guid}/pdf", Pdf).Produces<byte[]>(contentType: "application/pdf").ProducesProblem(StatusCodes.Status404NotFound);
        group.MapPost("/{id:guid}/finalise", Finalise).Produces<InvoiceView>().ProducesProblem(StatusCodes.Status409Conflict);
        group.MapPost("/{id:guid}/credit-notes", Credit).Produces<InvoiceView>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        // The first name of the same action (whole-invoice or chosen lines alike), kept for callers that use it.
        group.MapPost("/{id:guid}/credit", Credit).Produces<InvoiceView>(StatusCodes.Status201Created).ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status409Conflict);
        return app;
    }

    private static async Task<IResult> List(Guid? clientId, string? period, BillingDbContext db, CancellationToken cancellationToken) =>
        TypedResults.Ok((await db.Invoices.AsNoTracking().Include(i => i.Lines)
            .Where(i => (clientId == null || i.ClientId == clientId) && (period == null || i.Period == period))
            .OrderBy(i => i.CreatedAt).ToListAsync(cancellationToken)).Select(View));

    private static async Task<IResult> Get(Guid id, BillingDbContext db, CancellationToken cancellationToken) =>
        await Load(db, id, cancellationToken) is { } invoice ? TypedResults.Ok(View(invoice)) : Problems.NotFound("invoice");

    /// <summary>Builds (or rebuilds) the client's draft for the month or quarter.</summary>
    private static async Task<IResult> Draft(DraftRequest body, BillingDbContext db, Invoicing invoicing, CancellationToken cancellationToken)
    {
        var errors = new Errors();
        if (body.ClientId is null || body.ClientId == Guid.Empty) errors.Add("clientId", "Required.");
        if (!Invoicing.TryParsePeriod(body.Period, out _, out _)) errors.Add("period", "A month yyyy-MM (e.g. 2026-11) or a quarter yyyy-Qn (e.g. 2026-Q4).");
        if (errors.Count > 0) return errors.Problem();
        return await Answer(async () => View(await invoicing.DraftAsync(db, body.ClientId!.Value, body.Period!, cancellationToken)));
    }

    private static Task<IResult> Finalise(Guid id, ClaimsPrincipal user, BillingDbContext db, Invoicing invoicing, CancellationToken cancellationToken) =>
        Answer(async () => View(await invoicing.FinaliseAsync(db, id, Caller(user), cancellationToken)));

    private static async Task<IResult> Credit(Guid id, CreditRequest body, ClaimsPrincipal user, BillingDbContext db, Invoicing invoicing,
        CancellationToken cancellationToken)
    {
        var errors = new Errors();
        if (string.IsNullOrWhiteSpace(body.Reason)) errors.Add("reason", "Required: why the invoice is credited.");
        var lines = body.Lines ?? [];
        if (lines.Any(n => n < 1)) errors.Add("lines", "Line numbers of the invoice, from 1.");
        if (lines.Distinct().Count() != lines.Length) errors.Add("lines", "Each line once.");
        if (errors.Count > 0) return errors.Problem();
        return await Answer(async () => View(await invoicing.CreditAsync(db, id, lines, body.Reason!.Trim(), Caller(user), cancellationToken)),
            created: true);
    }

    /// <summary>One line per invoice line, invariant culture, for an accounting tool's import.</summary>
    private static async Task<IResult> Csv(Guid id, BillingDbContext db, CancellationToken cancellationToken)
    {
        if (await Load(db, id, cancellationToken) is not { } invoice) return Problems.NotFound("invoice");
        var csv = new StringBuilder("number,kind,status,client_id,period,currency,line,line_kind,ticket_number,time_entry_id,responder,work_type,hours,work_date,raw_minutes,billed_minutes,rate,amount,description\r\n");
        // Amounts with the currency's minor units ("150.00"), whatever scale the decimal carries.
        var amount = "F" + (invoice.Currency.Length == 3 ? Currencies.MinorUnits(invoice.Currency) : 2).ToString(CultureInfo.InvariantCulture);
        foreach (var l in invoice.Lines.OrderBy(l => l.LineNumber))
            csv.AppendJoin(',', [invoice.Number ?? "DRAFT", invoice.Kind.ToString(), invoice.Status.ToString(), invoice.ClientId.ToString(), invoice.Period,
                invoice.Currency, l.LineNumber.ToString(CultureInfo.InvariantCulture), l.Kind.ToString(), l.TicketNumber?.ToString(CultureInfo.InvariantCulture) ?? "",
                l.TimeEntryId?.ToString() ?? "", Field(l.Responder), l.WorkType ?? "", l.Hours ?? "", l.WorkDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) ?? "",
                l.RawMinutes.ToString(CultureInfo.InvariantCulture), l.BilledMinutes.ToString(CultureInfo.InvariantCulture),
                l.Rate.ToString(CultureInfo.InvariantCulture), l.Amount.ToString(amount, CultureInfo.InvariantCulture), Field(l.Description)]).Append("\r\n");
        return TypedResults.Text(csv.ToString(), "text/csv", Encoding.UTF8);
    }

    /// <summary>A printable invoice: one self-contained page (no scripts, no external assets); print it to PDF from a browser.</summary>
    private static async Task<IResult> Html(Guid id, BillingDbContext db, CancellationToken cancellationToken)
    {
        if (await Load(db, id, cancellationToken) is not { } invoice) return Problems.NotFound("invoice");
        var client = await db.Clients.AsNoTracking().Where(c => c.ClientId == invoice.ClientId).Select(c => c.Name).SingleOrDefaultAsync(cancellationToken);
        var format = "F" + (invoice.Currency.Length == 3 ? Currencies.MinorUnits(invoice.Currency) : 2).ToString(CultureInfo.InvariantCulture);
        string Money(decimal amount) => amount.ToString(format, CultureInfo.InvariantCulture);
        var title = invoice.Kind == InvoiceKind.CreditNote ? "Credit note" : "Invoice";
        var html = new StringBuilder()
            .Append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(E($"{title} {invoice.Number ?? "draft"}"))
            .Append("</title><style>body{font-family:sans-serif;margin:2em}table{border-collapse:collapse;width:100%}")
            .Append("th,td{border-bottom:1px solid #ccc;padding:4px 6px;text-align:left}td.n,th.n{text-align:right}</style></head><body>")
            .Append("<h1>").Append(E($"{title} {invoice.Number ?? "(draft, not numbered)"}")).Append("</h1>")
            .Append("<p>").Append(E($"{client ?? invoice.ClientId.ToString()} · period {invoice.Period} · {invoice.Currency}"))
            .Append(invoice.Reason is null ? "" : " · " + E(invoice.Reason)).Append("</p>")
            .Append("<table><thead><tr><th>#</th><th>Ticket</th><th>Date</th><th>Responder</th><th>Work</th><th>Hours</th>")
            .Append("<th class=\"n\">Raw min</th><th class=\"n\">Billed min</th><th class=\"n\">Rate</th><th class=\"n\">Amount</th><th>Description</th></tr></thead><tbody>");
        foreach (var l in invoice.Lines.OrderBy(l => l.LineNumber))
            html.Append("<tr><td>").Append(l.LineNumber).Append("</td><td>").Append(l.TicketNumber is { } n ? $"SD#{n}" : "")
                .Append("</td><td>").Append(l.WorkDate?.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)).Append("</td><td>").Append(E(l.Responder))
                .Append("</td><td>").Append(E(l.WorkType)).Append("</td><td>").Append(E(l.Hours)).Append("</td><td class=\"n\">").Append(l.RawMinutes)
                .Append("</td><td class=\"n\">").Append(l.BilledMinutes).Append("</td><td class=\"n\">").Append(l.Rate.ToString(CultureInfo.InvariantCulture))
                .Append("</td><td class=\"n\">").Append(Money(l.Amount)).Append("</td><td>").Append(E(l.Description)).Append("</td></tr>");
        html.Append("</tbody><tfoot><tr><th colspan=\"9\">Total</th><th class=\"n\">").Append(Money(invoice.Total))
            .Append("</th><th></th></tr></tfoot></table></body></html>");
        return TypedResults.Text(html.ToString(), "text/html", Encoding.UTF8);
    }

    /// <summary>The printable invoice as a PDF: the HTML one's content, paginated, with the font embedded.</summary>
    private static async Task<IResult> Pdf(Guid id, BillingDbContext db, CancellationToken cancellationToken)
    {
        if (await Load(db, id, cancellationToken) is not { } invoice) return Problems.NotFound("invoice");
        var client = await db.Clients.AsNoTracking().Where(c => c.ClientId == invoice.ClientId).Select(c => c.Name).SingleOrDefaultAsync(cancellationToken);
        return TypedResults.File(InvoicePdf.Render(invoice, client), "application/pdf", $"{invoice.Number ?? $"draft-{invoice.Period}"}.pdf");
    }

    private static string E(string? text) => System.Net.WebUtility.HtmlEncode(text ?? "");

    /// <summary>RFC 4180: quoted when it holds a comma, quote or line break; a leading =, +, - or @ is neutralised so that
    /// a spreadsheet never runs a responder's name as a formula.</summary>
    private static string Field(string? value)
    {
        if (string.IsNullOrEmpty(value)) return "";
        if (value[0] is '=' or '+' or '-' or '@') value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;
    }

    private static async Task<IResult> Answer(Func<Task<InvoiceView>> act, bool created = false)
    {
        try
        {
            var view = await act();
            return created ? TypedResults.Created($"/api/billing/invoices/{view.Id}", view) : TypedResults.Ok(view);
        }
        catch (KeyNotFoundException)
        {
            return Problems.NotFound("invoice");
        }
        catch (InvoicingConflictException conflict)
        {
            return Problems.Conflict(conflict.Message, conflict.Detail);
        }
        catch (InvoicingValidationException invalid)
        {
            var errors = new Errors();
            errors.Add(invalid.Field, invalid.Message);
            return errors.Problem();
        }
    }

    private static Task<Invoice?> Load(BillingDbContext db, Guid id, CancellationToken cancellationToken) =>
        db.Invoices.AsNoTracking().Include(i => i.Lines).SingleOrDefaultAsync(i => i.Id == id, cancellationToken);

    internal static string Caller(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";

    private static InvoiceView View(Invoice i) => new(i.Id, i.ClientId, i.Kind.ToString(), i.Status.ToString(), i.Number, i.Period, i.Currency,
        i.Total, i.CreatedAt, i.FinalisedAt, i.FinalisedBy, i.CreditsInvoiceId, i.CreditedBy, i.Reason,
        [.. i.Lines.OrderBy(l => l.LineNumber).Select(l => new InvoiceLineView(l.LineNumber, l.Kind.ToString(), l.TicketId, l.TicketNumber,
            l.TimeEntryId, l.Responder, l.WorkType, l.Hours, l.WorkDate, l.RawMinutes, l.BilledMinutes, l.Rate, l.Amount, l.AgreementVersion, l.Description))]);
}

/// <param name="Period">A month "yyyy-MM" or a quarter "yyyy-Qn", in the client's calendar's time zone.</param>
public sealed record DraftRequest(Guid? ClientId, string? Period);

/// <param name="Lines">The invoice's line numbers to credit; none (or absent) credits every line not credited yet.</param>
public sealed record CreditRequest(string? Reason, int[]? Lines = null);

/// <param name="Kind">"Invoice" or "CreditNote".</param>
/// <param name="Status">"Draft" or "Finalised" (never changes again).</param>
/// <param name="Number">"INV-000001" / "CN-000001" once finalised; null on a draft.</param>
public sealed record InvoiceView(Guid Id, Guid ClientId, string Kind, string Status, string? Number, string Period, string Currency, decimal Total,
    DateTimeOffset CreatedAt, DateTimeOffset? FinalisedAt, string? FinalisedBy, Guid? CreditsInvoiceId, Guid? CreditedBy, string? Reason,
    InvoiceLineView[] Lines);

/// <param name="Hours">"BusinessHours" or "AfterHours": which side of the client's calendar the minutes fell on.</param>
/// <param name="RawMinutes">As worked.</param>
/// <param name="BilledMinutes">After rounding; the amount is these at the rate.</param>
public sealed record InvoiceLineView(int Line, string Kind, Guid? TicketId, long? TicketNumber, Guid? TimeEntryId, string? Responder, string? WorkType,
    string? Hours, DateOnly? WorkDate, int RawMinutes, int BilledMinutes, decimal Rate, decimal Amount, int AgreementVersion, string Description);
