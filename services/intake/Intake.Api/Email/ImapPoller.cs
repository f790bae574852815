using System.Diagnostics;
using MailKit;
using MailKit.Net.Imap;
using MailKit.Search;
using Microsoft.Extensions.Options;
using Telemetry = ServiceDesk.Platform.Telemetry;

namespace Intake.Api.Email;

/// <summary>
/// Reads the support mailbox over IMAP: every message in <see cref="ImapOptions.Folder"/> is handed, as raw bytes, to
/// <see cref="IRawMailSink"/> and only once that returned (stored durably) moved to <see cref="ImapOptions.ProcessedFolder"/>.
/// Nothing is lost: a message that fails stays where it is and is retried; a crash between storing and moving stores it
/// a second time on the next run, which the sink deduplicates by Message-ID. Waits for mail with IDLE where the server
/// offers it, else polls.
/// </summary>
public sealed class ImapPoller(
    IOptions<ImapOptions> options,
    IServiceScopeFactory scopes,
    TimeProvider clock,
    ILogger<ImapPoller> logger) : BackgroundService
{
    /// <summary>RFC 3501 lets servers drop a client idle for 30 minutes (RFC 2177: re-issue IDLE within 29); many NATs forget sooner.</summary>
    internal static readonly TimeSpan IdleRestart = TimeSpan.FromMinutes(9);

    private static readonly TimeSpan FirstBackoff = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    private readonly ImapOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            logger.LogInformation("IMAP intake is off ({Section}:Enabled is false)", ImapOptions.Section);
            return;
        }

        var backoff = FirstBackoff;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                using var client = new ImapClient();
                await client.ConnectAsync(_options.Host, _options.Port, _options.UseTls, stoppingToken);
                await client.AuthenticateAsync(_options.Username, _options.Password, stoppingToken);
                var (folder, processed) = await OpenAsync(client, stoppingToken);
                backoff = FirstBackoff;
                await WatchAsync(client, folder, processed, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                // Connection lost, server restarting, password changed: keep trying (with backoff) rather than
                // stop the service; mail waits safely in the mailbox meanwhile.
                logger.LogWarning(e, "IMAP session with {Host}:{Port} failed; reconnecting in {Delay}", _options.Host, _options.Port, backoff);
                try
                {
                    await Task.Delay(backoff, clock, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));
            }
        }
    }

    private async Task<(IMailFolder Folder, IMailFolder Processed)> OpenAsync(ImapClient client, CancellationToken cancellationToken)
    {
        var folder = await client.GetFolderAsync(_options.Folder, cancellationToken);
        var processed = await ProcessedFolderAsync(client, cancellationToken);
        await folder.OpenAsync(FolderAccess.ReadWrite, cancellationToken);
        logger.LogInformation("Reading {User}@{Host} {Folder} (IDLE {Idle}, MOVE {Move})", _options.Username, _options.Host,
            folder.FullName, client.Capabilities.HasFlag(ImapCapabilities.Idle), client.Capabilities.HasFlag(ImapCapabilities.Move));
        return (folder, processed);
    }

    private async Task WatchAsync(ImapClient client, IMailFolder folder, IMailFolder processed, CancellationToken cancellationToken)
    {
        // Any EXISTS (or EXPUNGE), whichever command's response it comes with. One that comes with the last, empty
        // SEARCH is not repeated once IDLE starts, so waiting in IDLE would sleep through that message.
        var changed = false;
        CancellationTokenSource? idle = null;
        folder.CountChanged += (_, _) =>
        {
            changed = true;
            idle?.Cancel(); // ends IDLE with DONE, keeping the session
        };
        // PollInterval also bounds IDLE: it retries messages that failed, and covers a server that does not report
        // new mail promptly.
        var wait = TimeSpan.FromTicks(Math.Min(IdleRestart.Ticks, _options.PollInterval.Ticks));
        while (true)
        {
            changed = false;
            await DrainAsync(client, folder, processed, cancellationToken);
            if (changed) continue; // look again before waiting
            if (!client.Capabilities.HasFlag(ImapCapabilities.Idle))
            {
                await Task.Delay(_options.PollInterval, clock, cancellationToken);
                continue;
            }
            idle = new CancellationTokenSource(wait, clock);
            try
            {
                await client.IdleAsync(idle.Token, cancellationToken); // cancellationToken (shutdown) drops the session
            }
            finally
            {
                var ended = idle;
                idle = null;
                ended.Dispose();
            }
        }
    }

    /// <summary>Stores and moves every message in the folder; those that fail stay there for the next cycle.</summary>
    private async Task DrainAsync(ImapClient client, IMailFolder folder, IMailFolder processed, CancellationToken cancellationToken)
    {
        var failed = new HashSet<UniqueId>();
        while (true)
        {
            // Searching again after each batch picks up mail that arrived meanwhile, so none waits for IDLE to report it.
            // \Deleted ones are on their way out (someone deleted them, or our COPY fallback did and the EXPUNGE failed).
            var pending = (await folder.SearchAsync(SearchQuery.NotDeleted, cancellationToken)).Where(uid => !failed.Contains(uid)).ToList();
            if (pending.Count == 0) return;
            foreach (var uid in pending)
            {
                if (!await StoreAsync(folder, uid, cancellationToken))
                {
                    failed.Add(uid);
                    continue;
                }
                // Only now that it is stored. A crash right here leaves it in the folder and it is stored again
                // next time: the sink deduplicates by Message-ID, so nothing is lost and nothing doubled.
                await MoveAsync(client, folder, uid, processed, cancellationToken);
            }
        }
    }

    private async Task<bool> StoreAsync(IMailFolder folder, UniqueId uid, CancellationToken cancellationToken)
    {
        using var activity = Telemetry.Source.StartActivity("imap store", ActivityKind.Consumer);
        activity?.SetTag(Telemetry.Channel, "email");
        activity?.SetTag("server.address", _options.Host);
        activity?.SetTag("imap.uid", uid.Id);
        // Fetched whole and unparsed: the sink keeps the exact bytes, so a parser bug never loses a message.
        // (An IMAP failure here ends the session and reconnects; only the sink's failures are handled per message.)
        using var raw = await folder.GetStreamAsync(uid, cancellationToken);
        try
        {
            await using var scope = scopes.CreateAsyncScope(); // the sink may be scoped (it writes to a DbContext)
            await scope.ServiceProvider.GetRequiredService<IRawMailSink>().StoreAsync(raw, Source(folder, uid), cancellationToken);
            return true;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.Message);
            logger.LogError(e, "Could not store IMAP message UID {Uid} from {Folder}; it stays there and is retried in {Delay}",
                uid.Id, folder.FullName, _options.PollInterval);
            return false;
        }
    }

    private static async Task MoveAsync(ImapClient client, IMailFolder folder, UniqueId uid, IMailFolder processed, CancellationToken cancellationToken)
    {
        if (client.Capabilities.HasFlag(ImapCapabilities.Move))
        {
            await folder.MoveToAsync(uid, processed, cancellationToken);
            return;
        }
        await folder.CopyToAsync(uid, processed, cancellationToken);
        await folder.StoreAsync(uid, new StoreFlagsRequest(StoreAction.Add, MessageFlags.Deleted) { Silent = true }, cancellationToken);
        // With UIDPLUS only this message goes; without it EXPUNGE also removes whatever else a user marked \Deleted,
        // which is what they asked for anyway.
        if (client.Capabilities.HasFlag(ImapCapabilities.UidPlus))
            await folder.ExpungeAsync([uid], cancellationToken);
        else
            await folder.ExpungeAsync(cancellationToken);
    }

    private async Task<IMailFolder> ProcessedFolderAsync(ImapClient client, CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetFolderAsync(_options.ProcessedFolder, cancellationToken);
        }
        catch (FolderNotFoundException)
        {
            var root = client.GetFolder(client.PersonalNamespaces[0]);
            var created = await root.CreateAsync(_options.ProcessedFolder, isMessageFolder: true, cancellationToken)
                ?? throw new InvalidOperationException($"The IMAP server did not create {_options.ProcessedFolder}.");
            await created.SubscribeAsync(cancellationToken); // so that people can see it in their mail programs
            logger.LogInformation("Created IMAP folder {Folder} for processed mail", created.FullName);
            return created;
        }
    }

    /// <summary>An IMAP URL (RFC 5092) naming the message, for the audit trail.</summary>
    private string Source(IMailFolder folder, UniqueId uid) =>
        $"imap://{Uri.EscapeDataString(_options.Username)}@{_options.Host}:{_options.Port}/{Uri.EscapeDataString(folder.FullName)};UIDVALIDITY={folder.UidValidity}/;UID={uid.Id}";
}
