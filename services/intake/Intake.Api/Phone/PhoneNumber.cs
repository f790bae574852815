namespace Intake.Api.Phone;

/// <summary>
/// A strict E.164 normaliser: enough to key contacts and de-duplicate callers, without a numbering-plan library.
/// It checks shape (digits, length, a plausible country code), not whether a number is allocated.
/// </summary>
public static class PhoneNumber
{
    // E.164: at most 15 digits with the country code. Fewer than 7 is never a reachable subscriber number.
    private const int MaxDigits = 15;
    private const int MinDigits = 7;

    /// <summary>
    /// "+15551234567", "+1 (555) 123-4567" and, with <paramref name="defaultCountryCode"/>, national forms such as
    /// "(555) 123-4567" or "020 7946 0018" become "+15551234567" / "+442079460018". Returns false with a message for
    /// anything else (letters, extensions, a second '+', unbalanced parentheses, wrong length).
    /// </summary>
    /// <remarks>
    /// A national number loses one leading trunk '0' (true for most countries; Italy and a few others keep it, so
    /// such numbers must be written with '+'). NANP (code 1) national numbers must have 10 digits, or 11 with the trunk '1'.
    /// </remarks>
    public static bool TryNormalize(string? input, string? defaultCountryCode, out string e164, out string error)
    {
        e164 = "";
        error = "";
        var value = input?.Trim() ?? "";
        if (value.Length == 0) return Fail("Required.", out error);
        if (value.Length > 40) return Fail("At most 40 characters.", out error);

        var international = value[0] == '+';
        var digits = new System.Text.StringBuilder(MaxDigits);
        var open = false;
        var groups = 0;
        for (var i = international ? 1 : 0; i < value.Length; i++)
        {
            var c = value[i];
            if (char.IsAsciiDigit(c)) digits.Append(c);
            else if (c is ' ' or '-' or '.') continue;
            else if (c == '(' && !open && groups == 0) (open, groups) = (true, 1);
            else if (c == ')' && open) open = false;
            else return Fail(c == '+'
                ? "'+' may appear only at the start."
                : "Only digits, spaces, '-', '.', one pair of parentheses and a leading '+' are allowed.", out error);
        }
        if (open) return Fail("Unbalanced parentheses.", out error);
        if (digits.Length == 0) return Fail("Contains no digits.", out error);

        string number;
        if (international)
        {
            if (digits[0] == '0') return Fail("A country calling code never starts with 0.", out error);
            number = digits.ToString();
        }
        else
        {
            if (!IsCountryCode(defaultCountryCode))
                return Fail("Write the number with '+' and its country calling code (no default country is configured).", out error);
            var country = CountryDigits(defaultCountryCode);
            var national = digits.ToString();
            // "00 44 …" / "011 44 …" are dialling prefixes, not part of the number; guessing which one was meant is not strict.
            if (national.StartsWith("00", StringComparison.Ordinal) || (country == "1" && national.StartsWith("011", StringComparison.Ordinal)))
                return Fail("Write international numbers with '+' instead of a dialling prefix.", out error);

            if (country == "1")
            {
                if (national.Length == 11 && national[0] == '1') national = national[1..];
                // NANP: a 3-digit area code starting with 2-9, then 7 digits. (The exchange rule is not checked:
                // fictional "555-123-4567" style numbers are what people type in examples and tests.)
                if (national.Length != 10 || national[0] < '2')
                    return Fail("A North American number has 10 digits: a 3-digit area code not starting with 0 or 1, then 7 digits.", out error);
            }
            else if (national[0] == '0')
            {
                national = national[1..];
            }
            number = country + national;
        }

        if (number.Length is < MinDigits or > MaxDigits)
            return Fail($"An international number has {MinDigits}-{MaxDigits} digits including the country code.", out error);
        e164 = "+" + number;
        return true;
    }

    /// <summary>
    /// What providers send instead of a number when the caller withheld it or the network did not pass it on: an empty
    /// value, a word ("anonymous", "restricted", …) or one of Twilio's placeholder numbers, which spell the word on a
    /// keypad (+266696687 "ANONYMOUS", +7378742833 "RESTRICTED", +8656696 "UNKNOWN", +2562533 "BLOCKED",
    /// +86282452253 "UNAVAILABLE"). +266696687 is also a shape-valid E.164 number (Lesotho), so it must be caught here,
    /// before <see cref="TryNormalize"/> would accept it and the directory would look it up.
    /// </summary>
    public static bool IsWithheld(string? value)
    {
        var trimmed = value?.Trim() ?? "";
        return trimmed.Length == 0 || WithheldWords.Contains(trimmed) || WithheldPlaceholders.Contains(trimmed);
    }

    private static readonly HashSet<string> WithheldWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "anonymous", "restricted", "unknown", "private", "blocked", "unavailable", "withheld",
    };

    private static readonly HashSet<string> WithheldPlaceholders = new(StringComparer.Ordinal)
    {
        "+266696687", "+7378742833", "+8656696", "+2562533", "+86282452253",
    };

    /// <summary>1-3 digits, not starting with 0, optionally written with a '+'.</summary>
    public static bool IsCountryCode(string? value)
    {
        var code = CountryDigits(value);
        return code.Length is >= 1 and <= 3 && code[0] != '0' && code.All(char.IsAsciiDigit);
    }

    private static string CountryDigits(string? value)
    {
        var code = value?.Trim() ?? "";
        return code.StartsWith('+') ? code[1..] : code;
    }

    private static bool Fail(string message, out string error)
    {
        error = message;
        return false;
    }
}
