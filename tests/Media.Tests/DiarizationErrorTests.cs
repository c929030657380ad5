using MediaCluster.Media.Diarization;

namespace MediaCluster.Media.Tests;

/// <summary>The diarization error rate on hand-made cases whose figures follow from md-eval's definition by hand.</summary>
public sealed class DiarizationErrorTests
{
    private static SpeakerTurn T(string speaker, double start, double end) => new(speaker, TimeSpan.FromSeconds(start), TimeSpan.FromSeconds(end));

    private static readonly TimeSpan NoCollar = TimeSpan.Zero;

    [Fact]
    public void TheSameTurns_UnderOtherNames_AreNoError_AndTheNamesAreMapped()
    {
        var score = DiarizationError.Score([T("anna", 0, 10), T("ben", 10, 20)], [T("spk2", 0, 10), T("spk1", 10, 20)], NoCollar);
        Assert.Equal((20.0, 0.0, 0.0, 0.0, 0.0), (score.ScoredSeconds, score.MissedSeconds, score.FalseAlarmSeconds, score.ConfusionSeconds, score.Rate));
        Assert.Equal(new Dictionary<string, string> { ["spk1"] = "ben", ["spk2"] = "anna" }, score.Mapping);
    }

    [Fact]
    public void MissedSpeech_FalseAlarm_AndConfusion_AreEachCounted()
    {
        // Reference: anna 0–10, ben 10–20. Hypothesis: spk1 0–8 (2 s of anna missed), spk1 12–16 (4 s of ben given to
        // anna's speaker), spk2 16–20 (ben), spk2 20–23 (3 s of false alarm).
        var score = DiarizationError.Score([T("anna", 0, 10), T("ben", 10, 20)], [T("spk1", 0, 8), T("spk1", 12, 16), T("spk2", 16, 23)], NoCollar);
        Assert.Equal((20.0, 4.0, 3.0, 4.0), (score.ScoredSeconds, score.MissedSeconds, score.FalseAlarmSeconds, score.ConfusionSeconds));
        Assert.Equal(11.0 / 20, score.Rate, 9);
    }

    [Fact]
    public void OverlappingSpeech_CountsEachSpeaker()
    {
        // Both speak 5–10; the hypothesis has one speaker there: 5 s of ben missed out of 20 s of speaker time.
        var score = DiarizationError.Score([T("anna", 0, 10), T("ben", 5, 15)], [T("spk1", 0, 10), T("spk2", 10, 15)], NoCollar);
        Assert.Equal((20.0, 5.0, 0.0, 0.0), (score.ScoredSeconds, score.MissedSeconds, score.FalseAlarmSeconds, score.ConfusionSeconds));
    }

    [Fact]
    public void TheCollar_ForgivesBoundariesWithinAQuarterSecond_ButNotMore()
    {
        var reference = new[] { T("anna", 0, 10), T("ben", 10, 20) };
        var near = DiarizationError.Score(reference, [T("a", 0.2, 10.2), T("b", 10.2, 19.8)]);
        Assert.Equal(0, near.Rate);
        Assert.Equal(19.0, near.ScoredSeconds, 9); // 20 s less the collars inside speech: 0.25 at 0 and 20, 0.5 at 10
        var far = DiarizationError.Score(reference, [T("a", 0, 11), T("b", 11, 20)]);
        Assert.Equal(0.75, far.ConfusionSeconds, 9); // 10.25–11 given to anna
    }

    [Fact]
    public void TheMapping_IsTheBestOverall_NotTheGreedyOne()
    {
        // x agrees with anna 7 s and with ben 6 s, y with anna 5 s. Greedy would map x→anna first and leave y unmapped
        // (11 s of confusion); the best one-to-one mapping is x→ben, y→anna (11 s agreed, 7 s of confusion).
        var reference = new[] { T("anna", 0, 12), T("ben", 12, 18) };
        var hypothesis = new[] { T("x", 0, 7), T("y", 7, 12), T("x", 12, 18) };
        var score = DiarizationError.Score(reference, hypothesis, NoCollar);
        Assert.Equal(new Dictionary<string, string> { ["x"] = "ben", ["y"] = "anna" }, score.Mapping);
        Assert.Equal((18.0, 7.0), (score.ScoredSeconds, score.ConfusionSeconds));
    }

    [Fact]
    public void MoreHypothesisSpeakersThanReference_TheExtraOnesAreConfusion()
    {
        var score = DiarizationError.Score([T("anna", 0, 10)], [T("a", 0, 6), T("b", 6, 10)], NoCollar);
        Assert.Equal((0.0, 0.0, 4.0), (score.MissedSeconds, score.FalseAlarmSeconds, score.ConfusionSeconds));
        Assert.Single(score.Mapping);
        Assert.Equal(0, DiarizationError.Score([], [], NoCollar).Rate);
    }

    [Fact]
    public void Assignment_MaximizesTheTotal_OnRectangularMatrices()
    {
        Assert.Equal([(0, 1), (1, 0)], Assignment.Maximize(new double[,] { { 7, 6 }, { 5, 0 } }));
        Assert.Equal([(0, 2), (1, 0)], Assignment.Maximize(new double[,] { { 1, 2, 9 }, { 8, 1, 9 } }));
        Assert.Empty(Assignment.Maximize(new double[0, 0]));
    }
}
