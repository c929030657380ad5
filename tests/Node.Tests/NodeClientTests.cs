using System.Net;
using System.Net.Http.Headers;
using MediaCluster.Cli;

namespace MediaCluster.Node.Tests;

/// <summary>pbm's HTTP client against a scripted handler (no node): a node that answers 503 with Retry-After is asked again.</summary>
public sealed class NodeClientTests
{
    private const string Job = """{"id":"j1","state":"running","error":null,"title":"a.wav","submitted_at":"2026-12-06T00:00:00+00:00","elapsed_seconds":1,"duration_seconds":2,"segments_found":0,"segments_transcribed":0,"speech_detection_complete":false,"node":"n","quarantined":false}""";

    [Fact]
    public async Task A503WithRetryAfter_IsAskedAgain_UntilTheNodeAnswers()
    {
        var handler = new Scripted(Busy(retryAfter: 1), Busy(retryAfter: 1), Ok(Job));
        using var client = new NodeClient(new Uri("http://node.test/"), "t", handler);

        var job = await client.GetAsync("j1", CancellationToken.None);

        Assert.Equal(("j1", 3), (job.Id, handler.Calls));
    }

    [Fact]
    public async Task A503WithoutRetryAfter_OrPastThePatience_IsTheNodesSentence()
    {
        var handler = new Scripted(Busy(retryAfter: null));
        using var client = new NodeClient(new Uri("http://node.test/"), "t", handler);
        var error = await Assert.ThrowsAsync<NodeApiException>(() => client.GetAsync("j1", CancellationToken.None));
        Assert.Equal(("the journal is unavailable: it did not answer within 3 s; try again in a few seconds", 1), (error.Message, handler.Calls));

        var patient = new Scripted(Busy(retryAfter: (int)NodeClient.BusyPatience.TotalSeconds + 1));
        using var impatient = new NodeClient(new Uri("http://node.test/"), "t", patient);
        await Assert.ThrowsAsync<NodeApiException>(() => impatient.GetAsync("j1", CancellationToken.None));
        Assert.Equal(1, patient.Calls);
    }

    private static Func<HttpResponseMessage> Busy(int? retryAfter) => () =>
    {
        var response = new HttpResponseMessage(HttpStatusCode.ServiceUnavailable)
        {
            Content = new StringContent("""{"error":"the journal is unavailable: it did not answer within 3 s; try again in a few seconds"}"""),
        };
        if (retryAfter is { } seconds)
        {
            response.Headers.RetryAfter = new RetryConditionHeaderValue(TimeSpan.FromSeconds(seconds));
        }

        return response;
    };

    private static Func<HttpResponseMessage> Ok(string json) => () => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(json) };

    /// <summary>Answers each request with the next scripted response.</summary>
    private sealed class Scripted(params Func<HttpResponseMessage>[] responses) : HttpMessageHandler
    {
        public int Calls { get; private set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(responses[Math.Min(Calls++, responses.Length - 1)]());
    }
}
