using System.Text;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using ServiceDesk.Platform;

namespace Intake.Api.Phone;

/// <summary>A Twilio webhook whose signature checked out: the raw body (to store before parsing) and its fields.</summary>
/// <param name="Url">The public URL the signature was checked against.</param>
/// <param name="Fields">The form parameters of a POST; the query parameters of a GET or a JSON (bodySHA256) request.</param>
public sealed record TwilioDelivery(string Url, byte[] Body, IReadOnlyDictionary<string, StringValues> Fields);

/// <summary>
/// Checks <c>X-Twilio-Signature</c> (<see cref="TwilioSignature"/>) on a request against "Phone:Twilio:AuthToken" and
/// the URL rebuilt from "Phone:PublicBaseUrl" plus the path and query intake received (the gateway forwards paths
/// unchanged). Use from a minimal-API handler:
/// <code>
/// var (delivery, problem) = await twilio.VerifyAsync(request, cancellationToken);
/// if (problem is not null) return problem;
/// var (phoneEvent, errors) = PhoneEventParser.FromTwilio(delivery!.Fields, clock.GetUtcNow(), options.Value.DefaultCountryCode);
/// </code>
/// </summary>
public sealed class TwilioVerifier(IOptions<PhoneOptions> options)
{
    public const string NotConfiguredTitle = "The Twilio phone channel is not configured.";
    public const string MissingSignatureTitle = $"{TwilioSignature.Header} is required.";
    public const string BadSignatureTitle = $"{TwilioSignature.Header} does not match the request signed with the Twilio auth token.";
    public const string BodyHashMismatchTitle = $"The body does not match its {TwilioSignature.BodyHashParameter}.";

    /// <summary>Reads and checks the request; returns the delivery, or a problem result (401, 404, 413, 415) that changes nothing.</summary>
    public async Task<(TwilioDelivery? Delivery, IResult? Problem)> VerifyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        // Checked first, before the body is read: an unsigned request costs no more than its headers, and it gets 401
        // whether or not Twilio is configured (a route that proves its caller by signature answers 401 without one).
        var signature = request.Headers[TwilioSignature.Header].ToString();
        if (signature.Length == 0) return (null, Unauthorized(MissingSignatureTitle));

        var phone = options.Value;
        if (phone.Twilio.AuthToken is not { Length: > 0 } token || phone.PublicBaseUrl is not { Length: > 0 } baseUrl)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: NotConfiguredTitle));

        var body = await ReadBodyAsync(request, cancellationToken);
        if (body is null)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status413PayloadTooLarge, title: $"The body is over {WebhookVerifier.MaxBodyBytes} bytes."));

        var url = TwilioSignature.PublicUrl(baseUrl, request.PathBase.ToUriComponent() + request.Path.ToUriComponent() + request.QueryString.ToUriComponent());
        var query = ParsePairs(request.QueryString.HasValue ? request.QueryString.Value![1..] : "");

        if (query.TryGetValue(TwilioSignature.BodyHashParameter, out var bodyHash))
        {
            // JSON and other non-form bodies: the URL (with bodySHA256) is signed alone, and the hash covers the body.
            if (!TwilioSignature.Matches(token, url, null, signature)) return (null, Unauthorized(BadSignatureTitle));
            if (bodyHash.Count != 1 || !TwilioSignature.BodyMatches(body, bodyHash.ToString())) return (null, Unauthorized(BodyHashMismatchTitle));
            return (new TwilioDelivery(url, body, query), null);
        }

        if (IsForm(request))
        {
            var form = ParsePairs(Encoding.UTF8.GetString(body));
            return TwilioSignature.Matches(token, url, form, signature)
                ? (new TwilioDelivery(url, body, form), null)
                : (null, Unauthorized(BadSignatureTitle));
        }

        // Any other body would go unsigned (the signature would cover only the URL): refuse it rather than trust it.
        if (body.Length > 0)
            return (null, TypedResults.Problem(statusCode: StatusCodes.Status415UnsupportedMediaType,
                title: $"A Twilio webhook body is a form, or is covered by {TwilioSignature.BodyHashParameter}."));
        return TwilioSignature.Matches(token, url, null, signature)
            ? (new TwilioDelivery(url, body, query), null)
            : (null, Unauthorized(BadSignatureTitle));
    }

    /// <summary>
    /// application/x-www-form-urlencoded pairs in arrival order, keys case-sensitive (Twilio signs "From" and "from"
    /// as two keys; ASP.NET Core's form collection would merge them and break the signature).
    /// </summary>
    internal static Dictionary<string, StringValues> ParsePairs(string encoded)
    {
        var pairs = new Dictionary<string, StringValues>(StringComparer.Ordinal);
        foreach (var part in encoded.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = part.IndexOf('=', StringComparison.Ordinal);
            var key = Decode(equals < 0 ? part : part[..equals]);
            var value = equals < 0 ? "" : Decode(part[(equals + 1)..]);
            pairs[key] = pairs.TryGetValue(key, out var earlier) ? StringValues.Concat(earlier, value) : new StringValues(value);
        }
        return pairs;
    }

    private static string Decode(string value) => Uri.UnescapeDataString(value.Replace('+', ' '));

    private static bool IsForm(HttpRequest request) =>
        request.ContentType?.Split(';')[0].Trim().Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) == true;

    private static ProblemHttpResult Unauthorized(string title) =>
        TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: title);

    /// <summary>The whole body, or null past <see cref="WebhookVerifier.MaxBodyBytes"/> (the same bound as signed channels).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (request.ContentLength > WebhookVerifier.MaxBodyBytes) return null;
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > WebhookVerifier.MaxBodyBytes) return null;
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
