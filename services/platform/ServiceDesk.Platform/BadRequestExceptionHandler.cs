using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace ServiceDesk.Platform;

/// <summary>
/// Turns a request the framework could not bind (malformed JSON, wrong types, unknown fields, wrong content type,
/// oversized body) into a problem details response that names the offending field. Anything else is left to the
/// default handler, which answers 500 without leaking the exception.
/// </summary>
internal sealed class BadRequestExceptionHandler(IProblemDetailsService problemDetails) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad) return false;

        context.Response.StatusCode = bad.StatusCode;
        var problem = bad.InnerException is JsonException json
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]>
            {
                [FieldName(json)] = [JsonMessage(json)],
            })
            {
                Title = "The request body is not valid.",
            }
            : new ProblemDetails { Title = bad.Message };
        problem.Status = bad.StatusCode;

        return await problemDetails.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            ProblemDetails = problem,
            Exception = exception,
        });
    }

    /// <summary>
    /// "$.contact.email" becomes "contact.email" for a value of the wrong type or an unknown field. A syntax error
    /// (the reader's own JsonException, wrapped) is about the body as a whole, wherever the reader stopped.
    /// </summary>
    private static string FieldName(JsonException json) =>
        json.InnerException is JsonException || json.Path is null or "$" ? "body" : json.Path.TrimStart('$', '.');

    /// <summary>What a caller can act on, without the .NET type names System.Text.Json puts in its messages.</summary>
    private static string JsonMessage(JsonException json) => json switch
    {
        { InnerException: JsonException syntax } => $"Not valid JSON: {syntax.Message.Split(" LineNumber:", 2)[0]}",
        _ when json.Message.Contains("could not be mapped", StringComparison.Ordinal) => "Unknown field.",
        _ when json.Message.Contains("could not be converted", StringComparison.Ordinal) => "The value has the wrong type or format.",
        _ => json.Message.Split(" Path:", 2)[0],
    };
}
