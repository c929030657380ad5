using System.Diagnostics;
using System.Text.Json;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>
/// Three node processes exporting their traces with OpenTelemetry's OTLP exporter to a receiver: one job is one trace —
/// the caller's — across the node that took the request and the gpu nodes that did its speech detection and segments.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class TracingTests : ClusterProcessTest
{
    [Fact]
    public async Task AJobsTrace_GoesFromTheRequestThroughEveryNodeThatWorkedOnIt_AndItsTimelineNamesThem()
    {
        using var receiver = new OtlpReceiver();
        var (_, ports) = await StartThreeNodesAsync("tracing", ["api", "jobs"], ["api", "gpu"], ["api", "gpu"], "--Node:Telemetry:OtlpEndpoint", receiver.Endpoint);
        string[] gpuNodes = [$"@127.0.0.1:{ports[1]}", $"@127.0.0.1:{ports[2]}"];
        void OnAGpuNode(string? node) => Assert.True(gpuNodes.Any(g => node?.EndsWith(g, StringComparison.Ordinal) == true), $"{node} is not a gpu node ({string.Join(", ", gpuNodes)})");

        // The caller's own trace: its traceparent header on the upload.
        var traceId = ActivityTraceId.CreateRandom().ToHexString();
        var callerSpan = ActivitySpanId.CreateRandom().ToHexString();
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(Folder, "talk.wav"), TimeSpan.FromSeconds(20));
        using var form = new MultipartFormDataContent { { new ByteArrayContent(await File.ReadAllBytesAsync(sample.Path)), "file", "talk.wav" } };
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/jobs") { Content = form };
        request.Headers.Add("traceparent", $"00-{traceId}-{callerSpan}-01");
        using var submitted = await Nodes[0].Client.SendAsync(request);
        var (id, segments) = await CompletedAsync(Nodes[0], submitted);
        await UntilAsync(() => Task.FromResult(receiver.Spans.Any(s => s.Name == "job.artifacts" && s["mediacluster.job_id"] == id)), "the job's last span is exported");

        var spans = receiver.Spans.Where(s => s.TraceId == traceId).ToList();
        string Names(IEnumerable<ReceivedSpan> list) => string.Join(", ", list.Select(s => s.Name).Distinct());

        // Every span of the job is in the caller's trace: none of it went elsewhere.
        Assert.All(receiver.Spans.Where(s => s["mediacluster.job_id"] == id), s => Assert.Equal(traceId, s.TraceId));

        // The request (ASP.NET Core's server span, under the caller's), the submission under it, and the job's work under that.
        var server = Assert.Single(spans, s => s.Kind == 2 && s.ParentSpanId == callerSpan); // SPAN_KIND_SERVER
        Assert.Equal("POST /api/jobs/", server.Name); // the route group's template
        var submit = Assert.Single(spans, s => s.Name == "job.submit");
        Assert.Equal(server.SpanId, submit.ParentSpanId);
        var work = spans.Where(s => s.ParentSpanId == submit.SpanId).ToList();
        Assert.Equal(1, work.Count(s => s.Name == "job.probe"));
        Assert.Equal(1, work.Count(s => s.Name == "job.speech-detection"));
        Assert.Equal(1, work.Count(s => s.Name == "speech.detection"));
        Assert.Equal(segments, work.Count(s => s.Name == "segment.recognize"));
        Assert.Equal(segments, work.Count(s => s.Name == "segment.queue"));
        Assert.Equal(1, work.Count(s => s.Name == "job.artifacts"));

        // Which process sent each: the job's own spans from the api+jobs node, the speech work from the gpu nodes.
        Assert.All(work.Where(s => s.Name.StartsWith("job.", StringComparison.Ordinal)), s => Assert.Equal(submit.Instance, s.Instance));
        var speechWork = work.Where(s => s.Name is "speech.detection" or "segment.recognize").ToList();
        Assert.All(speechWork, s => Assert.NotEqual(submit.Instance, s.Instance));
        Assert.All(speechWork, s => OnAGpuNode(s["mediacluster.node"]));
        Assert.All(work.Where(s => s.Name == "segment.recognize"), s => Assert.True(s.End > s.Start, $"segment {s["mediacluster.segment"]} took no time"));
        Assert.True(receiver.Refused.IsEmpty, $"requests that were not OTLP traces: {string.Join(", ", receiver.Refused)}; spans: {Names(spans)}");

        // The job's timeline says the same: each segment on the gpu node that recognised it, its wait and its work.
        using var timeline = JsonDocument.Parse(await Nodes[0].Client.GetStringAsync($"api/jobs/{id}/timeline"));
        var bars = timeline.RootElement.GetProperty("bars").EnumerateArray().ToList();
        var segmentBars = bars.Where(b => b.GetProperty("kind").GetString() == "segment").ToList();
        Assert.Equal(segments, segmentBars.Count);
        Assert.All(segmentBars, b => OnAGpuNode(b.GetProperty("node").GetString()));
        Assert.All(segmentBars, b => Assert.True(b.GetProperty("queue").GetDouble() >= 0 && b.GetProperty("work").GetDouble() > 0, b.ToString()));
        Assert.Equal(["probe", "speech detection", "artifacts"], bars.Where(b => b.GetProperty("index").GetInt32() < 0).Select(b => b.GetProperty("kind").GetString()));
    }
}
