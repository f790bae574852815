using Intake.Api.Phone;

namespace Intake.Tests.Phone;

public sealed class PhoneNumberTests
{
    [Theory]
    [InlineData("+15551234567", "1", "+15551234567")]
    [InlineData(" +1 (555) 123-4567 ", "44", "+15551234567")] // international ignores the default
    [InlineData("(555) 123-4567", "1", "+15551234567")]
    [InlineData("555.123.4567", "+1", "+15551234567")]
    [InlineData("1 555 123 4567", "1", "+15551234567")] // NANP trunk '1'
    [InlineData("+44 20 7946 0018", "1", "+442079460018")]
    [InlineData("020 7946 0018", "44", "+442079460018")] // trunk '0' dropped
    [InlineData("+358 40 1234567", null, "+358401234567")]
    public void Valid_numbers_normalise_to_E164(string input, string? country, string expected)
    {
        Assert.True(PhoneNumber.TryNormalize(input, country, out var e164, out var error), error);
        Assert.Equal(expected, e164);
    }

    [Theory]
    [InlineData(null, "1", "Required.")]
    [InlineData("   ", "1", "Required.")]
    [InlineData("anonymous", "1", "Only digits")]
    [InlineData("1-800-FLOWERS", "1", "Only digits")]
    [InlineData("555-123-4567 x12", "1", "Only digits")]
    [InlineData("tel:+15551234567", "1", "Only digits")]
    [InlineData("+1 555 +1234567", "1", "'+' may appear only at the start.")]
    [InlineData("(555 123-4567", "1", "Unbalanced parentheses.")]
    [InlineData("555) 123-4567", "1", "Only digits")]
    [InlineData("(555)(123) 4567", "1", "Only digits")]
    [InlineData("+", "1", "Contains no digits.")]
    [InlineData("+044 20 7946 0018", "1", "never starts with 0")]
    [InlineData("+12345", "1", "7-15 digits")]
    [InlineData("+1234567890123456", "1", "7-15 digits")]
    [InlineData("123-4567", "1", "10 digits")]
    [InlineData("(055) 123-4567", "1", "10 digits")]
    [InlineData("5551234567", null, "no default country is configured")]
    [InlineData("0044 20 7946 0018", "44", "dialling prefix")]
    [InlineData("011 44 20 7946 0018", "1", "dialling prefix")]
    public void Garbage_is_refused_with_a_reason(string? input, string? country, string reason)
    {
        Assert.False(PhoneNumber.TryNormalize(input, country, out var e164, out var error));
        Assert.Equal("", e164);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("+44", true)]
    [InlineData("358", true)]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("0", false)]
    [InlineData("1234", false)]
    [InlineData("++1", false)]
    [InlineData("1a", false)]
    public void Country_calling_code_is_one_to_three_digits(string? code, bool valid) =>
        Assert.Equal(valid, PhoneNumber.IsCountryCode(code));
}
