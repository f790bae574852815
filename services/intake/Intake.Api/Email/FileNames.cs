using System.Text;
using MimeKit;

namespace Intake.Api.Email;

/// <summary>
/// Attachment names come from the sender: they may carry paths ("..\..\boot.ini"), control characters or characters
/// that no file system accepts. Whatever stores or serves the file gets a plain name.
/// </summary>
internal static class FileNames
{
    private const int MaxLength = 200;
    private static readonly char[] Reserved = ['<', '>', ':', '"', '|', '?', '*'];

    public static string Sanitise(string? name, string mimeType, int position)
    {
        var file = name ?? "";
        // Only the last path segment, for either separator.
        file = file[(file.LastIndexOfAny(['/', '\\']) + 1)..];

        var clean = new StringBuilder(file.Length);
        foreach (var c in file)
        {
            if (char.IsControl(c) || char.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format) continue;
            clean.Append(Array.IndexOf(Reserved, c) >= 0 ? '_' : c);
        }
        // Leading dots would make a hidden file or "..", trailing dots and spaces are dropped by Windows.
        file = clean.ToString().Trim().TrimStart('.').TrimEnd('.', ' ');

        if (file.Length == 0)
            file = $"attachment-{position}" + (MimeTypes.TryGetExtension(mimeType, out var extension) ? extension : "");

        if (file.Length > MaxLength)
        {
            var ext = Path.GetExtension(file);
            file = ext.Length is > 0 and <= 16 ? file[..(MaxLength - ext.Length)] + ext : file[..MaxLength];
        }
        return file;
    }
}
