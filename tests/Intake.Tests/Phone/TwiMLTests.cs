using System.Xml.Linq;
using Intake.Api.Phone;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Intake.Tests.Phone;

public sealed class TwiMLTests
{
    [Fact]
    public void Empty_response_is_a_bare_Response_element_served_as_xml()
    {
        var result = Assert.IsType<ContentHttpResult>(TwiML.Empty());

        var document = XDocument.Parse(result.ResponseContent!);
        Assert.Equal("Response", document.Root!.Name.LocalName);
        Assert.Empty(document.Root.Nodes());
        Assert.StartsWith("application/xml", result.ContentType, StringComparison.Ordinal);
        Assert.StartsWith("<?xml version=\"1.0\" encoding=\"utf-8\"?>", result.ResponseContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Gather_asks_for_one_key_and_posts_it_even_when_none_is_pressed()
    {
        var action = new Uri("https://desk.example.com/api/channels/phone/twilio/choices");

        var response = XDocument.Parse(TwiML.GatherDocument("For an emergency, press 1 & hold <on>.", action, timeoutSeconds: 7)).Root!;

        var gather = Assert.Single(response.Elements());
        Assert.Equal("Gather", gather.Name.LocalName);
        Assert.Equal(("dtmf", "1", "7", action.AbsoluteUri, "POST", "true"), (gather.Attribute("input")!.Value, gather.Attribute("numDigits")!.Value,
            gather.Attribute("timeout")!.Value, gather.Attribute("action")!.Value, gather.Attribute("method")!.Value, gather.Attribute("actionOnEmptyResult")!.Value));
        Assert.Equal("For an emergency, press 1 & hold <on>.", gather.Element("Say")!.Value);
        Assert.Throws<ArgumentException>(() => TwiML.GatherDocument("Press 1.", new Uri("/choices", UriKind.Relative)));
    }

    [Fact]
    public void Voicemail_says_the_greeting_escaped_then_records()
    {
        const string greeting = "Our office is closed <after 6 pm> & \"weekends\". Leave a message.";
        var action = new Uri("https://desk.example.com/api/phone/twilio/recording?line=main&x=1");
        var callback = new Uri("https://desk.example.com/api/phone/twilio/transcription");

        var xml = TwiML.VoicemailDocument(greeting, action, callback, maxLengthSeconds: 90);

        Assert.DoesNotContain("<after", xml, StringComparison.Ordinal); // escaped, not markup
        var response = XDocument.Parse(xml).Root!;
        Assert.Equal(["Say", "Record"], response.Elements().Select(e => e.Name.LocalName));
        Assert.Equal(greeting, response.Element("Say")!.Value);
        var record = response.Element("Record")!;
        Assert.Equal(action.AbsoluteUri, record.Attribute("action")!.Value);
        Assert.Equal("POST", record.Attribute("method")!.Value);
        Assert.Equal("90", record.Attribute("maxLength")!.Value);
        Assert.Equal("true", record.Attribute("transcribe")!.Value);
        Assert.Equal(callback.AbsoluteUri, record.Attribute("transcribeCallback")!.Value);
    }

    [Fact]
    public void Voicemail_without_transcription_asks_for_none()
    {
        var record = XDocument.Parse(TwiML.VoicemailDocument("Leave a message.", new Uri("https://desk.example.com/r"))).Root!.Element("Record")!;

        Assert.Null(record.Attribute("transcribe"));
        Assert.Equal("120", record.Attribute("maxLength")!.Value);
    }

    [Fact]
    public void Voicemail_result_is_application_xml()
    {
        var result = Assert.IsType<ContentHttpResult>(TwiML.Voicemail("Leave a message.", new Uri("https://desk.example.com/r")));

        Assert.StartsWith(TwiML.ContentType, result.ContentType, StringComparison.Ordinal);
        Assert.Contains("<Say>Leave a message.</Say>", result.ResponseContent, StringComparison.Ordinal);
    }

    [Fact]
    public void Programming_errors_throw_instead_of_sending_twilio_a_broken_document()
    {
        var action = new Uri("https://desk.example.com/r");
        Assert.ThrowsAny<ArgumentException>(() => TwiML.VoicemailDocument("", action));
        Assert.ThrowsAny<ArgumentException>(() => TwiML.VoicemailDocument("bell \u0007", action));
        Assert.ThrowsAny<ArgumentException>(() => TwiML.VoicemailDocument("Hi", new Uri("/r", UriKind.Relative)));
        Assert.ThrowsAny<ArgumentException>(() => TwiML.VoicemailDocument("Hi", action, maxLengthSeconds: 0));
    }
}
