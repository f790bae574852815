using StaffConsole.Auth;

namespace StaffConsole.Components.Parts;

/// <summary>How the console writes the services' names for people and statuses.</summary>
public static class Names
{
    /// <summary>"You" for the signed-in person; otherwise the subject as the services record it.</summary>
    public static string Person(string? subject, UserSession session) =>
        subject is null ? "Nobody" : subject == session.Subject ? $"You ({session.Name})" : subject;

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

    /// <summary>"1 ticket", "2 tickets"; <paramref name="many"/> where adding an s is wrong.</summary>
    public static string Count(int count, string one, string? many = null) => count == 1 ? $"1 {one}" : $"{count} {many ?? one + "s"}";
}
