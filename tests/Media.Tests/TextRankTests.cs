using MediaCluster.Media.Summarize;

namespace MediaCluster.Media.Tests;

public sealed class TextRankTests
{
    private static readonly string[] s_utterances =
    [
        "the river flooded the valley last spring",
        "farmers in the valley lost cattle to the river flood",
        "my cousin likes chess",
        "the flood in the river valley ruined farmers and cattle",
        "dinner was late",
    ];

    [Fact]
    public void Summarize_PicksTheCentralUtterances_InOriginalOrder()
    {
        var summary = TextRank.Summarize(s_utterances, new SummaryOptions { Ratio = 0.4, WordBudget = null });
        Assert.Equal([1, 3], summary.Selected);
        Assert.Equal($"{s_utterances[1]} … {s_utterances[3]}", summary.Text);
    }

    [Fact]
    public void Summarize_IsDeterministic_AndKeywordsAreTopical()
    {
        var first = TextRank.Summarize(s_utterances);
        var second = TextRank.Summarize(s_utterances.ToArray());
        Assert.Equal(first.Selected, second.Selected);
        Assert.Equal(first.Keywords, second.Keywords);
        Assert.Equal(["river", "valley"], first.Keywords.Take(2).Select(k => k.Word).Order());
    }

    [Fact]
    public void Summarize_WordBudget_KeepsAtLeastTheTopUtterance()
    {
        var summary = TextRank.Summarize(s_utterances, new SummaryOptions { Ratio = 1, WordBudget = 3 });
        Assert.Single(summary.Selected);
        Assert.Empty(TextRank.Summarize([]).Selected);
    }
}

public sealed class TextRankRepeatTests
{
    [Fact]
    public void Summarize_RepeatedUtterance_IsChosenOnce()
    {
        string[] utterances = ["the river flooded the valley", "the river flooded the valley", "farmers left the river valley", "cats sleep"];
        var summary = TextRank.Summarize(utterances, new SummaryOptions { Ratio = 0.5, WordBudget = null });
        Assert.Equal([0, 2], summary.Selected);
    }
}
