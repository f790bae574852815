using System.Collections.Concurrent;
using System.Net;

namespace Notify.Tests;

/// <summary>One POST an integrator received: its signature headers and raw body.</summary>
public sealed record ReceivedWebhook(string? Signature, string? Timestamp, string? Delivery, byte[] Body);

/// <summary>An integrator's endpoint on 127.0.0.1 (a free port) that records what notify posts to it and answers 204.</summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedWebhook> _received = new();
    private readonly Task _loop;

    public WebhookReceiver()
    {
        var port = ServiceDesk.Testing.Ports.Free();
        Url = $"http://127.0.0.1:{port}/hooks/";
        _listener.Prefixes.Add(Url);
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    public string Url { get; }
    public IReadOnlyList<ReceivedWebhook> Received => [.. _received];

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
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            var headers = context.Request.Headers;
            _received.Enqueue(new ReceivedWebhook(headers["X-ServiceDesk-Signature"], headers["X-ServiceDesk-Timestamp"], headers["X-ServiceDesk-Delivery"],
                body.ToArray()));
            context.Response.StatusCode = 204;
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
