using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;

namespace Load.Bench;

/// <summary>What the gateway answered at one load: how many it accepted, how fast, and how many it turned away.</summary>
public sealed record AcceptResult(string Load, int Accepted, int Refused, int Failed, TimeSpan Elapsed, double[] LatenciesMs)
{
    public double AcceptedPerSecond => Accepted / Elapsed.TotalSeconds;
}

/// <summary>
/// Sends web requests through the gateway as a client user, either at a fixed concurrency (each connection sends its
/// next request when the last one is answered) or at a fixed offered rate (requests leave on schedule whatever the
/// answers do; latency counts from the scheduled time, so a slow answer cannot hide the requests queued behind it).
/// </summary>
public sealed class Driver(SystemUnderTest system, Stopwatch clock) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(10), MaxConnectionsPerServer = 256 })
    {
        BaseAddress = system.Gateway,
        Timeout = TimeSpan.FromSeconds(30),
        DefaultRequestHeaders = { Authorization = new AuthenticationHeaderValue("Bearer", system.Token) },
    };
    private int _sequence;

    public async Task<AcceptResult> AtConcurrencyAsync(int connections, int requests, Tracker tracker)
    {
        var latencies = new List<double>(requests);
        var refused = 0;
        var failed = 0;
        var remaining = requests;
        var started = clock.Elapsed;
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                var outcome = await SendAsync(clock.Elapsed, tracker);
                lock (latencies)
                {
                    if (outcome.Accepted) latencies.Add(outcome.LatencyMs);
                    else if (outcome.Refused) refused++;
                    else failed++;
                }
            }
        }));
        return new AcceptResult($"{connections} connections", latencies.Count, refused, failed, clock.Elapsed - started, [.. latencies]);
    }

    public async Task<AcceptResult> AtRateAsync(double perSecond, TimeSpan duration, Tracker tracker)
    {
        var count = (int)(perSecond * duration.TotalSeconds);
        var started = clock.Elapsed;
        var sends = new List<Task<Outcome>>(count);
        for (var i = 0; i < count; i++)
        {
            var due = started + TimeSpan.FromSeconds(i / perSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.Zero) await Task.Delay(wait);
            sends.Add(SendAsync(due, tracker));
        }
        var outcomes = await Task.WhenAll(sends);
        return new AcceptResult($"{perSecond:0.#} req/s offered", outcomes.Count(o => o.Accepted), outcomes.Count(o => o.Refused),
            outcomes.Count(o => o is { Accepted: false, Refused: false }), clock.Elapsed - started,
            [.. outcomes.Where(o => o.Accepted).Select(o => o.LatencyMs)]);
    }

    private readonly record struct Outcome(bool Accepted, bool Refused, double LatencyMs);

    private async Task<Outcome> SendAsync(TimeSpan scheduled, Tracker tracker)
    {
        var n = Interlocked.Increment(ref _sequence);
        try
        {
            using var response = await _http.PostAsJsonAsync("/api/requests", new
            {
                contactEmail = system.ContactEmail,
                subject = $"Load bench request {n}",
                description = "Sent by bench/Load.Bench to measure the system end to end.",
            });
            var at = clock.Elapsed;
            var latency = (at - scheduled).TotalMilliseconds;
            if (response.StatusCode == HttpStatusCode.Accepted)
            {
                var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
                tracker.Accepted(id, at);
                return new Outcome(true, false, latency);
            }
            // Turned away on purpose (rate limit, overload policy): the client is told to come back, nothing is lost.
            if (response.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable) return new Outcome(false, true, latency);
            await Console.Error.WriteLineAsync($"Request {n}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            return new Outcome(false, false, latency);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            await Console.Error.WriteLineAsync($"Request {n}: {e.Message}");
            return new Outcome(false, false, 0);
        }
    }

    public void Dispose() => _http.Dispose();
}
