using MediaCluster.Media.Ffmpeg;

namespace MediaCluster.Media.Video;

/// <summary>A scene and the frames sampled at its frame times (what its features and thumbnails are made from).</summary>
public sealed record SceneFrames(SceneSpan Span, IReadOnlyList<VideoFrame> Frames);

/// <summary>
/// Turns one decoding pass into scenes with their frames, as the pass goes: scene scores (every picture's, in time
/// order) decide the cuts by <see cref="ScenePlan"/>'s rule, or the cuts are given (a plan recorded before); frames (in
/// time order, <see cref="FrameSampler.SampleRate"/> a second) are held for the scene being read and, once a later cut is
/// known, the scene is closed with the frames nearest its frame times. The two inputs come from different pipes, so a
/// frame waits until the scores have passed its time. Memory is one scene's frames: past <see cref="KeptFrames"/> its
/// frames are thinned to every other one (so a long scene's frame is within its length / <see cref="KeptFrames"/> of the
/// time asked for, a short one's within half a sampling interval). Not thread-safe: the caller serialises.
/// </summary>
public sealed class SceneAssembler
{
    /// <summary>Frames held of the scene being read before they are thinned (16 s at 10 a second; 320×180 RGB: 28 MB).</summary>
    public const int KeptFrames = 160;

    private readonly TimeSpan _duration;
    private readonly SceneOptions _options;
    private readonly IReadOnlyList<SceneSpan>? _plan;
    private readonly List<TimeSpan> _starts = [TimeSpan.Zero];
    private readonly Queue<VideoFrame> _waiting = new();
    private readonly List<SceneSpan> _closed = [];
    private List<VideoFrame> _kept = [];
    private TimeSpan _scoredUntil = TimeSpan.MinValue;
    private int _seenInScene;
    private int _stride = 1;
    private VideoFrame? _latest;

    /// <param name="duration">The media's length (the last scene's end).</param>
    /// <param name="options">Threshold, shortest scene and frames per scene.</param>
    /// <param name="plan">Scenes recorded before: their cuts and frame times are used, the scores ignored.</param>
    public SceneAssembler(TimeSpan duration, SceneOptions options, IReadOnlyList<SceneSpan>? plan = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        _duration = duration;
        _options = options;
        _plan = plan is { Count: > 0 } ? plan : null;
        if (_plan is not null)
        {
            _starts.Clear();
            _starts.AddRange(_plan.Select(s => s.Start));
            _scoredUntil = TimeSpan.MaxValue;
        }
    }

    /// <summary>Every scene closed so far, in order.</summary>
    public IReadOnlyList<SceneSpan> Scenes => _closed;

    /// <summary>The scene being read: the next to close.</summary>
    private int Current => _closed.Count;

    /// <summary>The scene score of the picture at <paramref name="time"/> (pictures in time order).</summary>
    public void Score(TimeSpan time, double score)
    {
        if (_plan is null && score > _options.Threshold && ScenePlan.Accepts(_starts[^1], time, _duration, _options))
        {
            _starts.Add(time);
        }

        if (time > _scoredUntil)
        {
            _scoredUntil = time;
        }
    }

    /// <summary>A sampled frame; gives back the scenes it closes (most often none).</summary>
    public IReadOnlyList<SceneFrames> Frame(VideoFrame frame)
    {
        _waiting.Enqueue(frame);
        return Drain(final: false);
    }

    /// <summary>The pass has ended: gives back the scenes still open, the last one ending at the media's end.</summary>
    public IReadOnlyList<SceneFrames> Finish()
    {
        var closed = new List<SceneFrames>(Drain(final: true));
        while (Current < _starts.Count)
        {
            closed.Add(Close());
        }

        return closed;
    }

    private List<SceneFrames> Drain(bool final)
    {
        var closed = new List<SceneFrames>();
        while (_waiting.TryPeek(out var next) && (final || next.Time <= _scoredUntil))
        {
            var frame = _waiting.Dequeue();
            while (Current + 1 < _starts.Count && frame.Time >= _starts[Current + 1])
            {
                closed.Add(Close());
            }

            Keep(frame);
        }

        return closed;
    }

    /// <summary>Holds every <see cref="_stride"/>-th frame of the scene; a full hold drops every other one and doubles the stride.</summary>
    private void Keep(VideoFrame frame)
    {
        _latest = frame;
        if (_seenInScene++ % _stride != 0)
        {
            return;
        }

        _kept.Add(frame);
        if (_kept.Count >= KeptFrames)
        {
            _kept = [.. _kept.Where((_, i) => i % 2 == 0)];
            _stride *= 2;
        }
    }

    private SceneFrames Close()
    {
        var start = _starts[Current];
        var end = Current + 1 < _starts.Count ? _starts[Current + 1] : _duration;
        var span = _plan is not null ? _plan[Current] : new SceneSpan(Current, start, end, ScenePlan.FrameTimes(start, end, _options.FramesPerScene));
        var frames = span.FrameTimes.Select(t => Nearest(t) is { } f ? f with { Time = t } : null).ToList();
        if (frames.Any(f => f is null))
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"scene {Current + 1} ({start.TotalSeconds:0.###}–{end.TotalSeconds:0.###} s) has no picture to sample");
        }

        _closed.Add(span);
        _kept.Clear();
        _seenInScene = 0;
        _stride = 1;
        return new SceneFrames(span, frames!);
    }

    /// <summary>The held frame nearest <paramref name="time"/> (the earlier on a tie); with none held, the last frame before the scene.</summary>
    private VideoFrame? Nearest(TimeSpan time)
    {
        VideoFrame? best = null;
        foreach (var frame in _kept)
        {
            if (best is null || (frame.Time - time).Duration() < (best.Time - time).Duration())
            {
                best = frame;
            }
        }

        return best ?? _latest;
    }
}
