using System.Globalization;
using System.Net.Http.Headers;
using Billing.Api.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using PdfSharp;
using PdfSharp.Drawing;
using PdfSharp.Pdf;
using ServiceDesk.Platform;

namespace Billing.Api.Endpoints;

/// <summary>Where billing reads a client's service-level terms (sla's GET /api/sla/terms) for the terms document.</summary>
public sealed class TermsDocumentOptions
{
    public const string Section = "Terms";

    /// <summary>sla's base address (or the gateway's); unset, the terms document answers 503 naming this key.</summary>
    public Uri? SlaUrl { get; set; }
}

public sealed record TermsSection(string Heading, string[] Lines);

/// <summary>"How to get help": one client's terms in words, the same on the portal page and in the PDF.</summary>
public sealed record TermsDocumentView(Guid ClientId, string Tier, string Title, TermsSection[] Sections);

/// <summary>The part of sla's terms the document reads (sla's TermsView; sla owns the contract).</summary>
internal sealed record SlaTerms(string Tier, string TimeZone, SlaCalendar Calendar, SlaCalendar? ExtendedHoursCalendar, SlaPriority[] Priorities,
    SlaChannels Channels, string[] DoesNotCount);

internal sealed record SlaCalendar(Dictionary<string, SlaHours[]> Week, SlaHoliday[] Holidays);

internal sealed record SlaHours(string Opens, string Closes);

internal sealed record SlaHoliday(string Date, string? Name, SlaHours[] OpenHours);

internal sealed record SlaPriority(string Priority, string AfterHours, bool PagesOnCall, SlaTarget[] Targets);

internal sealed record SlaTarget(string Target, int Minutes, string Calendar);

internal sealed record SlaChannels(string? Portal, string? Email, string? Phone, string? EmergencyPhone, string? EmergencyEmail);

/// <summary>
/// A client's own terms, generated from what applies now: sla's tier, calendar, cover and contractual targets, read from
/// sla with the caller's own token (so sla's tenant check applies too), and billing's agreement in force today. A tier
/// change shows at the next read. docs/adr/0048.
/// </summary>
public static class TermsDocument
{
    public static IEndpointRouteBuilder MapTermsDocumentEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/billing/terms/document", async (Guid? clientId, HttpContext http, Tenant tenant, BillingDbContext db,
                IHttpClientFactory clients, IOptions<TermsDocumentOptions> options, TimeProvider time, CancellationToken ct) =>
                await BuildAsync(clientId, http, tenant, db, clients, options.Value, time, ct) is var (document, problem) && document is not null
                    ? TypedResults.Ok(document) : problem!)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<TermsDocumentView>().ProducesValidationProblem().ProducesProblem(StatusCodes.Status404NotFound);
        app.MapGet("/api/billing/terms/document.pdf", async (Guid? clientId, HttpContext http, Tenant tenant, BillingDbContext db,
                IHttpClientFactory clients, IOptions<TermsDocumentOptions> options, TimeProvider time, CancellationToken ct) =>
                await BuildAsync(clientId, http, tenant, db, clients, options.Value, time, ct) is var (document, problem) && document is not null
                    ? TypedResults.File(Render(document), "application/pdf", "service-terms.pdf")
                    : problem!)
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces(StatusCodes.Status200OK, contentType: "application/pdf").ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <returns>The document, or the problem that kept it from being made.</returns>
    private static async Task<(TermsDocumentView? Document, IResult? Problem)> BuildAsync(Guid? clientId, HttpContext http, Tenant tenant, BillingDbContext db,
        IHttpClientFactory clients, TermsDocumentOptions options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (tenant.IsClient) clientId = tenant.ClientId;
        else if (clientId is null)
        {
            var errors = new Errors();
            errors.Add("clientId", "Required for staff: the client whose terms to read.");
            return (null, errors.Problem());
        }
        if (options.SlaUrl is null)
        {
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "Terms:SlaUrl is not configured."));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(options.SlaUrl, $"/api/sla/terms?client={clientId}"));
        if (AuthenticationHeaderValue.TryParse(http.Request.Headers.Authorization.ToString(), out var bearer)) request.Headers.Authorization = bearer;
        using var response = await clients.CreateClient(nameof(TermsDocument)).SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            return (null, response.StatusCode == System.Net.HttpStatusCode.NotFound
                ? Problems.NotFound("client")
                : TypedResults.Problem(statusCode: StatusCodes.Status503ServiceUnavailable, title: "The SLA service did not give the terms just now."));
        }
        var sla = (await response.Content.ReadFromJsonAsync<SlaTerms>(cancellationToken))!;

        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        var agreement = (await db.Agreements.AsNoTracking().Where(a => a.ClientId == clientId).ToListAsync(cancellationToken))
            .LastOrDefault(v => v.Covers(today));
        return (Compose(clientId!.Value, sla, agreement), null);
    }

    private static TermsDocumentView Compose(Guid clientId, SlaTerms sla, Domain.AgreementVersion? agreement)
    {
        var c = sla.Channels;
        string[] reach = [.. new[]
        {
            $"The support portal{(c.Portal is null ? "" : $" ({c.Portal})")}: ask for help, follow your tickets and reply.",
            c.Email is null ? null : $"Email {c.Email}.",
            c.Phone is null ? null : $"Phone {c.Phone} during business hours.",
        }.OfType<string>()];
        string[] emergency = [.. new[]
        {
            c.EmergencyPhone is null ? null : $"Emergency line: {c.EmergencyPhone}.",
            c.EmergencyEmail is null ? null : $"Emergency email: {c.EmergencyEmail}.",
            "In the portal, answer \"Is it an emergency?\" with yes: you see the after-hours terms before you send.",
        }.OfType<string>()];
        string[] hours = [$"Time zone: {sla.TimeZone}.", .. Week(sla.Calendar)];
        string[] holidays = sla.Calendar.Holidays.Length == 0
            ? ["No holidays are planned."]
            : [.. sla.Calendar.Holidays.Select(h => $"{h.Date}{(h.Name is null ? "" : $" ({h.Name})")}: {Ranges(h.OpenHours)}.")];

        var afterHours = new List<string>();
        var covered = sla.Priorities.Where(p => p.AfterHours != "no").ToList();
        if (covered.Count == 0)
            afterHours.Add("Your agreement does not cover work outside business hours: a request sent then counts from the next business hour, and nobody is woken.");
        foreach (var p in covered)
            afterHours.Add(p.AfterHours == "24x7"
                ? $"{p.Priority}: covered around the clock{(p.PagesOnCall ? "; the on-call technician is paged at once" : "")}."
                : $"{p.Priority}: covered during extended hours ({(sla.ExtendedHoursCalendar is { } extended ? string.Join("; ", Week(extended)) : "see your agreement")}).");
        if (agreement is not null)
        {
            var money = (decimal amount) => $"{amount.ToString("N2", CultureInfo.InvariantCulture)} {agreement.Currency}";
            foreach (var rate in agreement.BilledRates().Where(r => r.AfterHours > 0))
                afterHours.Add($"{(rate.WorkType == Domain.WorkType.Emergency ? "Emergency work" : "Work")} outside business hours costs {money(rate.AfterHours)} an hour.");
            if (agreement.EmergencyMinimumCharge > 0) afterHours.Add($"An emergency costs at least {money(agreement.EmergencyMinimumCharge)}.");
            afterHours.Add(agreement.AfterHoursApprovalRequired && !agreement.AfterHoursPreAuthorised
                ? "No work is done outside business hours until you approve it."
                : "Your agreement approves after-hours work in advance.");
        }

        string[] targets = [
            "Counted from when your request reaches us through one of the ways above; the clock pauses while we wait for your answer.",
            .. sla.Priorities.Select(p => $"{p.Priority}: " + string.Join("; ", new[] { ("acknowledge", "we confirm we have it within"), ("work-begins", "work begins within"), ("resolution", "resolved within") }
                .Select(t => p.Targets.FirstOrDefault(x => x.Target == t.Item1) is { } found ? $"{t.Item2} {Duration(found)}" : t.Item1 == "resolution" ? "resolution not promised" : null)
                .OfType<string>()) + "."),
        ];
        return new TermsDocumentView(clientId, sla.Tier, $"How to get help: your {sla.Tier} service terms",
        [
            new("How to reach us", reach),
            new("In an emergency", emergency),
            new("Business hours", hours),
            new("Holidays", holidays),
            new("Outside business hours", [.. afterHours]),
            new("Response targets", targets),
            new("What does not count as a request", sla.DoesNotCount),
        ]);
    }

    private static IEnumerable<string> Week(SlaCalendar calendar) =>
        calendar.Week.Select(d => $"{CultureInfo.InvariantCulture.TextInfo.ToTitleCase(d.Key)}: {Ranges(d.Value)}");

    private static string Ranges(SlaHours[] ranges) => ranges.Length == 0 ? "closed" : string.Join(", ", ranges.Select(r => $"{r.Opens}-{r.Closes}"));

    /// <summary>"1 business hour", "2 hours around the clock": the budget in the time it counts in.</summary>
    private static string Duration(SlaTarget target)
    {
        var amount = target.Minutes < 60 || target.Minutes % 60 != 0
            ? $"{target.Minutes} {(target.Calendar == "business-hours" ? "business " : "")}minutes"
            : $"{target.Minutes / 60} {(target.Calendar == "business-hours" ? "business " : "")}{(target.Minutes == 60 ? "hour" : "hours")}";
        return target.Calendar switch
        {
            "24x7" => amount + ", around the clock",
            "extended-hours" => amount + " of extended hours",
            _ => amount,
        };
    }

    /// <summary>One A4 page in the invoices' font; the text is small enough that a tier's terms fit.</summary>
    private static byte[] Render(TermsDocumentView terms)
    {
        InvoicePdf.UseEmbeddedFont();
        using var document = new PdfDocument();
        document.Info.Title = terms.Title;
        document.Info.Creator = "ServiceDesk";
        var page = document.AddPage();
        page.Size = PageSize.A4;
        using var graphics = XGraphics.FromPdfPage(page);
        const double margin = 48, line = 12;
        var width = page.Width.Point - 2 * margin;
        var title = new XFont(InvoicePdf.Family, 15, XFontStyleEx.Bold);
        var heading = new XFont(InvoicePdf.Family, 10.5, XFontStyleEx.Bold);
        var text = new XFont(InvoicePdf.Family, 9, XFontStyleEx.Regular);
        var y = margin;
        graphics.DrawString(terms.Title, title, XBrushes.Black, new XRect(margin, y, width, 20), XStringFormats.TopLeft);
        y += 30;
        foreach (var section in terms.Sections)
        {
            graphics.DrawString(section.Heading, heading, XBrushes.Black, new XRect(margin, y, width, line), XStringFormats.TopLeft);
            y += line + 3;
            foreach (var wrapped in section.Lines.SelectMany(l => InvoicePdf.Wrap(graphics, "• " + l, text, width - 8)))
            {
                graphics.DrawString(wrapped, text, XBrushes.Black, new XRect(margin + 8, y, width - 8, line), XStringFormats.TopLeft);
                y += line;
            }
            y += 8;
        }
        using var output = new MemoryStream();
        document.Save(output, closeStream: false);
        return output.ToArray();
    }
}
