using System.Collections.Concurrent;
using System.Net;
using Google.Protobuf;
using MediaCluster.Testing.Otlp;

namespace MediaCluster.Testing;

/// <summary>One span as an OTLP exporter sent it, with the sending process's <c>service.instance.id</c>.</summary>
public sealed record ReceivedSpan(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, DateTimeOffset Start, DateTimeOffset End, IReadOnlyDictionary<string, string> Attributes, string Instance)
{
    public string? this[string key] => Attributes.GetValueOrDefault(key);
}

/// <summary>
/// An OTLP/HTTP trace receiver on loopback for tests (POST /v1/traces, protobuf): what nodes' OpenTelemetry exporters
/// send, decoded and kept. The exporters are the real SDK's; this stands where a collector would.
/// </summary>
public sealed class OtlpReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly Task _serving;

    public OtlpReceiver()
    {
        Port = NodeProcess.FreePorts(1)[0];
        _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
        _listener.Start();
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary>The address to give as <c>Node:Telemetry:OtlpEndpoint</c>.</summary>
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>Requests that were not OTLP traces (their paths), which the test can assert there were none of.</summary>
    public ConcurrentQueue<string> Refused { get; } = new();

    public IReadOnlyList<ReceivedSpan> Spans => [.. _spans];

    public void Dispose()
    {
        _listener.Close();
        _serving.Wait(TimeSpan.FromSeconds(5));
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return;
            }

            using var response = context.Response;
            if (context.Request.HttpMethod != "POST" || context.Request.Url?.AbsolutePath != "/v1/traces")
            {
                Refused.Enqueue(context.Request.Url?.AbsolutePath ?? "?");
                response.StatusCode = 404;
                continue;
            }

            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            foreach (var resource in ExportTraceServiceRequest.Parser.ParseFrom(body.ToArray()).ResourceSpans)
            {
                var instance = resource.Resource?.Attributes.FirstOrDefault(a => a.Key == "service.instance.id")?.Value?.StringValue ?? string.Empty;
                foreach (var span in resource.ScopeSpans.SelectMany(s => s.Spans))
                {
                    _spans.Enqueue(new ReceivedSpan(
                        Convert.ToHexStringLower(span.TraceId.Span),
                        Convert.ToHexStringLower(span.SpanId.Span),
                        Convert.ToHexStringLower(span.ParentSpanId.Span),
                        span.Name,
                        span.Kind,
                        DateTimeOffset.UnixEpoch.AddTicks((long)(span.StartTimeUnixNano / 100)),
                        DateTimeOffset.UnixEpoch.AddTicks((long)(span.EndTimeUnixNano / 100)),
                        span.Attributes.GroupBy(a => a.Key).ToDictionary(g => g.Key, g => Text(g.First().Value)),
                        instance));
                }
            }

            response.ContentType = "application/x-protobuf";
            response.StatusCode = 200;
            var ok = new ExportTraceServiceResponse().ToByteArray();
            await response.OutputStream.WriteAsync(ok);
        }
    }

    private static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        _ => string.Empty,
    };
}
