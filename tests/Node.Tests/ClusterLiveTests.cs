using MediaCluster.Cli;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>
/// A live session on an api node whose stream's gpu node is killed mid-session: it moves on and loses no final.
/// </summary>
[Collection(ClusterProcessCollection.Name)]
public sealed class ClusterLiveTests : ClusterProcessTest
{
    [Fact]
    public async Task Live_TheGpuNodeRecognisingASessionIsKilled_TheSessionMovesOnAndLosesNoFinal()
    {
        var sample = await SpeechSampleMaker.WriteAsync(Path.Combine(Folder, "live.wav"), TimeSpan.Zero, minGap: 1.2, maxGap: 1.2, clipCount: 6);
        var pcm = (await File.ReadAllBytesAsync(sample.Path))[44..];
        await StartThreeNodesAsync("live", ["api", "jobs"], ["api", "gpu"], ["api", "gpu"]);
        var api = Nodes[0];

        // The session is held by the api node (no gpu role); its stream runs on one of the gpu nodes.
        await using var live = await LiveClient.ConnectAsync(api.Client.BaseAddress!, api.PbmTarget.Token);
        var received = new Received(live);
        var sending = SendAtTwiceRealTimeAsync(live, pcm);
        var worker = await StreamWorkerAsync(received);
        var finalsAtKill = received.Finals;
        worker.Kill();
        await sending.WaitAsync(TimeSpan.FromMinutes(3));
        await received.Reading.WaitAsync(TimeSpan.FromMinutes(3));

        var messages = received.Messages;
        var all = messages.Select(m => m.Raw);
        Assert.True(live.CloseStatus == System.Net.WebSockets.WebSocketCloseStatus.NormalClosure, $"closed {live.CloseStatus} {live.CloseReason}: {string.Join("\n", all)}");
        Assert.DoesNotContain(messages, m => m.Error is not null);
        var finals = messages.Where(m => m.IsFinal && m.Result is { Count: > 0 }).ToList();
        Assert.True(finals.Count > finalsAtKill, $"no final after the kill: {string.Join("\n", all)}");
        Assert.Contains("lost its stream on", api.Output);

        AssertNoneLostNoneRepeated(sample, finals, all);
    }

    /// <summary>Every clip has a final word inside it (none lost); finals follow each other in time (none repeated).</summary>
    private static void AssertNoneLostNoneRepeated(SpeechSample sample, List<LiveMessage> finals, IEnumerable<string> all)
    {
        var words = finals.SelectMany(f => f.Result!).ToList();
        Assert.All(sample.ClipBounds, clip => Assert.True(
            words.Any(w => w.Start >= clip.Start.TotalSeconds - 0.2 && w.End <= clip.End.TotalSeconds + 0.2),
            $"no final word inside the clip at {clip.Start}–{clip.End}: {string.Join("\n", all)}"));
        Assert.All(finals.Zip(finals.Skip(1)), pair => Assert.True(pair.Item1.Result![^1].End <= pair.Item2.Result![0].Start + 0.01, $"finals overlap: {pair.Item1.Raw} / {pair.Item2.Raw}"));
        Assert.True(Media.Asr.WordErrorRate.Percent(sample.ReferenceText, string.Join(' ', finals.Select(f => f.Text))) <= 45, string.Join("\n", all));
    }
    /// <summary>The session's audio in 0.1-s frames at twice real time, then the end.</summary>
    private static Task SendAtTwiceRealTimeAsync(LiveClient live, byte[] pcm) => Task.Run(async () =>
    {
        for (var offset = 0; offset < pcm.Length; offset += 3200)
        {
            await live.SendAudioAsync(pcm.AsMemory(offset, Math.Min(3200, pcm.Length - offset)));
            await Task.Delay(50);
        }

        await live.SendEofAsync();
    });

    /// <summary>The gpu node that runs the session's stream, once the first final has arrived.</summary>
    private async Task<NodeProcess> StreamWorkerAsync(Received received)
    {
        NodeProcess? worker = null;
        await UntilAsync(async () =>
        {
            foreach (var node in Nodes.Skip(1))
            {
                if (await node.MetricAsync("mediacluster_live_streams") == 1)
                {
                    worker = node;
                }
            }

            return worker is not null && received.Finals >= 1;
        }, "a gpu node runs the session's stream and the first final arrives");
        return worker!;
    }

    /// <summary>What the session says, read as it comes.</summary>
    private sealed class Received
    {
        private readonly List<LiveMessage> _messages = [];

        public Received(LiveClient live) => Reading = Task.Run(async () =>
        {
            while (await live.ReadAsync() is { } message)
            {
                lock (_messages)
                {
                    _messages.Add(message);
                }
            }
        });

        public Task Reading { get; }

        public List<LiveMessage> Messages
        {
            get
            {
                lock (_messages)
                {
                    return [.. _messages];
                }
            }
        }

        public int Finals => Messages.Count(m => m.IsFinal);
    }
}
