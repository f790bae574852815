using ServiceDesk.Platform;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;
using Sms.Channel;

namespace Sms.Tests;

/// <summary>How a Twilio form becomes the signed channel's body, and the signature check against Twilio's own example.</summary>
public sealed class SmsMessageTests
{
    private static SmsMessage Read(string body) =>
        SmsMessage.Read(new FormCollection(new Dictionary<string, StringValues>
        {
            ["MessageSid"] = "SM0123456789abcdef0123456789abcdef", ["From"] = "+15550107788", ["Body"] = body, ["NumMedia"] = "0",
        })).Message!;

    [Theory]
    [InlineData("SD#1234 still broken", 1234L)]
    [InlineData("about sd #77, thanks", 77L)]
    [InlineData("ticket SD# 5", 5L)]
    [InlineData("(SD#12) and SD#13", 12L)]
    [InlineData("MSD#1234 is a model number", null)]
    [InlineData("SD#0", null)]
    [InlineData("call 555-1234", null)]
    public void Ticket_number_is_the_first_sd_token_in_the_text(string text, long? expected) =>
        Assert.Equal(expected, Read(text).TicketNumber);

    [Fact]
    public void Subject_is_the_first_non_blank_line_and_never_splits_a_character()
    {
        Assert.Equal("Printer jam", Read("\n  Printer   jam \nin room 4").Subject);
        var emoji = new string('x', 58) + "😀😀";
        var subject = Read(emoji).Subject;
        Assert.True(subject.Length <= SmsMessage.SubjectLength);
        Assert.Equal(new string('x', 58) + "…", subject);
    }

    [Fact]
    public void Control_characters_are_dropped_and_line_breaks_kept()
    {
        Assert.Equal("a\nb\tc", Read("a\r\nb\tc\u0007").Text);
    }

    [Fact]
    public void Body_is_the_json_intake_reads_with_nothing_else_in_it()
    {
        var json = System.Text.Json.JsonDocument.Parse(Read("Hello SD#9").ToJson()).RootElement;

        Assert.Equal(["contactPhone", "subject", "description", "ticketNumber"], json.EnumerateObject().Select(p => p.Name));
        Assert.Equal(("+15550107788", "Hello SD#9", "Hello SD#9", 9L), (json.GetProperty("contactPhone").GetString(),
            json.GetProperty("subject").GetString(), json.GetProperty("description").GetString(), json.GetProperty("ticketNumber").GetInt64()));
        // No ticket number quoted: the field is left out rather than sent as null.
        Assert.False(System.Text.Json.JsonDocument.Parse(Read("Hello").ToJson()).RootElement.TryGetProperty("ticketNumber", out _));
    }

    [Fact]
    public void Twilio_documented_example_verifies()
    {
        // The worked example of Twilio's webhook-security page (auth token 12345): the same vector intake's tests pin.
        KeyValuePair<string, StringValues>[] parameters =
        [
            new("To", "+18005551212"), new("CallSid", "CA1234567890ABCDE"), new("Digits", "1234"),
            new("From", "+12349013030"), new("Caller", "+12349013030"),
        ];
        const string url = "https://mycompany.com/myapp.php?foo=1&bar=2";

        Assert.True(TwilioSignature.Matches("12345", url, parameters, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        Assert.False(TwilioSignature.Matches("12345", url + "3", parameters, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        // The tests' own signer agrees, so the end-to-end tests sign as Twilio does.
        Assert.Equal("0/KCTR6DLpKmkAf8muzZqo1nDgQ=", SmsFixture.Sign("12345", url, parameters.Select(p => new KeyValuePair<string, string>(p.Key, p.Value!))));
    }
}
