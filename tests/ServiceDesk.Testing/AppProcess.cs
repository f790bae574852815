using System.Collections.Concurrent;
using System.Diagnostics;

namespace ServiceDesk.Testing;

/// <summary>
/// One of the system's apps running as its own process from its build output, bound to 127.0.0.1 on a free port,
/// exactly as it runs in production (own telemetry pipeline, own bus connection).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly ProcessStartInfo _start;
    private readonly ConcurrentQueue<string> _output = new();
    private Process _process;
    private volatile bool _stopped;

    private AppProcess(string name, ProcessStartInfo start, Uri url)
    {
        Name = name;
        _start = start;
        Url = url;
        _process = Launch();
    }

    public string Name { get; }
    public Uri Url { get; }

    /// <summary>The running process's id (a new one after a restart), e.g. to read its CPU time.</summary>
    public int ProcessId => _process.Id;

    /// <summary>The last lines the app wrote, for failure messages.</summary>
    public string Output => string.Join('\n', _output);

    /// <param name="project">The project's path from the repository root, e.g. "services/intake/Intake.Api".</param>
    /// <param name="url">Where it listens; a free port when null. Given when other apps must be told the address before
    /// this one starts (apps that call each other through the gateway, <see cref="ReserveUrl"/>).</param>
    public static async Task<AppProcess> StartAsync(string project, IDictionary<string, string> environment, Uri? url = null)
    {
        var name = Path.GetFileName(project);
        var output = Path.Combine(Repository.Root, project, "bin", Repository.Configuration, "net10.0");
        var dll = Path.Combine(output, name + ".dll");
        if (!File.Exists(dll)) throw new FileNotFoundException($"Build {project} first: {dll} is missing.");

        url ??= ReserveUrl();
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = output,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.ArgumentList.Add(dll);
        start.Environment["Urls"] = url.ToString();
        foreach (var (key, value) in environment) start.Environment[key] = value;
        var app = new AppProcess(name, start, url);
        try
        {
            await app.WaitUntilReadyAsync();
        }
        catch
        {
            await app.DisposeAsync();
            throw;
        }
        return app;
    }

    /// <summary>An address on 127.0.0.1 whose port was free a moment ago, for an app started later.</summary>
    public static Uri ReserveUrl() => new($"http://127.0.0.1:{Ports.Free()}");

    /// <summary>SIGKILL, as a crash or the OOM killer would: no graceful shutdown, unacknowledged messages redelivered.</summary>
    public async Task KillAsync()
    {
        _stopped = true; // a test's kill stays killed until RestartAsync
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    /// <summary>Starts the app again with the same settings and port, and waits until it is ready.</summary>
    public async Task RestartAsync()
    {
        if (!_process.HasExited) await KillAsync();
        lock (_start)
        {
            _process.Dispose();
            _stopped = false;
            _process = Launch();
        }
        try
        {
            await WaitUntilReadyAsync();
        }
        catch (InvalidOperationException)
        {
            // As a supervisor's start-up probe would: an app that does not come up in time is killed and started
            // once more. Seen twice after kill -9 under load, stuck before connecting to RabbitMQ (see the README).
            Keep($"[test supervisor] {Name} did not become ready; starting it again");
            Restarts++;
            await KillAsync();
            lock (_start)
            {
                _process.Dispose();
                _stopped = false;
                _process = Launch();
            }
            await WaitUntilReadyAsync();
        }
    }

    /// <summary>How many times the app stopped by itself and was started again, as a supervisor would.</summary>
    public int Restarts { get; private set; }

    private Process Launch()
    {
        var process = new Process { StartInfo = _start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Keep(e.Data);
        process.ErrorDataReceived += (_, e) => Keep(e.Data);
        process.Exited += (_, _) => Supervise(process);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// Plays the supervisor (docker's restart policy, systemd): an app that exits by itself, e.g. stopped by its
    /// consumer watchdog, is started again, once it has exited.
    /// </summary>
    private void Supervise(Process exited)
    {
        lock (_start)
        {
            if (_stopped || exited != _process) return;
            Keep($"[test supervisor] {Name} exited with {exited.ExitCode}; starting it again");
            Restarts++;
            _process = Launch();
        }
    }

    /// <summary>
    /// A start-up probe's allowance. A restart under load is slow, not stuck: on a busy 2-core machine a restarted app
    /// was measured spending 8-12 s opening its first database connection, 11-17 s migrating, and then answering
    /// /health/ready in more than 2 s while it worked through its backlog. Probes that gave up after 2 s each and 60 s in
    /// all took that for a hang (README, known gaps).
    /// </summary>
    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromSeconds(10), StartDeadline = TimeSpan.FromMinutes(3);

    private async Task WaitUntilReadyAsync()
    {
        using var http = new HttpClient { BaseAddress = Url, Timeout = ProbeTimeout };
        var started = Stopwatch.StartNew();
        try
        {
            await Eventually.TrueAsync(async () =>
            {
                if (_process.HasExited) throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}.");
                return (await http.GetAsync(new Uri("/health/ready", UriKind.Relative))).IsSuccessStatusCode;
            }, $"{Name} to be ready", StartDeadline);
            Keep($"[test supervisor] {Name} ready after {started.Elapsed.TotalSeconds:F1} s");
        }
        catch (Exception e)
        {
            throw new InvalidOperationException($"{Name} did not become ready in {started.Elapsed.TotalSeconds:F0} s. Its output:\n{Output}", e);
        }
    }

    /// <summary>Where every app writes its whole output too, when set (for diagnosing a failed run).</summary>
    private static readonly string? LogDirectory = Environment.GetEnvironmentVariable("SERVICEDESK_TEST_LOG_DIR");

    private StreamWriter? _log;

    private void Keep(string? line)
    {
        if (line is null) return;
        if (LogDirectory is not null)
            lock (_output)
            {
                // One open file per app rather than an open, append and close per line: a broker outage makes every app
                // print long stack traces, and the test process must keep draining their output or they block on it.
                _log ??= new StreamWriter(Path.Combine(LogDirectory, $"{Name}-{Url.Port}.log"), append: true) { AutoFlush = true };
                _log.WriteLine(line);
            }
        _output.Enqueue(line);
        while (_output.Count > 200) _output.TryDequeue(out _);
    }

    public async ValueTask DisposeAsync()
    {
        _stopped = true;
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
        lock (_output)
        {
            _log?.Dispose();
            _log = null;
        }
    }
}

public static class Repository
{
    /// <summary>The folder holding ServiceDesk.slnx, found upwards from the test's output folder.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>Debug or Release: the apps are run from the same configuration the tests were built in.</summary>
    public static string Configuration { get; } =
        new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name; // bin/<Configuration>/net10.0

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ServiceDesk.slnx"))) return dir.FullName;
        throw new InvalidOperationException("ServiceDesk.slnx not found above " + AppContext.BaseDirectory);
    }
}
