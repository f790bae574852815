using ServiceDesk.Platform;
using Intake.Api.Phone;
using Microsoft.Extensions.Primitives;

namespace Intake.Tests.Phone;

/// <summary>
/// X-Twilio-Signature against published vectors. Each expected value was also recomputed independently with python3's
/// hmac/hashlib (base64(hmac.new(token, url + sorted key+value, sha1))), so this code and the vectors cannot share a mistake.
/// </summary>
public sealed class TwilioSignatureTests
{
    internal const string DocsToken = "12345";
    internal const string DocsUrl = "https://mycompany.com/myapp.php?foo=1&bar=2";

    /// <summary>The worked example of Twilio's "Webhooks security" page (https://www.twilio.com/docs/usage/webhooks/webhooks-security).</summary>
    internal static readonly KeyValuePair<string, StringValues>[] DocsParams =
    [
        // Out of order on purpose: the signature sorts them.
        new("To", "+18005551212"),
        new("CallSid", "CA1234567890ABCDE"),
        new("Digits", "1234"),
        new("From", "+12349013030"),
        new("Caller", "+12349013030"),
    ];

    internal const string DocsSignature = "0/KCTR6DLpKmkAf8muzZqo1nDgQ=";

    [Fact]
    public void Twilio_documented_example_gives_the_published_signature()
    {
        Assert.Equal(DocsSignature, TwilioSignature.Compute(DocsToken, DocsUrl, DocsParams));
        Assert.True(TwilioSignature.Matches(DocsToken, DocsUrl, DocsParams, DocsSignature));
    }

    [Fact]
    public void Twilio_csharp_library_vector_verifies()
    {
        // twilio-csharp test/Twilio.Test/Security/RequestValidatorTest.cs (TestValidateDictionary).
        KeyValuePair<string, StringValues>[] parameters =
        [
            new("CallSid", "CA1234567890ABCDE"), new("From", "+14158675309"), new("Digits", "1234"),
            new("To", "+18005551212"), new("Caller", "+14158675309"),
        ];
        Assert.True(TwilioSignature.Matches(DocsToken, DocsUrl, parameters, "RSOYDt4T1cUTdK1PDd93/VVr8B8="));
    }

    [Fact]
    public void Tampered_url_does_not_match()
    {
        Assert.False(TwilioSignature.Matches(DocsToken, "https://mycompany.com/myapp.php?foo=1&bar=3", DocsParams, DocsSignature));
        Assert.False(TwilioSignature.Matches(DocsToken, "http://mycompany.com/myapp.php?foo=1&bar=2", DocsParams, DocsSignature));
        Assert.False(TwilioSignature.Matches(DocsToken, "https://mycompany.com/other.php?foo=1&bar=2", DocsParams, DocsSignature));
    }

    [Fact]
    public void Tampered_param_does_not_match()
    {
        var tampered = DocsParams.Select(p => p.Key == "Digits" ? new KeyValuePair<string, StringValues>("Digits", "9999") : p).ToArray();
        var added = DocsParams.Append(new("Extra", "1")).ToArray();

        Assert.False(TwilioSignature.Matches(DocsToken, DocsUrl, tampered, DocsSignature));
        Assert.False(TwilioSignature.Matches(DocsToken, DocsUrl, added, DocsSignature));
        Assert.False(TwilioSignature.Matches(DocsToken, DocsUrl, DocsParams[1..], DocsSignature));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("0/KCTR6DLpKmkAf8muzZqo1nDgQ")] // one character short
    [InlineData("0/KCTR6DLpKmkAf8muzZqo1nDgQ=0")]
    public void Missing_or_mangled_signature_does_not_match(string? signature) =>
        Assert.False(TwilioSignature.Matches(DocsToken, DocsUrl, DocsParams, signature));

    [Fact]
    public void Wrong_token_does_not_match() =>
        Assert.False(TwilioSignature.Matches("54321", DocsUrl, DocsParams, DocsSignature));

    [Fact]
    public void Repeated_key_signs_each_value_sorted_by_key_then_value()
    {
        // Ordinal order puts upper case first: "Field" < "Z" < "a". Python: url + "Fieldalpha" "Fieldbeta" "Z1" "a2".
        const string url = "https://desk.example.com/api/phone/twilio/voice";
        KeyValuePair<string, StringValues>[] parameters = [new("a", "2"), new("Field", new StringValues(["beta", "alpha"])), new("Z", "1")];

        Assert.Equal("bjB6HSgt7DHsyp3+OB7ua9Z3RlI=", TwilioSignature.Compute(DocsToken, url, parameters));
        // The values in arrival order, or keys compared without case, sign something else.
        Assert.False(TwilioSignature.Matches(DocsToken, url, parameters, "wc91TcxXL9hgbzdZfZUoKYNQddQ="));
        Assert.False(TwilioSignature.Matches(DocsToken, url, parameters, "BDBt3Ae2STH2DR6+8xkC8cjEC6c="));
    }

    [Fact]
    public void Json_body_is_signed_through_its_bodySHA256_in_the_url()
    {
        // twilio-csharp RequestValidatorTest (TestValidateBody / TestValidateWithBody).
        var body = "{\"property\": \"value\", \"boolean\": true}"u8.ToArray();
        const string hash = "0a1ff7634d9ab3b95db5c9a2dfe9416e41502b283a80c7cf19632632f96e6620";

        Assert.Equal(hash, TwilioSignature.BodyHash(body));
        Assert.True(TwilioSignature.BodyMatches(body, hash.ToUpperInvariant()));
        Assert.False(TwilioSignature.BodyMatches("{\"property\": \"VALUE\", \"boolean\": true}"u8, hash));
        Assert.True(TwilioSignature.Matches(DocsToken, $"{DocsUrl}&bodySHA256={hash}", null, "a9nBmqA0ju/hNViExpshrM61xv4="));
    }

    [Fact]
    public void Default_port_may_be_written_or_left_out_but_another_port_is_another_url()
    {
        // twilio-csharp vectors: signed without the port, and signed with ":443".
        const string withoutPort = "RSOYDt4T1cUTdK1PDd93/VVr8B8=";
        const string withPort = "kvajT1Ptam85bY51eRf/AJRuM3w=";
        KeyValuePair<string, StringValues>[] parameters =
        [
            new("CallSid", "CA1234567890ABCDE"), new("From", "+14158675309"), new("Digits", "1234"),
            new("To", "+18005551212"), new("Caller", "+14158675309"),
        ];

        Assert.True(TwilioSignature.Matches(DocsToken, "https://mycompany.com:443/myapp.php?foo=1&bar=2", parameters, withoutPort));
        Assert.True(TwilioSignature.Matches(DocsToken, DocsUrl, parameters, withPort));
        Assert.False(TwilioSignature.Matches(DocsToken, "https://mycompany.com:1234/myapp.php?foo=1&bar=2", parameters, withoutPort));
    }
}
