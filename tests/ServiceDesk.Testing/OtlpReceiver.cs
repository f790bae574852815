using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace ServiceDesk.Testing;

/// <summary>A span as the apps exported it over OTLP.</summary>
public sealed record ReceivedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name);

/// <summary>
/// An OTLP/HTTP (protobuf) collector on 127.0.0.1, as Jaeger or the OpenTelemetry Collector would be: the apps export
/// to it through their real exporters, and tests read which services took part in a trace.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();

    private OtlpReceiver(WebApplication app) => _app = app;

    public string Endpoint => _app.Urls.Single();

    public IReadOnlyCollection<ReceivedSpan> Spans => _spans;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{Ports.Free()}");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", async (HttpRequest request) =>
        {
            using var body = new MemoryStream();
            await request.Body.CopyToAsync(body);
            foreach (var span in OtlpDecoder.Spans(body.ToArray())) receiver._spans.Enqueue(span);
            return Results.Bytes([], "application/x-protobuf");
        });
        app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf")); // metrics and logs: accepted, unread
        await app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

/// <summary>Reads the few fields of ExportTraceServiceRequest the tests need, straight off the protobuf wire format.</summary>
internal static class OtlpDecoder
{
    public static IEnumerable<ReceivedSpan> Spans(ReadOnlyMemory<byte> request)
    {
        foreach (var (field, resourceSpans) in Fields(request))
        {
            if (field != 1) continue; // ExportTraceServiceRequest.resource_spans
            var service = "";
            var spans = new List<ReceivedSpan>();
            foreach (var (f, value) in Fields(resourceSpans))
            {
                if (f == 1) service = ServiceName(value) ?? service;          // ResourceSpans.resource
                if (f != 2) continue;                                          // ResourceSpans.scope_spans
                foreach (var (g, span) in Fields(value))
                    if (g == 2) spans.Add(Span(span));                          // ScopeSpans.spans
            }
            foreach (var span in spans) yield return span with { Service = service };
        }
    }

    private static ReceivedSpan Span(ReadOnlyMemory<byte> span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        foreach (var (field, value) in Fields(span))
        {
            switch (field)
            {
                case 1: traceId = Convert.ToHexStringLower(value.Span); break;
                case 2: spanId = Convert.ToHexStringLower(value.Span); break;
                case 4: parent = Convert.ToHexStringLower(value.Span); break;
                case 5: name = Encoding.UTF8.GetString(value.Span); break;
            }
        }
        return new ReceivedSpan("", traceId, spanId, parent, name);
    }

    /// <summary>Resource.attributes["service.name"].string_value.</summary>
    private static string? ServiceName(ReadOnlyMemory<byte> resource)
    {
        foreach (var (field, attribute) in Fields(resource))
        {
            if (field != 1) continue;
            string? key = null, text = null;
            foreach (var (f, value) in Fields(attribute))
            {
                if (f == 1) key = Encoding.UTF8.GetString(value.Span);
                if (f == 2) foreach (var (g, s) in Fields(value)) if (g == 1) text = Encoding.UTF8.GetString(s.Span);
            }
            if (key == "service.name") return text;
        }
        return null;
    }

    /// <summary>The length-delimited fields of a message; other wire types are skipped.</summary>
    private static IEnumerable<(int Field, ReadOnlyMemory<byte> Value)> Fields(ReadOnlyMemory<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var tag = Varint(message.Span, ref position);
            var field = (int)(tag >> 3);
            switch (tag & 7)
            {
                case 0: Varint(message.Span, ref position); break;
                case 1: position += 8; break;
                case 5: position += 4; break;
                case 2:
                    var length = (int)Varint(message.Span, ref position);
                    yield return (field, message.Slice(position, length));
                    position += length;
                    break;
                default: throw new InvalidDataException($"Unsupported protobuf wire type {tag & 7}.");
            }
        }
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[position++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80) return value;
        }
    }
}
