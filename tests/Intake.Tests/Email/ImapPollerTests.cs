using System.Collections.Concurrent;
using System.Text;
using Intake.Api.Email;
using MailKit;
using MailKit.Net.Imap;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MimeKit;
using ServiceDesk.Testing;
using Xunit;

namespace Intake.Tests.Email;

/// <summary>The IMAP poller against a real dovecot, with an in-memory sink in place of the database.</summary>
public sealed class ImapPollerTests : IAsyncLifetime
{
    private const string User = "support";
    private ImapServer _server = null!;
    private readonly MemorySink _sink = new();
    private IHost? _host;

    public async Task InitializeAsync() => _server = await ImapServer.StartAsync([User]);

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Every_message_reaches_the_sink_once_with_its_exact_bytes_and_moves_to_Processed()
    {
        byte[][] sent = [Message("printer on fire"), Message("VPN down, with attachment", attachment: true), Message("Ümlaut im Betreff, 8-bit body")];
        foreach (var message in sent) await AppendAsync(message);

        await StartPollerAsync();

        await Eventually.TrueAsync(async () => await CountAsync("Processed") == sent.Length, "every message to move to Processed", explain: _server.Log);
        Assert.Equal(0, await CountAsync("INBOX"));
        Assert.Equal(Ids(sent), Ids(_sink.Stored.Select(stored => stored.Raw)).Order());
        foreach (var message in sent)
            Assert.Equal(message, Assert.Single(_sink.Stored, stored => stored.Raw.AsSpan().SequenceEqual(message)).Raw);
        Assert.All(_sink.Stored, stored => Assert.StartsWith($"imap://{User}@{ImapServer.Host}:{_server.Port}/INBOX;UIDVALIDITY=", stored.Source));
        // What the MSP sees in the Processed folder is the same mail, untouched.
        Assert.Equal(Ids(sent), Ids(await RawMessagesAsync("Processed")).Order());
    }

    [Fact]
    public async Task A_message_the_sink_cannot_store_stays_in_the_inbox_and_is_retried_until_stored()
    {
        _sink.Failing = true; // the database is down
        var message = Message("server room too hot");
        await AppendAsync(message);

        await StartPollerAsync(pollInterval: TimeSpan.FromMilliseconds(500));

        await Eventually.TrueAsync(() => Task.FromResult(_sink.Attempts >= 2), "the poller to try the message again", explain: _server.Log);
        Assert.Empty(_sink.Stored);
        Assert.Equal(1, await CountAsync("INBOX"));
        Assert.Equal(0, await CountAsync("Processed"));

        _sink.Failing = false; // the database is back

        await Eventually.TrueAsync(async () => await CountAsync("Processed") == 1, "the message to move once stored", explain: _server.Log);
        Assert.Equal(message, Assert.Single(_sink.Stored).Raw);
        Assert.Equal(0, await CountAsync("INBOX"));
    }

    [Fact]
    public async Task A_message_arriving_while_the_poller_idles_is_picked_up_through_IDLE()
    {
        // Polling alone would take ten minutes: only IDLE can make this prompt.
        await StartPollerAsync(pollInterval: TimeSpan.FromMinutes(10));
        var first = Message("first");
        await AppendAsync(first);
        await Eventually.TrueAsync(async () => await CountAsync("Processed") == 1, "the first message to be processed", explain: _server.Log);

        var second = Message("second, while idle");
        await AppendAsync(second);

        await Eventually.TrueAsync(async () => await CountAsync("Processed") == 2, "the second message to be processed", explain: _server.Log);
        Assert.Equal(Ids([first, second]), Ids(_sink.Stored.Select(stored => stored.Raw)).Order());
    }

    [Fact]
    public async Task On_a_server_without_IDLE_or_MOVE_the_poller_polls_and_copies_then_expunges()
    {
        await _server.DisposeAsync();
        _server = await ImapServer.StartAsync([User], basicImap4: true);
        byte[][] sent = [Message("old server one"), Message("old server two")];
        foreach (var message in sent) await AppendAsync(message);

        await StartPollerAsync(pollInterval: TimeSpan.FromMilliseconds(500));

        await Eventually.TrueAsync(async () => await CountAsync("Processed") == 2, "both messages to be copied to Processed", explain: _server.Log);
        await Eventually.TrueAsync(async () => await CountAsync("INBOX") == 0, "INBOX to be expunged", explain: _server.Log);
        var late = Message("arrives later, found by polling");
        await AppendAsync(late);
        await Eventually.TrueAsync(async () => await CountAsync("Processed") == 3, "the late message to be processed", explain: _server.Log);
        Assert.Equal(Ids([.. sent, late]), Ids(_sink.Stored.Select(stored => stored.Raw)).Order());
    }

    [Fact]
    public async Task Enabled_without_a_host_fails_at_start_up_naming_the_key()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Email:Imap:Enabled"] = "true", ["Email:Imap:Username"] = User });
        builder.AddImapPoller();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains("Email:Imap:Host is required", error.Message);
        Assert.Contains("Email:Imap:Password is required", error.Message);
    }

    private async Task StartPollerAsync(TimeSpan? pollInterval = null)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Email:Imap:Enabled"] = "true",
            ["Email:Imap:Host"] = ImapServer.Host,
            ["Email:Imap:Port"] = _server.Port.ToString(),
            ["Email:Imap:UseTls"] = "None",
            ["Email:Imap:Username"] = User,
            ["Email:Imap:Password"] = ImapServer.PasswordOf(User),
            ["Email:Imap:PollInterval"] = (pollInterval ?? TimeSpan.FromSeconds(60)).ToString(),
        });
        builder.AddImapPoller();
        builder.Services.AddSingleton<IRawMailSink>(_sink);
        _host = builder.Build();
        await _host.StartAsync();
    }

    /// <summary>Delivers a message to INBOX as a mail program (or the provider's MTA) would.</summary>
    private async Task AppendAsync(byte[] raw)
    {
        using var client = await _server.ConnectAsync(User);
        await client.Inbox.AppendAsync(new AppendRequest(MimeMessage.Load(new MemoryStream(raw))));
        await client.DisconnectAsync(quit: true);
    }

    private async Task<int> CountAsync(string folderName)
    {
        using var client = await _server.ConnectAsync(User);
        var folder = await client.GetFolderAsync(folderName); // Processed: throws until the poller created it
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var count = folder.Count;
        await client.DisconnectAsync(quit: true);
        return count;
    }

    private async Task<List<byte[]>> RawMessagesAsync(string folderName)
    {
        using var client = await _server.ConnectAsync(User);
        var folder = await client.GetFolderAsync(folderName);
        await folder.OpenAsync(FolderAccess.ReadOnly);
        var messages = new List<byte[]>();
        for (var index = 0; index < folder.Count; index++)
        {
            using var stream = await folder.GetStreamAsync(index);
            using var copy = new MemoryStream();
            await stream.CopyToAsync(copy);
            messages.Add(copy.ToArray());
        }
        await client.DisconnectAsync(quit: true);
        return messages;
    }

    private static List<string> Ids(IEnumerable<byte[]> messages) =>
        [.. messages.Select(raw => MimeMessage.Load(new MemoryStream(raw)).MessageId ?? "(none)").Order()];

    /// <summary>A message as a client's mail program writes it: CRLF lines, folded headers, 8-bit text, optional attachment.</summary>
    private static byte[] Message(string subject, bool attachment = false)
    {
        var id = $"{Guid.NewGuid():N}@client.example";
        var body = attachment
            ? $"""
              MIME-Version: 1.0
              Content-Type: multipart/mixed; boundary="b1"

              --b1
              Content-Type: text/plain; charset=utf-8
              Content-Transfer-Encoding: 8bit

              Hallo, bitte prüfen. Log attached.
              --b1
              Content-Type: application/octet-stream; name="vpn.log"
              Content-Disposition: attachment; filename="vpn.log"
              Content-Transfer-Encoding: base64

              {Convert.ToBase64String(Encoding.UTF8.GetBytes("tunnel down at 09:14\n"))}
              --b1--
              """
            : """
              MIME-Version: 1.0
              Content-Type: text/plain; charset=utf-8
              Content-Transfer-Encoding: 8bit

              Grüße from the front desk.
              """;
        var text = $"""
            From: Alice Client <alice@client.example>
            To: support@msp.example
            Subject: =?utf-8?q?{Uri.EscapeDataString(subject).Replace('%', '=')}?=
            Message-ID: <{id}>
            Date: Mon, 03 Mar 2025 09:15:00 +0100
            Received: from client.example by msp.example;
             Mon, 03 Mar 2025 09:15:01 +0100
            {body}

            """;
        return Encoding.UTF8.GetBytes(text.ReplaceLineEndings("\r\n"));
    }

    private sealed class MemorySink : IRawMailSink
    {
        private int _attempts;

        public ConcurrentQueue<(byte[] Raw, string Source)> Stored { get; } = new();
        public volatile bool Failing;
        public int Attempts => Volatile.Read(ref _attempts);

        public async Task StoreAsync(Stream raw, string source, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _attempts);
            using var copy = new MemoryStream();
            await raw.CopyToAsync(copy, cancellationToken);
            if (Failing) throw new IOException("The database is unavailable.");
            Stored.Enqueue((copy.ToArray(), source));
        }
    }
}
