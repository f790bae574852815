using StaffConsole.Api;
using StaffConsole.Auth;

namespace StaffConsole.Components.Parts;

/// <summary>How the console writes the services' names for people and statuses.</summary>
public static class Names
{
    /// <summary>"You" for the signed-in person; otherwise their name from the staff directory, or the subject as the services record it.</summary>
    public static string Person(string? subject, UserSession session) =>
        subject is null ? "Nobody"
        : subject == session.Subject ? $"You ({session.Name})"
        : session.People.GetValueOrDefault(subject) ?? subject;

    public static string Status(string status) => status switch
    {
        "InProgress" => "In progress",
        "WaitingOnClient" => "Waiting on client",
        _ => status,
    };

    public static string WorkType(string workType) => workType switch
    {
        "BusinessHours" => "business hours",
        "AfterHours" => "after hours",
        "Emergency" => "emergency",
        _ => workType,
    };

    /// <summary>A time entry's billing state in words, with its amount where it has one.</summary>
    public static string Billing(TicketTimeState state, string? currency) => state.State switch
    {
        "AwaitingApproval" => "awaiting approval",
        "Billable" => $"approved and rated, {Money(state.Amount, currency)}, not invoiced yet",
        "Invoiced" => $"invoiced{(state.InvoiceNumber is { } number ? $" on {number}" : "")}, {Money(state.Amount, currency)}",
        "Covered" => "covered by the agreement",
        "NoCharge" => $"no charge{(state.Reason is { } r ? $" ({r})" : "")}",
        "WrittenOff" => $"written off{(state.Reason is { } w ? $" ({w})" : "")}",
        "Unrated" => $"not rated{(state.Reason is { } u ? $": {u}" : "")}",
        _ => state.State,
    };

    /// <summary>"97.50 USD": at least two decimals, and every one the amount has (a rate of 0.125 is not shown as 0.13).</summary>
    public static string Money(decimal amount, string? currency) =>
        $"{amount.ToString("0.00##", System.Globalization.CultureInfo.InvariantCulture)}{(currency is null ? "" : $" {currency}")}";

    /// <summary>"1 ticket", "2 tickets"; <paramref name="many"/> where adding an s is wrong.</summary>
    public static string Count(int count, string one, string? many = null) => count == 1 ? $"1 {one}" : $"{count} {many ?? one + "s"}";
}
