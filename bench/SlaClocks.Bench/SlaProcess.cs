using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;

namespace SlaClocks.Bench;

/// <summary>One look at the sla process's memory, from /proc (kB → MiB).</summary>
/// <param name="Rss">VmRSS: everything resident.</param>
/// <param name="Anonymous">RssAnon: the GC heap, native allocations, stacks (not the mapped assemblies).</param>
/// <param name="GcHeap">Resident pages of the GC's reserved address range (the managed heap as the OS sees it), or NaN.</param>
public readonly record struct MemorySample(DateTimeOffset At, double Rss, double Anonymous, double GcHeap, double LoadAverage);

/// <summary>
/// sla as its own process, from its Release build output (<c>dotnet Sla.Api.dll</c>) and configured by environment
/// variables, bound to 127.0.0.1 on a free port, so that its memory is its own. Its output goes to a log file.
/// </summary>
public sealed class SlaProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private SlaProcess(Process process, StreamWriter log, Uri url, string logPath, bool serverGc)
    {
        _process = process;
        _log = log;
        Url = url;
        LogPath = logPath;
        ServerGc = serverGc;
    }

    public Uri Url { get; }
    public string LogPath { get; }
    public bool ServerGc { get; }
    public int Pid => _process.Id;

    public static async Task<SlaProcess> StartAsync(IReadOnlyDictionary<string, string> environment, string logPath, CancellationToken cancellationToken)
    {
        var output = Path.Combine(RepositoryRoot(), "services", "sla", "Sla.Api", "bin", Configuration(), "net10.0");
        var dll = Path.Combine(output, "Sla.Api.dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"{dll} is missing: build bench/SlaClocks.Bench (it builds sla) first.");
        using var runtimeConfig = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(output, "Sla.Api.runtimeconfig.json"), cancellationToken));
        var serverGc = runtimeConfig.RootElement.GetProperty("runtimeOptions").TryGetProperty("configProperties", out var properties)
            && properties.TryGetProperty("System.GC.Server", out var server) && server.GetBoolean();

        var url = new Uri($"http://127.0.0.1:{FreePort()}");
        var start = new ProcessStartInfo("dotnet") { WorkingDirectory = output, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(dll);
        // "Urls" (not ASPNETCORE_URLS): appsettings.json sets Urls, and only unprefixed variables override it.
        start.Environment["Urls"] = url.ToString();
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (log) log.WriteLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var sla = new SlaProcess(process, log, url, logPath, serverGc);
        try
        {
            await sla.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            await sla.DisposeAsync();
            throw;
        }
        return sla;
    }

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = TimeSpan.FromSeconds(10) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(3))
        {
            if (_process.HasExited) throw new InvalidOperationException($"sla exited with {_process.ExitCode}; see {LogPath}.");
            try
            {
                if ((await http.GetAsync(new Uri("/health/ready", UriKind.Relative), cancellationToken)).IsSuccessStatusCode) return;
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(500, cancellationToken);
        }
        throw new InvalidOperationException($"sla was not ready after 3 minutes; see {LogPath}.");
    }

    public bool HasExited => _process.HasExited;

    /// <summary>RSS and anonymous RSS from /proc/pid/status; the GC heap from /proc/pid/smaps (see <see cref="GcHeapMiB"/>).</summary>
    public MemorySample Sample()
    {
        double rss = double.NaN, anonymous = double.NaN;
        foreach (var line in File.ReadLines($"/proc/{Pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal)) rss = Kb(line) / 1024;
            else if (line.StartsWith("RssAnon:", StringComparison.Ordinal)) anonymous = Kb(line) / 1024;
        }
        var load = double.Parse(File.ReadAllText("/proc/loadavg").Split(' ')[0], CultureInfo.InvariantCulture);
        return new MemorySample(DateTimeOffset.UtcNow, rss, anonymous, GcHeapMiB(), load);
    }

    /// <summary>
    /// The GC (regions, .NET 7+) reserves one large range of address space (256 GiB here) and commits parts of it as the
    /// heap grows; /proc/pid/smaps lists that range as adjacent anonymous mappings (committed and reserved ones). The
    /// largest run of adjacent anonymous mappings is that range, and its resident pages are the managed heap's memory
    /// (including committed-but-free space the GC keeps, which is what the process pays for).
    /// </summary>
    private double GcHeapMiB()
    {
        try
        {
            var mappings = new List<(ulong Start, ulong End, bool Anonymous, double RssKb)>();
            foreach (var line in File.ReadLines($"/proc/{Pid}/smaps"))
            {
                var dash = line.IndexOf('-');
                if (dash is > 0 and < 17 && ulong.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, null, out var start))
                {
                    var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries);
                    var end = ulong.Parse(fields[0].AsSpan(dash + 1), NumberStyles.HexNumber);
                    mappings.Add((start, end, fields.Length < 6 || string.IsNullOrWhiteSpace(fields[5]), 0));
                }
                else if (line.StartsWith("Rss:", StringComparison.Ordinal) && mappings.Count > 0)
                {
                    mappings[^1] = mappings[^1] with { RssKb = Kb(line) };
                }
            }
            ulong bestSize = 0, runStart = 0, runEnd = 0;
            double bestRss = double.NaN, runRss = 0;
            foreach (var m in mappings.Where(m => m.Anonymous))
            {
                if (m.Start != runEnd) (runStart, runRss) = (m.Start, 0);
                runEnd = m.End;
                runRss += m.RssKb;
                if (runEnd - runStart > bestSize) (bestSize, bestRss) = (runEnd - runStart, runRss);
            }
            return bestRss / 1024;
        }
        catch (IOException)
        {
            return double.NaN;
        }
    }

    private static double Kb(string line) =>
        double.Parse(line.Split(':', 2)[1].Trim().Split(' ')[0], CultureInfo.InvariantCulture);

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ServiceDesk.slnx"))) return dir.FullName;
        throw new InvalidOperationException("ServiceDesk.slnx not found above " + AppContext.BaseDirectory);
    }

    /// <summary>Debug or Release, as this benchmark was built (bin/&lt;Configuration&gt;/net10.0).</summary>
    private static string Configuration() =>
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;

    /// <summary>Stops sla (the process this benchmark started, by its pid) and closes its log.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                await Console.Error.WriteLineAsync($"sla (pid {Pid}) did not exit within 30 s of SIGKILL.");
            }
        }
        _process.Dispose();
        lock (_log) _log.Dispose();
    }
}
