using System.Collections.Concurrent;
using System.Net;
using System.Text;
using System.Text.Json;

namespace ServiceDesk.Testing;

/// <summary>One request Twilio's REST API received.</summary>
public sealed record TwilioRequest(string Resource, string To, IReadOnlyDictionary<string, string> Form, string? Authorization, string? Sid);

/// <summary>
/// A local stand-in for Twilio's REST API on 127.0.0.1 (a free port): creates Messages and Calls, answering with a sid
/// as Twilio does, records every request, and answers a number with the status codes a test queued for it (e.g. 503
/// twice) before succeeding.
/// </summary>
public sealed class FakeTwilio : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<TwilioRequest> _requests = new();
    private readonly ConcurrentDictionary<string, ConcurrentQueue<int>> _answers = new();
    private readonly ConcurrentDictionary<string, int> _always = new();
    private readonly Task _loop;

    public FakeTwilio()
    {
        Port = ServiceDesk.Testing.Ports.Free();
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public int Port { get; }
    public string BaseUrl => $"http://127.0.0.1:{Port}/";

    public IReadOnlyList<TwilioRequest> Requests(string to) => [.. _requests.Where(r => r.To == to)];

    /// <summary>The next requests to <paramref name="to"/> are answered with these codes, in order; then 201.</summary>
    public void Answer(string to, params int[] statusCodes) => _answers[to] = new ConcurrentQueue<int>(statusCodes);

    /// <summary>
    /// Runs before Twilio answers a successful create (as a fast network can deliver a status callback before the
    /// creating request's answer arrives): the request with the sid it is about to return.
    /// </summary>
    public Func<TwilioRequest, Task>? BeforeAnswer { get; set; }

    /// <summary>Every request to <paramref name="to"/> is answered with <paramref name="statusCode"/>.</summary>
    public void AlwaysAnswer(string to, int statusCode) => _always[to] = statusCode;

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return;
            }
            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var form = System.Web.HttpUtility.ParseQueryString(await reader.ReadToEndAsync());
            var fields = form.AllKeys.Where(k => k is not null).ToDictionary(k => k!, k => form[k]!);
            var path = context.Request.Url!.AbsolutePath;
            var resource = path.EndsWith("/Calls.json", StringComparison.Ordinal) ? "Calls" : "Messages";
            var to = fields.GetValueOrDefault("To", "");
            var status = _always.TryGetValue(to, out var always) ? always
                : _answers.TryGetValue(to, out var queued) && queued.TryDequeue(out var next) ? next : 201;
            string? sid = status == 201 ? (resource == "Calls" ? "CA" : "SM") + Guid.NewGuid().ToString("N") : null;
            var request = new TwilioRequest(resource, to, fields, context.Request.Headers["Authorization"], sid);
            _requests.Enqueue(request);
            if (sid is not null && BeforeAnswer is { } before) await before(request);

            var body = sid is not null
                ? JsonSerializer.Serialize(new { sid, status = "queued", to })
                : JsonSerializer.Serialize(new { code = status == 400 ? 21211 : 20500, message = status == 400 ? "The 'To' number is not valid." : "Internal error", status });
            var bytes = Encoding.UTF8.GetBytes(body);
            context.Response.StatusCode = status;
            context.Response.ContentType = "application/json";
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        _listener.Close();
        await _loop;
    }
}
