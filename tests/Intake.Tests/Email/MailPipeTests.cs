using System.Diagnostics;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using ServiceDesk.Testing;
using Xunit;

namespace Intake.Tests.Email;

/// <summary>
/// tools/mail-pipe/servicedesk-mail-pipe as an MTA runs it (message on stdin, exit code read as sysexits), against a
/// small HTTP server standing in for intake.
/// </summary>
public sealed class MailPipeTests : IAsyncLifetime
{
    private const string Token = "mail-pipe-test-token";
    private const string Path = "/api/channels/email/messages";
    private static readonly string Script = System.IO.Path.Combine(RepositoryRoot(), "tools", "mail-pipe", "servicedesk-mail-pipe");

    private WebApplication _intake = null!;
    private string _url = null!;
    private int _answer = StatusCodes.Status202Accepted;
    private readonly List<(byte[] Body, string? ContentType, string? Authorization)> _received = [];

    public async Task InitializeAsync()
    {
        var port = Ports.Free();
        _url = $"http://127.0.0.1:{port}";
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, port));
        builder.Logging.ClearProviders();
        _intake = builder.Build();
        _intake.MapPost(Path, async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            lock (_received) _received.Add((body.ToArray(), request.ContentType, request.Headers.Authorization));
            return _answer switch
            {
                StatusCodes.Status202Accepted => Results.Accepted(),
                StatusCodes.Status400BadRequest => Results.Problem(title: "The message has no From address", detail: "Header From is missing.", statusCode: _answer),
                _ => Results.Problem(title: "Unavailable", statusCode: _answer),
            };
        });
        await _intake.StartAsync();
    }

    public async Task DisposeAsync() => await _intake.DisposeAsync();

    [Fact]
    public async Task Accepted_message_exits_0_and_arrives_byte_for_byte()
    {
        var message = Message();

        var (exit, error) = await PipeAsync(message, new() { ["SERVICEDESK_URL"] = _url, ["SERVICEDESK_MAIL_TOKEN"] = Token });

        Assert.True(exit == 0, error);
        var received = Assert.Single(_received);
        Assert.Equal(message, received.Body);
        Assert.Equal("message/rfc822", received.ContentType);
        Assert.Equal($"Bearer {Token}", received.Authorization);
    }

    [Fact]
    public async Task Rejected_message_exits_65_so_the_MTA_bounces_it_with_the_reason()
    {
        _answer = StatusCodes.Status400BadRequest;

        var (exit, error) = await PipeAsync(Message(), new() { ["SERVICEDESK_URL"] = _url, ["SERVICEDESK_MAIL_TOKEN"] = Token });

        Assert.Equal(65, exit);
        Assert.Contains("The message has no From address", error);
        Assert.Contains("Header From is missing.", error);
    }

    [Theory]
    [InlineData(StatusCodes.Status503ServiceUnavailable)]
    [InlineData(StatusCodes.Status500InternalServerError)]
    [InlineData(StatusCodes.Status429TooManyRequests)]
    [InlineData(StatusCodes.Status408RequestTimeout)]
    [InlineData(StatusCodes.Status401Unauthorized)] // our token is wrong: not the sender's fault, keep the mail
    public async Task Answers_that_may_get_better_exit_75_so_the_MTA_keeps_the_message_queued(int status)
    {
        _answer = status;

        var (exit, error) = await PipeAsync(Message(), new() { ["SERVICEDESK_URL"] = _url, ["SERVICEDESK_MAIL_TOKEN"] = Token });

        Assert.Equal(75, exit);
        Assert.Contains($"HTTP {status}", error);
    }

    [Fact]
    public async Task Unreachable_intake_exits_75()
    {
        var nobody = $"http://127.0.0.1:{Ports.Free()}";

        var (exit, error) = await PipeAsync(Message(), new() { ["SERVICEDESK_URL"] = nobody, ["SERVICEDESK_MAIL_TOKEN"] = Token });

        Assert.Equal(75, exit);
        Assert.Contains("could not reach", error);
    }

    [Fact]
    public async Task Settings_come_from_the_config_file_and_the_token_from_its_own_file()
    {
        var dir = Directory.CreateTempSubdirectory("servicedesk-mail-pipe-").FullName;
        try
        {
            var tokenFile = System.IO.Path.Combine(dir, "token");
            await File.WriteAllTextAsync(tokenFile, Token + "\n");
            var config = System.IO.Path.Combine(dir, "mail-pipe.conf");
            await File.WriteAllTextAsync(config, $"""
                # written by the MSP's admin
                SERVICEDESK_URL = "{_url}/"
                SERVICEDESK_MAIL_TOKEN_FILE={tokenFile}
                """);
            var message = Message();

            var (exit, error) = await PipeAsync(message, new() { ["SERVICEDESK_MAIL_PIPE_CONF"] = config });

            Assert.True(exit == 0, error);
            var received = Assert.Single(_received);
            Assert.Equal(message, received.Body);
            Assert.Equal($"Bearer {Token}", received.Authorization);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task Missing_token_exits_75_without_calling_intake()
    {
        var (exit, error) = await PipeAsync(Message(), new() { ["SERVICEDESK_URL"] = _url, ["SERVICEDESK_MAIL_TOKEN_FILE"] = "/nonexistent/token" });

        Assert.Equal(75, exit);
        Assert.Contains("no token", error);
        Assert.Empty(_received);
    }

    /// <summary>Runs the script as the MTA would: the message on stdin, a clean environment plus <paramref name="environment"/>.</summary>
    private static async Task<(int Exit, string Error)> PipeAsync(byte[] message, Dictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(Script) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/local/bin:/usr/bin:/bin";
        start.Environment["SERVICEDESK_MAIL_PIPE_CONF"] = "/nonexistent/mail-pipe.conf"; // never the machine's own
        foreach (var (key, value) in environment) start.Environment[key] = value;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not run {Script}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        try
        {
            await process.StandardInput.BaseStream.WriteAsync(message);
            process.StandardInput.Close();
        }
        catch (IOException)
        {
            // Broken pipe: the script gave up before reading the message (e.g. no token), as an MTA would also see.
        }
        using var timeout = new CancellationTokenSource(Eventually.DefaultLimit);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await error + await output);
    }

    /// <summary>CRLF lines, 8-bit text, trailing spaces, a lone dot and no final newline: the script must not touch any of it.</summary>
    private static byte[] Message() => Encoding.UTF8.GetBytes($"""
        From: Bob Client <bob@client.example>
        To: support@msp.example
        Subject: Drucker druckt nicht
        Message-ID: <{Guid.NewGuid():N}@client.example>
        Content-Type: text/plain; charset=utf-8
        Content-Transfer-Encoding: 8bit

        Grüße,
        line with trailing spaces   
        .
        last line without newline
        """.ReplaceLineEndings("\r\n"));

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "ServiceDesk.slnx"))) return dir.FullName;
        throw new InvalidOperationException("ServiceDesk.slnx not found above the test binaries.");
    }
}
