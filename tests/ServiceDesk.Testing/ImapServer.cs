using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Imap;
using MailKit.Security;

namespace ServiceDesk.Testing;

/// <summary>
/// A real IMAP server on 127.0.0.1: Debian's dovecot (package dovecot-imapd) in the foreground, with its
/// configuration, Maildirs, sockets and log in a temporary directory. Plaintext login, no TLS (loopback only).
/// </summary>
public sealed class ImapServer : IAsyncDisposable
{
    private const string Dovecot = "/usr/sbin/dovecot";
    public const string Host = "127.0.0.1";

    private readonly Process _process;
    private readonly string _root;
    private readonly StringBuilder _output = new();

    private ImapServer(Process process, string root, int port, IReadOnlyList<string> users)
    {
        _process = process;
        _root = root;
        Port = port;
        Users = users;
    }

    public int Port { get; }

    /// <summary>The accounts, each with <see cref="PasswordOf"/> as its password.</summary>
    public IReadOnlyList<string> Users { get; }

    public static string PasswordOf(string user) => $"{user}-imap-password";

    /// <param name="users">Accounts to create (default: "support").</param>
    /// <param name="basicImap4">
    /// Advertise bare IMAP4rev1 only (no IDLE, MOVE, UIDPLUS...), like an old or minimal server, so clients take
    /// their fallback paths. Dovecot still understands the commands; it just does not offer them.
    /// </param>
    public static async Task<ImapServer> StartAsync(IEnumerable<string>? users = null, bool basicImap4 = false)
    {
        if (!File.Exists(Dovecot))
            throw new InvalidOperationException($"{Dovecot} not found: install dovecot-imapd (scripts/infra.sh does).");

        var accounts = users?.ToList() ?? ["support"];
        var root = Directory.CreateTempSubdirectory("servicedesk-imap-").FullName;
        var port = Ports.Free();
        File.WriteAllLines(Path.Combine(root, "users"), accounts.Select(user => $"{user}:{{PLAIN}}{PasswordOf(user)}::::::"));
        var config = Path.Combine(root, "dovecot.conf");
        File.WriteAllText(config, Config(root, port, basicImap4));

        var start = new ProcessStartInfo(Dovecot) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-F", "-c", config }) start.ArgumentList.Add(arg);
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dovecot.");
        var server = new ImapServer(process, root, port, accounts);
        // Drained continuously so that a chatty server can never block on a full pipe.
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        try
        {
            await Eventually.TrueAsync(async () =>
            {
                if (process.HasExited)
                    throw new InvalidOperationException($"dovecot exited ({process.ExitCode}):\n{server.Log()}");
                using var client = new TcpClient();
                await client.ConnectAsync(Host, port);
                return true;
            }, "the IMAP server to listen", explain: server.Log);
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>A client logged in as <paramref name="user"/>, as a mail program would be.</summary>
    public async Task<ImapClient> ConnectAsync(string? user = null, CancellationToken cancellationToken = default)
    {
        user ??= Users[0];
        var client = new ImapClient();
        await client.ConnectAsync(Host, Port, SecureSocketOptions.None, cancellationToken);
        await client.AuthenticateAsync(user, PasswordOf(user), cancellationToken);
        return client;
    }

    /// <summary>What dovecot logged so far (its own log file and anything it printed), for failure messages.</summary>
    public string Log()
    {
        var file = Path.Combine(_root, "dovecot.log");
        lock (_output)
            return (File.Exists(file) ? File.ReadAllText(file) : "") + _output;
    }

    private void Append(string? line)
    {
        if (line is null) return;
        lock (_output) _output.AppendLine(line);
    }

    private static string Config(string root, int port, bool basicImap4)
    {
        // Dovecot refuses to run mail processes as root (uid 0) and its login processes as root. As root we run
        // mail as nobody (so the tree must be traversable and the mail folder writable), logins as dovenull
        // (created by dovecot-core); as any other user, everything runs as that user (dovecot's rootless mode).
        var (uid, gid) = CurrentIds();
        var asRoot = uid == 0;
        var mail = Directory.CreateDirectory(Path.Combine(root, "mail")).FullName;
        Directory.CreateDirectory(Path.Combine(root, "run"));
        Directory.CreateDirectory(Path.Combine(root, "state"));
        if (asRoot && !OperatingSystem.IsWindows()) // (dovecot: Linux only anyway)
        {
            File.SetUnixFileMode(root, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
            File.SetUnixFileMode(mail, (UnixFileMode)0b111_111_111);
        }
        var internalUser = asRoot ? "root" : Environment.UserName;
        var loginUser = asRoot ? "dovenull" : Environment.UserName;
        var mailIds = asRoot ? "uid=nobody gid=nogroup" : $"uid={uid} gid={gid}";
        var capability = basicImap4 ? "imap_capability = IMAP4rev1" : "";

        return $$"""
            protocols = imap
            listen = {{Host}}
            base_dir = {{root}}/run
            state_dir = {{root}}/state
            log_path = {{root}}/dovecot.log
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain login
            mail_location = maildir:{{mail}}/%u
            default_internal_user = {{internalUser}}
            default_internal_group = {{(asRoot ? "root" : gid.ToString())}}
            default_login_user = {{loginUser}}
            {{capability}}
            passdb {
              driver = passwd-file
              args = scheme=PLAIN username_format=%u {{root}}/users
            }
            userdb {
              driver = static
              args = {{mailIds}} home={{mail}}/%u
            }
            # No chroots: a non-root dovecot cannot chroot, and as root the tree is traversable anyway.
            service imap-login {
              chroot =
              inet_listener imap {
                address = {{Host}}
                port = {{port}}
              }
              inet_listener imaps {
                port = 0
              }
            }
            service anvil {
              chroot =
            }
            """;
    }

    /// <summary>The effective uid and gid, from /proc (no P/Invoke needed).</summary>
    private static (int Uid, int Gid) CurrentIds()
    {
        var status = File.ReadAllLines("/proc/self/status");
        int Field(string name) => int.Parse(status.First(line => line.StartsWith(name + ":")).Split('\t', StringSplitOptions.RemoveEmptyEntries)[2]);
        return (Field("Uid"), Field("Gid"));
    }

    public async ValueTask DisposeAsync()
    {
        // The master and the login, auth and imap processes it forked: all ours.
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        Directory.Delete(_root, recursive: true);
    }
}
