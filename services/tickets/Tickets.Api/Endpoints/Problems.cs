using Tickets.Api.Data;
using Tickets.Api.Domain;

namespace Tickets.Api.Endpoints;

/// <summary>The problem details every tickets endpoint answers with, so the same fault reads the same everywhere.</summary>
internal static class Problems
{
    public static IResult TicketNotFound() =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "No such ticket.",
            detail: "A request that was just accepted becomes a ticket within moments; try again shortly.");

    public static IResult NotFound(string what) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.");

    /// <summary>Someone changed the ticket since the caller read it: tell them what it is now, so they can decide again.</summary>
    public static IResult StaleTicket(Ticket current) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
            title: "The ticket was changed by someone else.",
            detail: $"Your version is out of date; the ticket is now at version {current.Version}. Read it again and retry if the change still makes sense.",
            extensions: new Dictionary<string, object?>
            {
                ["currentVersion"] = current.Version,
                ["current"] = TicketEndpoints.View(current),
            });

    public static IResult InvalidTransition(TicketStatus from, TicketStatus to) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
            title: $"A ticket cannot move from {from} to {to}.",
            detail: TicketLifecycle.Transitions[from] is { Length: > 0 } allowed
                ? $"From {from} it can move to: {string.Join(", ", allowed)}."
                : $"{from} is final.",
            extensions: new Dictionary<string, object?>
            {
                ["from"] = from.ToString(),
                ["to"] = to.ToString(),
                ["allowed"] = TicketLifecycle.Transitions[from].Select(s => s.ToString()).ToArray(),
            });

    public static IResult Conflict(string title, string? detail = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title, detail: detail);

    /// <summary>The after-hours gate refused: the detail says why and what would let the work through.</summary>
    public static IResult AfterHours(Refusal refusal) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: refusal.Title, detail: refusal.Detail,
            extensions: new Dictionary<string, object?> { ["businessHoursBegin"] = refusal.BusinessHoursBegin });

    /// <summary>A 409 that names the field in conflict, shaped like a validation problem so clients read both alike.</summary>
    public static IResult ConflictOn(string field, string message) =>
        On(StatusCodes.Status409Conflict, field, message, "The change conflicts with what is recorded.");

    /// <summary>A problem of any status that names the field at fault, shaped like a validation problem.</summary>
    public static IResult On(int status, string field, string message, string title, string? detail = null) =>
        TypedResults.Problem(new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
        {
            Status = status,
            Title = title,
            Detail = detail,
        });

    public static IResult Invalid(string field, string message) =>
        TypedResults.ValidationProblem(new Dictionary<string, string[]> { [field] = [message] });
}

/// <summary>Field checks shared by the endpoints; each failure names its field.</summary>
internal static class Input
{
    /// <summary>Free text: required (unless optional), at most <paramref name="max"/> characters, no control characters.</summary>
    public static void Text(Dictionary<string, string[]> errors, string field, string? value, int max, bool required = true)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            // Blank optional text counts as absent (see Trimmed).
            if (required) errors[field] = ["Required."];
        }
        else if (value.Length > max) errors[field] = [$"At most {max} characters."];
        else if (HasControlCharacters(value)) errors[field] = ["Contains control characters."];
    }

    /// <summary>NUL and other control characters (but tab and line breaks): PostgreSQL refuses NUL in text.</summary>
    public static bool HasControlCharacters(string value) =>
        value.Any(c => char.IsControl(c) && c is not ('\t' or '\r' or '\n'));

    public static void Version(Dictionary<string, string[]> errors, uint? version)
    {
        if (version is null) errors["version"] = ["Required: the ticket's version from your last read."];
    }

    public static string? Trimmed(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
