using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;

namespace Sla.Api.Endpoints;

/// <summary>How clients reach the MSP ("Terms" section): the same for every client, printed on each client's terms.</summary>
public sealed class TermsOptions
{
    public const string Section = "Terms";

    public string? PortalUrl { get; set; }
    public string? SupportEmail { get; set; }
    public string? SupportPhone { get; set; }
    public string? EmergencyPhone { get; set; }
    public string? EmergencyEmail { get; set; }

    /// <summary>What is not a request, in the terms' words (DOMAIN.md: requests arrive only through official channels).</summary>
    public string[] DoesNotCount { get; set; } = [];

    public static readonly string[] DefaultDoesNotCount =
    [
        "A text or call to a technician's own phone.",
        "A call or message to the owner, a salesperson or anyone else at the service desk.",
        "A word to a technician on site: ask them to enter it, or send it yourself.",
    ];
}

public sealed record TermsChannels(string? Portal, string? Email, string? Phone, string? EmergencyPhone, string? EmergencyEmail);

/// <param name="Minutes">The contractual target (internal targets are the MSP's own and never shown to clients).</param>
/// <param name="Calendar">business-hours, 24x7 or extended-hours: the time it counts in.</param>
public sealed record TermsTarget(string Target, int Minutes, string Calendar);

/// <param name="AfterHours">Whether someone works on it outside business hours: "24x7", "extended-hours", or "no".</param>
public sealed record TermsPriority(string Priority, string AfterHours, bool PagesOnCall, TermsTarget[] Targets);

/// <summary>A client's service terms as sla applies them now: tier, hours, holidays, cover and contractual targets.</summary>
public sealed record TermsView(Guid Client, string Tier, string TimeZone, CalendarView Calendar, CalendarView? ExtendedHoursCalendar,
    TermsPriority[] Priorities, TermsChannels Channels, string[] DoesNotCount);

public static class TermsEndpoints
{
    public static IEndpointRouteBuilder MapTermsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sla/terms", Terms)
            .WithTags("Terms")
            .RequireAuthorization(Policies.ClientsAndStaff)
            .Produces<TermsView>()
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <param name="client">Staff: the client's id. A client user's own client when left out (another is a 404).</param>
    private static async Task<IResult> Terms(string? client, Tenant tenant, SlaDbContext db, PolicyCatalog catalog,
        IOptions<TermsOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        Guid clientId;
        if (client is null && tenant.IsClient) clientId = tenant.ClientId!.Value;
        else if (!Guid.TryParse(client, out clientId) || clientId == Guid.Empty)
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["client"] = ["Required: the client's id."] });
        var known = (tenant.ClientId is null || tenant.ClientId == clientId)
            && await db.Clients.AsNoTracking().AnyAsync(c => c.Id == clientId, cancellationToken);
        if (!known) return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such client.");

        var terms = await catalog.ForClientAsync(db, clientId, cancellationToken);
        var tier = terms.Tier;
        var today = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(clock.GetUtcNow(), terms.Calendars.BusinessHours.TimeZone).DateTime);
        var calendar = await CalendarAsync(db, terms.Calendars.Source, today, cancellationToken);
        var extended = terms.Calendars.ExtendedHours is { Source: var source } ? await CalendarAsync(db, source, today, cancellationToken) : null;
        var priorities = Enum.GetValues<Priority>().Select(p => new TermsPriority(p.ToString(),
            tier.CoversAfterHours(p) ? "24x7" : tier.CoversExtendedHours(p) ? "extended-hours" : "no",
            // As the clock decides (TierPolicy.CoverageAt): only a covered P1 pages on-call outside business hours.
            p == Priority.P1 && (tier.CoversAfterHours(p) || tier.CoversExtendedHours(p)),
            [.. tier.For(p).Select(t => new TermsTarget(TierPolicy.Name(t.Type), (int)t.Contractual.TotalMinutes, TierEndpoints.CalendarName(t.Calendar)))]))
            .ToArray();
        var o = options.Value;
        return TypedResults.Ok(new TermsView(clientId, tier.Tier, terms.Calendars.BusinessHours.TimeZone.Id, calendar!, extended, priorities,
            new TermsChannels(o.PortalUrl, o.SupportEmail, o.SupportPhone, o.EmergencyPhone, o.EmergencyEmail),
            o.DoesNotCount.Length > 0 ? o.DoesNotCount : TermsOptions.DefaultDoesNotCount));
    }

    /// <summary>The revision clocks count on now, with the holidays from today on (past ones tell a client nothing).</summary>
    private static async Task<CalendarView?> CalendarAsync(SlaDbContext db, CalendarRevision source, DateOnly today, CancellationToken cancellationToken)
    {
        var revision = await db.CalendarRevisions.AsNoTracking()
            .SingleOrDefaultAsync(r => r.CalendarId == source.CalendarId && r.Revision == source.Revision, cancellationToken);
        if (revision is null) return null;
        var view = CalendarEndpoints.View(revision);
        var from = today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        return view with { Holidays = [.. view.Holidays.Where(h => string.CompareOrdinal(h.Date, from) >= 0)] };
    }
}
