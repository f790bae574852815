using Intake.Api.Phone;

namespace Intake.Tests.Phone;

public sealed class PhoneOptionsTests
{
    private const string Token = "0123456789abcdef0123456789abcdef";

    [Fact]
    public void Twilio_and_generic_settings_are_valid() =>
        Assert.Empty(new PhoneOptions { PublicBaseUrl = "https://desk.example.com", DefaultCountryCode = "1", Twilio = { AuthToken = Token } }.Problems());

    [Fact]
    public void Generic_providers_alone_need_only_the_country_code() =>
        Assert.Empty(new PhoneOptions { DefaultCountryCode = "44" }.Problems());

    [Theory]
    [InlineData("https://desk.example.com", null, Token, "Phone:DefaultCountryCode")]
    [InlineData("https://desk.example.com", "01", Token, "Phone:DefaultCountryCode")]
    [InlineData("https://desk.example.com", "1", "too-short", "Phone:Twilio:AuthToken")]
    [InlineData("https://desk.example.com", "1", "", "Phone:Twilio:AuthToken")]
    [InlineData(null, "1", Token, "Phone:PublicBaseUrl")]
    [InlineData("desk.example.com", "1", Token, "Phone:PublicBaseUrl")]
    [InlineData("ftp://desk.example.com", "1", Token, "Phone:PublicBaseUrl")]
    [InlineData("https://desk.example.com/?a=1", "1", Token, "Phone:PublicBaseUrl")]
    public void Bad_setting_is_named(string? publicBaseUrl, string? country, string? token, string key)
    {
        var problems = new PhoneOptions { PublicBaseUrl = publicBaseUrl, DefaultCountryCode = country, Twilio = { AuthToken = token } }.Problems();

        Assert.Contains(problems, p => p.StartsWith(key + " ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("5550004800", "1", "Phone:Ivr:Numbers:")]
    [InlineData("+15550004800", "12", "Phone:Ivr:EmergencyDigit ")]
    [InlineData("+15550004800", "*", "Phone:Ivr:EmergencyDigit ")]
    [InlineData("+15550004800", "", "Phone:Ivr:EmergencyDigit ")]
    public void Bad_ivr_setting_is_named(string number, string digit, string key)
    {
        var problems = new PhoneOptions
        {
            PublicBaseUrl = "https://desk.example.com", DefaultCountryCode = "1", Twilio = { AuthToken = Token },
            Ivr = { Numbers = [number], EmergencyDigit = digit },
        }.Problems();

        Assert.Contains(problems, p => p.StartsWith(key, StringComparison.Ordinal));
    }

    [Fact]
    public void Validation_fails_with_every_problem()
    {
        var result = new PhoneOptionsValidation().Validate(null, new PhoneOptions { Twilio = { AuthToken = "x" } });

        Assert.True(result.Failed);
        Assert.Equal(3, result.Failures!.Count());
    }
}
