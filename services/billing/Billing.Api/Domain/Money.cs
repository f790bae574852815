using System.Collections.Frozen;

namespace Billing.Api.Domain;

/// <summary>
/// Money is decimal, rounded once per line to the currency's minor unit, away from zero (docs/adr/0035): the rule a
/// client checking an invoice by hand and most accounting tools apply. Totals are sums of rounded lines, so the lines
/// always add up to the total printed.
/// </summary>
public static class Money
{
    public static decimal Round(decimal amount, string currency) =>
        Math.Round(amount, Currencies.MinorUnits(currency), MidpointRounding.AwayFromZero);

    /// <summary>Minutes at an hourly rate, rounded once.</summary>
    public static decimal ForMinutes(int minutes, decimal hourlyRate, string currency) => Round(minutes * hourlyRate / 60m, currency);
}

/// <summary>The active ISO 4217 currency codes, with their minor units where they are not 2.</summary>
public static class Currencies
{
    private static readonly FrozenSet<string> Codes = """
        AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BOV BRL BSD BTN BWP BYN BZD CAD CDF
        CHE CHF CHW CLF CLP CNY COP COU CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GNF
        GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD
        LSL LYD MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN MXV MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP
        PKR PLN PYG QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS TMT TND TOP
        TRY TTD TWD TZS UAH UGX USD USN UYI UYU UYW UZS VED VES VND VUV WST XAF XCD XCG XOF XPF YER ZAR ZMW ZWG
        """.Split((char[])[' ', '\n', '\r'], StringSplitOptions.RemoveEmptyEntries).ToFrozenSet();

    private static readonly FrozenDictionary<string, int> NotTwo = new Dictionary<string, int>
    {
        ["BIF"] = 0, ["CLP"] = 0, ["DJF"] = 0, ["GNF"] = 0, ["ISK"] = 0, ["JPY"] = 0, ["KMF"] = 0, ["KRW"] = 0, ["PYG"] = 0,
        ["RWF"] = 0, ["UGX"] = 0, ["UYI"] = 0, ["VND"] = 0, ["VUV"] = 0, ["XAF"] = 0, ["XOF"] = 0, ["XPF"] = 0,
        ["BHD"] = 3, ["IQD"] = 3, ["JOD"] = 3, ["KWD"] = 3, ["LYD"] = 3, ["OMR"] = 3, ["TND"] = 3,
        ["CLF"] = 4, ["UYW"] = 4,
    }.ToFrozenDictionary();

    /// <summary>Upper-case three-letter codes only: "usd" is refused rather than guessed.</summary>
    public static bool IsKnown(string? code) => code is not null && Codes.Contains(code);

    public static int MinorUnits(string code) => NotTwo.TryGetValue(code, out var units) ? units : 2;
}
