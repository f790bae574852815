using System.ComponentModel.DataAnnotations;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.Options;
using MimeKit;
using ServiceDesk.Platform;

namespace Notify.Api.Email;

/// <summary>The outgoing mail server ("Smtp" section).</summary>
public sealed class SmtpOptions : IValidatableObject
{
    public const string Section = "Smtp";

    [Required(ErrorMessage = "Smtp:Host is required.")]
    public string Host { get; set; } = "";

    [Range(1, 65535, ErrorMessage = "Smtp:Port must be between 1 and 65535.")]
    public int Port { get; set; } = 25;

    /// <summary>None, Auto, StartTls, StartTlsWhenAvailable or SslOnConnect.</summary>
    public SecureSocketOptions Security { get; set; } = SecureSocketOptions.StartTls;

    /// <summary>
    /// The envelope sender (MAIL FROM) of notify's mail, where mail servers send bounces (DSNs). Route this mailbox to
    /// notify's bounce endpoint (docs/adr/0036). Empty: bounces go to the From address.
    /// </summary>
    public string? BounceAddress { get; set; }

    public string? Username { get; set; }
    public string? Password { get; set; }

    [Required(ErrorMessage = "Smtp:From is required (e.g. \"ServiceDesk <support@example.com>\").")]
    public string From { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!string.IsNullOrEmpty(From) && !MailboxAddress.TryParse(From, out _))
            yield return new ValidationResult($"Smtp:From '{From}' is not a mail address (e.g. \"ServiceDesk <support@example.com>\").");
        if (!string.IsNullOrEmpty(BounceAddress) && !MailboxAddress.TryParse(BounceAddress, out _))
            yield return new ValidationResult($"Smtp:BounceAddress '{BounceAddress}' is not a mail address.", [nameof(BounceAddress)]);
    }
}

/// <summary>Sends one message per SMTP connection: acknowledgements are rare enough that pooling is not worth its failure modes.</summary>
public sealed class Mailer(IOptions<SmtpOptions> options)
{
    private readonly SmtpOptions _options = options.Value;

    public MailboxAddress From => MailboxAddress.Parse(_options.From);

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        using var activity = Telemetry.Source.StartActivity("smtp send");
        activity?.SetTag("server.address", _options.Host);
        activity?.SetTag("server.port", _options.Port);

        using var client = new SmtpClient();
        await client.ConnectAsync(_options.Host, _options.Port, _options.Security, cancellationToken);
        if (!string.IsNullOrEmpty(_options.Username))
            await client.AuthenticateAsync(_options.Username, _options.Password ?? "", cancellationToken);
        if (string.IsNullOrEmpty(_options.BounceAddress))
            await client.SendAsync(message, cancellationToken);
        else
            await client.SendAsync(message, MailboxAddress.Parse(_options.BounceAddress), message.To.Mailboxes, cancellationToken);
        await client.DisconnectAsync(quit: true, cancellationToken);
    }
}
