using ServiceDesk.Platform;
using System.Text;
using Intake.Api.Phone;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Intake.Tests.Phone;

/// <summary>
/// The verifier on a request as intake sees it behind the gateway: its own host and scheme (http://127.0.0.1:5101),
/// while Twilio signed the public URL ("Phone:PublicBaseUrl" + path and query).
/// </summary>
public sealed class TwilioVerifierTests
{
    private const string DocsForm = "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=1234&From=%2B12349013030&Caller=%2B12349013030";
    private const string Form = "application/x-www-form-urlencoded";

    private static TwilioVerifier Verifier(string? token = TwilioSignatureTests.DocsToken, string publicBaseUrl = "https://mycompany.com") =>
        new(Options.Create(new PhoneOptions { PublicBaseUrl = publicBaseUrl, DefaultCountryCode = "1", Twilio = { AuthToken = token } }));

    private static HttpRequest Request(string pathAndQuery, string body, string? signature, string? contentType = Form, long? contentLength = null)
    {
        var request = new DefaultHttpContext().Request;
        request.Method = "POST";
        request.Scheme = "http";
        request.Host = new HostString("127.0.0.1:5101");
        var query = pathAndQuery.IndexOf('?', StringComparison.Ordinal);
        request.Path = query < 0 ? pathAndQuery : pathAndQuery[..query];
        if (query >= 0) request.QueryString = new QueryString(pathAndQuery[query..]);
        var bytes = Encoding.UTF8.GetBytes(body);
        request.Body = new MemoryStream(bytes);
        request.ContentLength = contentLength ?? bytes.Length;
        request.ContentType = contentType;
        if (signature is not null) request.Headers[TwilioSignature.Header] = signature;
        return request;
    }

    private static void AssertProblem(IResult? problem, int status, string title)
    {
        var result = Assert.IsType<ProblemHttpResult>(problem);
        Assert.Equal(status, result.StatusCode);
        Assert.Equal(title, result.ProblemDetails.Title);
    }

    [Fact]
    public async Task Documented_example_posted_behind_the_gateway_verifies_against_the_public_url()
    {
        var (delivery, problem) = await Verifier().VerifyAsync(
            Request("/myapp.php?foo=1&bar=2", DocsForm, TwilioSignatureTests.DocsSignature), CancellationToken.None);

        Assert.Null(problem);
        Assert.Equal(TwilioSignatureTests.DocsUrl, delivery!.Url);
        Assert.Equal("+12349013030", delivery.Fields["From"]); // form-decoded
        Assert.Equal(DocsForm, Encoding.UTF8.GetString(delivery.Body)); // raw, to store before parsing
    }

    [Fact]
    public async Task Public_base_url_is_what_is_signed_not_the_host_intake_sees()
    {
        var (delivery, problem) = await Verifier(publicBaseUrl: "http://127.0.0.1:5101").VerifyAsync(
            Request("/myapp.php?foo=1&bar=2", DocsForm, TwilioSignatureTests.DocsSignature), CancellationToken.None);

        Assert.Null(delivery);
        AssertProblem(problem, StatusCodes.Status401Unauthorized, TwilioVerifier.BadSignatureTitle);
    }

    [Fact]
    public async Task Missing_header_is_refused_as_missing_signature()
    {
        var (delivery, problem) = await Verifier().VerifyAsync(Request("/myapp.php?foo=1&bar=2", DocsForm, signature: null), CancellationToken.None);

        Assert.Null(delivery);
        AssertProblem(problem, StatusCodes.Status401Unauthorized, TwilioVerifier.MissingSignatureTitle);
    }

    [Theory]
    [InlineData("/myapp.php?foo=1&bar=3", DocsForm)] // tampered URL
    [InlineData("/myapp.php?foo=1&bar=2", "To=%2B18005551212&CallSid=CA1234567890ABCDE&Digits=9999&From=%2B12349013030&Caller=%2B12349013030")]
    [InlineData("/myapp.php?foo=1&bar=2", DocsForm + "&CallStatus=completed")] // an added field
    public async Task Tampered_request_is_refused_as_bad_signature(string pathAndQuery, string body)
    {
        var (delivery, problem) = await Verifier().VerifyAsync(Request(pathAndQuery, body, TwilioSignatureTests.DocsSignature), CancellationToken.None);

        Assert.Null(delivery);
        AssertProblem(problem, StatusCodes.Status401Unauthorized, TwilioVerifier.BadSignatureTitle);
    }

    [Fact]
    public async Task Wrong_token_is_refused_as_bad_signature()
    {
        var (_, problem) = await Verifier(token: "54321").VerifyAsync(
            Request("/myapp.php?foo=1&bar=2", DocsForm, TwilioSignatureTests.DocsSignature), CancellationToken.None);

        AssertProblem(problem, StatusCodes.Status401Unauthorized, TwilioVerifier.BadSignatureTitle);
    }

    [Fact]
    public async Task Json_body_verifies_through_bodySHA256_and_a_changed_body_is_refused()
    {
        const string hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";
        const string path = "/myapp.php?foo=1&bar=2&bodySHA256=" + hash;

        var (delivery, problem) = await Verifier().VerifyAsync(
            Request(path, "{\"property\": \"value\", \"boolean\": true}", "a9nBmqA0ju/hNViExpshrM61xv4=", "application/json"), CancellationToken.None);
        var (_, changed) = await Verifier().VerifyAsync(
            Request(path, "{\"property\": \"other\", \"boolean\": true}", "a9nBmqA0ju/hNViExpshrM61xv4=", "application/json"), CancellationToken.None);

        Assert.Null(problem);
        Assert.Equal(hash, delivery!.Fields["bodySHA256"]);
        AssertProblem(changed, StatusCodes.Status401Unauthorized, TwilioVerifier.BodyHashMismatchTitle);
    }

    [Fact]
    public async Task Json_body_without_bodySHA256_is_refused_because_nothing_would_sign_it()
    {
        var (_, problem) = await Verifier().VerifyAsync(
            Request("/myapp.php?foo=1&bar=2", "{\"From\": \"+15551234567\"}", TwilioSignatureTests.DocsSignature, "application/json"), CancellationToken.None);

        Assert.Equal(StatusCodes.Status415UnsupportedMediaType, Assert.IsType<ProblemHttpResult>(problem).StatusCode);
    }

    [Fact]
    public async Task Oversized_body_is_refused_before_it_is_read()
    {
        var (_, problem) = await Verifier().VerifyAsync(
            Request("/myapp.php", DocsForm, TwilioSignatureTests.DocsSignature, contentLength: ServiceDesk.Platform.WebhookVerifier.MaxBodyBytes + 1),
            CancellationToken.None);

        Assert.Equal(StatusCodes.Status413PayloadTooLarge, Assert.IsType<ProblemHttpResult>(problem).StatusCode);
    }

    [Fact]
    public async Task Without_an_auth_token_the_twilio_channel_does_not_exist()
    {
        var (_, problem) = await Verifier(token: null).VerifyAsync(
            Request("/myapp.php?foo=1&bar=2", DocsForm, TwilioSignatureTests.DocsSignature), CancellationToken.None);

        AssertProblem(problem, StatusCodes.Status404NotFound, TwilioVerifier.NotConfiguredTitle);
    }
}
