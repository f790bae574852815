namespace Billing.Api.Endpoints;

/// <summary>RFC 9457 problem details, as the other services answer: field problems name the field.</summary>
internal static class Problems
{
    public static IResult NotFound(string what) => TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: $"No such {what}.");

    public static IResult Conflict(string title, object? detail = null) =>
        TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: title,
            extensions: detail is null ? null : new Dictionary<string, object?> { ["detail"] = detail });
}

/// <summary>Field problems collected while checking a request; answered as one 400 that names every field.</summary>
internal sealed class Errors
{
    private readonly Dictionary<string, List<string>> _byField = [];

    public int Count => _byField.Count;

    public void Add(string field, string message)
    {
        if (!_byField.TryGetValue(field, out var messages)) _byField[field] = messages = [];
        messages.Add(message);
    }

    public IResult Problem() => TypedResults.ValidationProblem(_byField.ToDictionary(f => f.Key, f => f.Value.ToArray()));
}
