using Intake.Api.Email;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Intake.Tests.Email;

public sealed class EmailOptionsTests
{
    [Theory]
    [InlineData("[EMERGENCY] Server room flooding", "[EMERGENCY]")]
    [InlineData("  [emergency]server room flooding", "[EMERGENCY]")]
    [InlineData("URGENT: mail is down", "URGENT:")]
    [InlineData("Re: [EMERGENCY] Server room flooding", null)]
    [InlineData("Printer jam", null)]
    [InlineData(null, null)]
    public void A_subject_declares_an_emergency_only_when_it_starts_with_a_prefix(string? subject, string? prefix) =>
        Assert.Equal(prefix, new EmailOptions { EmergencySubjectPrefixes = ["[EMERGENCY]", " URGENT: "] }.EmergencyPrefixOf(subject));

    [Fact]
    public void No_prefix_configured_declares_nothing() =>
        Assert.Null(new EmailOptions().EmergencyPrefixOf("[EMERGENCY] Server room flooding"));

    [Theory]
    [InlineData(" ")]
    [InlineData("[EMERGENCY]\r\nBcc: x")]
    [InlineData("[A PREFIX FAR TOO LONG TO BE A TAG IN ANY SUBJECT]")]
    public async Task A_blank_long_or_multi_line_prefix_fails_at_start_up_naming_the_key(string prefix)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Email:EmergencySubjectPrefixes:0"] = "[EMERGENCY]",
            ["Email:EmergencySubjectPrefixes:1"] = prefix,
        });
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Email:EmergencySubjectPrefixes:1 must be", error.Message);
        Assert.DoesNotContain("EmergencySubjectPrefixes:0", error.Message);
    }
}
