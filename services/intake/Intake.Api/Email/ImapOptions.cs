using System.ComponentModel.DataAnnotations;
using MailKit.Security;

namespace Intake.Api.Email;

/// <summary>
/// The support mailbox read over IMAP ("Email:Imap" section), for MSPs without an MTA of their own that can pipe
/// mail to us (tools/mail-pipe).
/// </summary>
public sealed class ImapOptions : IValidatableObject
{
    public const string Section = "Email:Imap";

    public bool Enabled { get; set; }

    public string Host { get; set; } = "";

    public int Port { get; set; } = 993;

    /// <summary>None, Auto, StartTls, StartTlsWhenAvailable or SslOnConnect. Auto: TLS on 993, STARTTLS if offered elsewhere.</summary>
    public SecureSocketOptions UseTls { get; set; } = SecureSocketOptions.Auto;

    public string Username { get; set; } = "";

    public string Password { get; set; } = "";

    /// <summary>Where new mail arrives.</summary>
    public string Folder { get; set; } = "INBOX";

    /// <summary>Where stored messages go (created if missing). Leaving them in Folder would re-read them forever.</summary>
    public string ProcessedFolder { get; set; } = "Processed";

    /// <summary>How often to look for mail when the server lacks IDLE, and how soon to retry a message that failed.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Enabled) yield break; // off by default: nothing else needs to be set
        if (string.IsNullOrWhiteSpace(Host))
            yield return new ValidationResult($"{Section}:Host is required when {Section}:Enabled is true (e.g. \"imap.example.com\").");
        if (Port is < 1 or > 65535)
            yield return new ValidationResult($"{Section}:Port must be between 1 and 65535 (was {Port}).");
        if (!Enum.IsDefined(UseTls))
            yield return new ValidationResult($"{Section}:UseTls must be one of {string.Join(", ", Enum.GetNames<SecureSocketOptions>())}.");
        if (string.IsNullOrWhiteSpace(Username))
            yield return new ValidationResult($"{Section}:Username is required when {Section}:Enabled is true.");
        if (string.IsNullOrEmpty(Password))
            yield return new ValidationResult($"{Section}:Password is required when {Section}:Enabled is true (from a secret store, not the repository).");
        if (string.IsNullOrWhiteSpace(Folder))
            yield return new ValidationResult($"{Section}:Folder must name the folder to read (e.g. \"INBOX\").");
        if (string.IsNullOrWhiteSpace(ProcessedFolder))
            yield return new ValidationResult($"{Section}:ProcessedFolder must name the folder stored messages are moved to (e.g. \"Processed\").");
        else if (string.Equals(ProcessedFolder, Folder, StringComparison.OrdinalIgnoreCase))
            yield return new ValidationResult($"{Section}:ProcessedFolder must differ from {Section}:Folder, or every message would be read again.");
        if (PollInterval <= TimeSpan.Zero)
            yield return new ValidationResult($"{Section}:PollInterval must be positive (e.g. \"00:01:00\"; was {PollInterval}).");
    }
}
