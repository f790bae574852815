using System.Security.Claims;

namespace Sla.Api.Endpoints;

/// <summary>
/// The admin API: business calendars with their holidays, and membership tiers with their targets. Only admins read or
/// change them: they are the MSP's contracts, set up by whoever signs them.
/// </summary>
public static class AdminEndpoints
{
    /// <summary>The authorization policy: the admin role.</summary>
    public const string Admins = "sla-admins";

    public static IEndpointRouteBuilder MapAdminEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapCalendarEndpoints();
        app.MapTierEndpoints();
        app.MapDueTimePreviewEndpoints();
        return app;
    }

    /// <summary>Who made a change, as recorded with it.</summary>
    internal static string Caller(ClaimsPrincipal user) => user.Identity?.Name ?? "unknown";
}

/// <summary>The problem details the admin endpoints answer with, so the same fault reads the same everywhere.</summary>
internal static class Problems
{
    public static IResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.");

    public static IResult Conflict(string title, string? detail = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    /// <summary>Someone changed it since the caller read it: say what it is now, so they can decide again.</summary>
    public static IResult Stale(string what, int currentRevision, object current) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: $"The {what} was changed by someone else.",
            detail: $"It is now at revision {currentRevision}. Read it again and retry if the change still makes sense.",
            extensions: new Dictionary<string, object?> { ["currentRevision"] = currentRevision, ["current"] = current });

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>Field checks shared by the admin endpoints; each failure names its field.</summary>
internal static class Input
{
    /// <summary>Free text: required (unless optional), at most <paramref name="max"/> characters, no control characters.</summary>
    public static void Text(Errors errors, string field, string? value, int max, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            if (required) errors.Add(field, "Required.");
        }
        else if (value.Length > max) errors.Add(field, $"At most {max} characters.");
        else if (value.Any(char.IsControl)) errors.Add(field, "Contains control characters.");
    }

    public static void Revision(Errors errors, int? revision, string what, bool update)
    {
        if (update && revision is null) errors.Add("revision", $"Required: the {what}'s revision from your last read.");
        if (!update && revision is not null) errors.Add("revision", "Only for updates.");
    }

    public static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>Validation messages by field, several per field allowed, for <see cref="TypedResults.ValidationProblem"/>.</summary>
internal sealed class Errors
{
    private readonly Dictionary<string, List<string>> _byField = [];

    public int Count => _byField.Count;

    public void Add(string field, string message)
    {
        if (!_byField.TryGetValue(field, out var messages)) _byField[field] = messages = [];
        if (!messages.Contains(message)) messages.Add(message);
    }

    /// <summary>
    /// For an endpoint that changes one part of a larger whole (a holiday of a calendar, a target of a tier): problems
    /// of that part are named by the part's own fields ("openHours"), not by its place in the whole ("holidays[3].openHours").
    /// </summary>
    public Errors Rebased(string prefix)
    {
        var rebased = new Errors();
        foreach (var (field, messages) in _byField)
            foreach (var message in messages)
                rebased.Add(field.StartsWith(prefix + ".", StringComparison.Ordinal) ? field[(prefix.Length + 1)..] : field, message);
        return rebased;
    }

    public IResult Problem() => TypedResults.ValidationProblem(_byField.ToDictionary(f => f.Key, f => f.Value.ToArray()));
}
