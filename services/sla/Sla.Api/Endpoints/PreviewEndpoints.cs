using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using ServiceDesk.Platform;
using Sla.Api.Data;
using Sla.Api.Domain;

namespace Sla.Api.Endpoints;

/// <summary>
/// "What would happen if": the due times, the coverage decision and what the client would be told for a hypothetical
/// arrival, computed by the same code a real ticket's clock starts with (<see cref="TicketClock.Start"/> on the
/// client's current terms). Nothing is stored and no ticket is created.
/// </summary>
public static class PreviewEndpoints
{
    public static IEndpointRouteBuilder MapPreviewEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/sla/preview", Preview)
            .WithTags("Preview")
            .RequireAuthorization(Policies.ClientsAndStaff)
            .ProducesValidationProblem()
            .ProducesProblem(StatusCodes.Status404NotFound);
        return app;
    }

    /// <param name="client">The client's id.</param>
    /// <param name="priority">P1..P4; optional when <paramref name="emergency"/> is true (a declared emergency is a P1 candidate).</param>
    /// <param name="channel">The channel the request would arrive by.</param>
    /// <param name="at">The arrival, ISO 8601 with an offset (2026-12-07T21:30:00-05:00); now when absent.</param>
    /// <param name="emergency">Declared an emergency at the door (portal choice, emergency line, email alias).</param>
    private static async Task<IResult> Preview(string? client, string? priority, string? channel, string? at, bool? emergency,
        SlaDbContext db, PolicyCatalog catalog, ClockSettings settings, Tenant tenant, IOptions<SlaOptions> options, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (!Guid.TryParse(client, out var clientId) || clientId == Guid.Empty)
            errors["client"] = [client is null ? "Required: the client's id." : $"'{client}' is not a client id (a GUID)."];
        var declared = emergency == true;
        Priority? parsed = null;
        if (priority is null)
        {
            if (declared) parsed = Priority.P1;
            else errors["priority"] = ["Required: P1, P2, P3 or P4 (or emergency=true)."];
        }
        else if (Enum.GetValues<Priority>().FirstOrDefault(p => p.ToString() == priority) is var p && p != default)
        {
            if (declared && p != Priority.P1) errors["priority"] = [$"A declared emergency is a P1 candidate, not {priority}."];
            parsed = p;
        }
        else errors["priority"] = [$"'{priority}' is not a priority: P1, P2, P3 or P4."];
        var channels = SlaOptions.BuiltInChannels.Concat(options.Value.Channels).ToList();
        if (string.IsNullOrWhiteSpace(channel))
            errors["channel"] = [$"Required: one of {string.Join(", ", channels)}."];
        else if (!channels.Contains(channel))
            errors["channel"] = [$"'{channel}' is not a channel: one of {string.Join(", ", channels)}."];
        var arrival = clock.GetUtcNow();
        if (at is not null && !TryParseInstant(at, out arrival)) errors["at"] = [NotAnInstant(at)];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors, title: "The preview's query is not valid.");

        // A client user previews only its own client; another client's id is as unknown as a made-up one.
        var known = (tenant.ClientId is null || tenant.ClientId == clientId)
            && await db.Clients.AsNoTracking().AnyAsync(c => c.Id == clientId, cancellationToken);
        if (!known)
            return TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such client.",
                detail: $"client: no client {clientId} is known to the SLA service.");

        var terms = await catalog.ForClientAsync(db, clientId, cancellationToken);
        var started = TicketClock.Start(Guid.Empty, clientId, terms.Tier, parsed!.Value, arrival, terms.Calendars, settings, terms.Note);
        var coverage = terms.Tier.CoverageAt(parsed.Value, arrival, terms.Calendars);
        var zone = terms.Calendars.BusinessHours.TimeZone;
        string Local(DateTimeOffset instant) => TimeZoneInfo.ConvertTime(instant, zone).ToString("ddd yyyy-MM-dd HH:mm (zzz)", CultureInfo.InvariantCulture);
        return TypedResults.Ok(new
        {
            Client = clientId,
            terms.Tier.Tier,
            Priority = parsed.Value.ToString(),
            Channel = channel,
            Emergency = declared,
            At = arrival,
            TimeZone = zone.Id,
            Calendar = terms.Calendars.Source == default ? null : new { Id = terms.Calendars.Source.CalendarId, terms.Calendars.Source.Revision },
            // The tier's extended-hours calendar as a clock would name it now (docs/adr/0042); null when the tier has none.
            ExtendedHoursCalendar = terms.Calendars.ExtendedHours is { Source: var extended } ? new { Id = extended.CalendarId, extended.Revision } : null,
            Coverage = new
            {
                coverage.BusinessHours,
                coverage.Covered,
                CoveredBy = coverage.CoveredBy is { } by ? TierEndpoints.CalendarName(by) : null,
                coverage.CountsFrom,
                CountsFromLocal = Local(coverage.CountsFrom),
                coverage.PagesOnCall,
            },
            Paged = coverage.PagesOnCall ? "the on-call person of the ticket's team" : null,
            Targets = Targets(started, Local),
            Told = Told(coverage, started, Local),
            terms.Note,
        });
    }

    /// <summary>Each target of a started clock: its calendar, and when it is due by contract and internally.</summary>
    internal static object[] Targets(TicketClock started, Func<DateTimeOffset, string> local)
    {
        return [.. started.Targets.Select(t => new
        {
            Target = TierPolicy.Name(t.Type),
            Calendar = TierEndpoints.CalendarName(t.Target.Calendar),
            Contractual = Due(t.Type, Commitment.Contractual, t.Target.Contractual),
            Internal = Due(t.Type, Commitment.Internal, t.Target.Internal),
        })];

        object Due(ResponseType type, Commitment commitment, TimeSpan budget) =>
            started.DueAt(type, commitment) is { } due ? new { Budget = budget, DueAt = due, DueAtLocal = local(due) } : new { Budget = budget, DueAt = (DateTimeOffset?)null, DueAtLocal = (string?)null };
    }

    /// <summary>An ISO 8601 instant with an offset; one without would be read in the server's zone: refused rather than guessed.</summary>
    internal static bool TryParseInstant(string value, out DateTimeOffset instant)
    {
        instant = default;
        return HasOffset(value) && DateTimeOffset.TryParseExact(value, ["yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mm:ss.FFFFFFFK", "yyyy-MM-dd'T'HH:mmK"],
            CultureInfo.InvariantCulture, DateTimeStyles.None, out instant);
    }

    internal static string NotAnInstant(string value) => $"'{value}' is not an ISO 8601 instant with an offset, e.g. 2026-12-07T21:30:00-05:00.";

    private static bool HasOffset(string value) =>
        value.EndsWith('Z') || (value.Length > 6 && value[^6] is '+' or '-' && value[^3] == ':');

    /// <summary>What the acknowledgement promises, in the client's zone.</summary>
    private static string Told(Coverage coverage, TicketClock clock, Func<DateTimeOffset, string> local)
    {
        var workBy = clock.DueAt(ResponseType.WorkBegins, Commitment.Contractual) is { } due ? local(due) : "when the clock resumes";
        if (!coverage.Covered)
            return $"Your request is received. Your agreement does not cover {clock.Priority} requests at this hour, so nobody is being woken: "
                + $"it counts from {local(coverage.CountsFrom)}, and work begins by {workBy}.";
        return coverage.PagesOnCall
            ? $"Your emergency is received and the on-call technician is being paged. Work begins by {workBy}."
            : $"Your request is received. Work begins by {workBy}.";
    }
}
