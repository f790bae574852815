using System.ComponentModel.DataAnnotations;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Identity.Api;

/// <summary>Where invitation and password-reset mail goes out ("Smtp" section, as notify's).</summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string Section = "Smtp";

    [Required(ErrorMessage = "Smtp:Host is required (invitations and password resets are mailed).")]
    public string Host { get; set; } = "";

    [Range(1, 65535, ErrorMessage = "Smtp:Port must be between 1 and 65535.")]
    public int Port { get; set; } = 25;

    /// <summary>None, Auto, StartTls, StartTlsWhenAvailable or SslOnConnect.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    public string? Username { get; set; }
    public string? Password { get; set; }

    [Required(ErrorMessage = "Smtp:From is required (e.g. \"ServiceDesk <support@example.com>\").")]
    public string From { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(From) && !MailboxAddress.TryParse(From, out _))
            yield return new ValidationResult($"Smtp:From '{From}' is not a mail address (e.g. \"ServiceDesk <support@example.com>\").");
    }
}

/// <summary>Sends one message per connection: invitations and resets are rare.</summary>
public sealed class Mailer(IOptions<SmtpOptions> options)
{
    public async Task SendAsync(string to, string subject, string text, CancellationToken cancellationToken)
    {
        var smtp = options.Value;
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = text } };
        message.From.Add(MailboxAddress.Parse(smtp.From));
        message.To.Add(MailboxAddress.Parse(to));
        using var client = new SmtpClient();
        await client.ConnectAsync(smtp.Host, smtp.Port, smtp.Security, cancellationToken);
        if (!string.IsNullOrEmpty(smtp.Username)) await client.AuthenticateAsync(smtp.Username, smtp.Password ?? "", cancellationToken);
        await client.SendAsync(message, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
