using System.Diagnostics;
using System.Net.Sockets;
using MimeKit;

namespace ServiceDesk.Testing;

/// <summary>
/// A real SMTP server on 127.0.0.1: Debian's python3-aiosmtpd, storing every message it accepts in a Maildir, or, as
/// an MTA's alias would, piping each to a command (<see cref="StartPipingAsync"/>).
/// </summary>
public sealed class SmtpServer : IAsyncDisposable
{
    private const string Python = "/usr/bin/python3"; // Debian's, which has python3-aiosmtpd
    private readonly Process _process;
    private readonly string _maildir;

    private SmtpServer(Process process, string maildir, int port)
    {
        _process = process;
        _maildir = maildir;
        Port = port;
    }

    public int Port { get; }

    public static Task<SmtpServer> StartAsync()
    {
        var maildir = Directory.CreateTempSubdirectory("servicedesk-mail-").FullName;
        foreach (var sub in new[] { "tmp", "new", "cur" }) Directory.CreateDirectory(Path.Combine(maildir, sub));
        return StartAsync(maildir, "aiosmtpd.handlers.Mailbox", maildir, new Dictionary<string, string>());
    }

    /// <summary>
    /// Pipes every message to <paramref name="command"/> (run with <paramref name="environment"/>) and answers the
    /// SMTP client by its exit code, as Postfix's alias delivery does (mta_pipe.py).
    /// </summary>
    public static Task<SmtpServer> StartPipingAsync(string command, IReadOnlyDictionary<string, string> environment) =>
        StartAsync(Directory.CreateTempSubdirectory("servicedesk-mta-").FullName, "mta_pipe.Pipe", command,
            new Dictionary<string, string>(environment) { ["PYTHONPATH"] = AppContext.BaseDirectory });

    private static async Task<SmtpServer> StartAsync(string maildir, string handler, string handlerArgument, IReadOnlyDictionary<string, string> environment)
    {
        var port = Ports.Free();
        var start = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-m", "aiosmtpd", "-n", "-l", $"127.0.0.1:{port}", "-c", handler, handlerArgument })
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start aiosmtpd.");
        var server = new SmtpServer(process, maildir, port);

        await Eventually.TrueAsync(async () =>
        {
            if (process.HasExited)
                throw new InvalidOperationException($"aiosmtpd exited: {await process.StandardError.ReadToEndAsync()} (is python3-aiosmtpd installed?)");
            using var client = new TcpClient();
            await client.ConnectAsync("127.0.0.1", port);
            return true;
        }, "the SMTP server to listen");
        return server;
    }

    /// <summary>Every message delivered so far.</summary>
    public IReadOnlyList<MimeMessage> Messages()
    {
        var delivered = Path.Combine(_maildir, "new");
        return Directory.Exists(delivered)
            ? [.. Directory.GetFiles(delivered).Select(file => MimeMessage.Load(file))]
            : [];
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill();
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_maildir, recursive: true);
    }
}
