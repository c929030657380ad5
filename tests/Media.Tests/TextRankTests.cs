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
    public void Summarize_PicksTheCentralUtterance_ThenWhatAddsMost_InSpokenOrderAsSentences()
    {
        // 1 and 3 are the most central, but 3 mostly repeats 1 (five of seven content words): the second choice is 0,
        // the best-ranked utterance that says something new.
        var summary = TextRank.Summarize(s_utterances, new SummaryOptions { Ratio = 0.4 }, [.. Enumerable.Range(0, 5).Select(i => TimeSpan.FromSeconds(10 * i))]);
        Assert.Equal([0, 1], summary.Selected);
        Assert.Equal(
            "[00:00:00] The river flooded the valley last spring.\n[00:00:10] Farmers in the valley lost cattle to the river flood.",
            summary.Text);
    }

    [Fact]
    public void Summarize_NearRepeats_AsTheRecognizerHearsTheSameWordsTwice_AreChosenOnce()
    {
        string[] utterances =
        [
            "mr john guess would have been leisure to consider how much there might be crippling in his power to do for",
            "he was not an illness those young man",
            "mr john guess would have been leisure to consider how much there might be crudely in his power to do for",
            "homeless to be rather cold hearted and rather selfish is to be oldest those",
            "mr john guess would have been leisure to consider how much there watch there might be crippling in his power to do for",
        ];
        var summary = TextRank.Summarize(utterances, new SummaryOptions { Ratio = 1, WordBudget = 1000 });
        Assert.Single(summary.Selected, i => i is 0 or 2 or 4);
        Assert.Equal(3, summary.Selected.Count);
    }

    [Fact]
    public void Summarize_Length_IsBoundedByTheInputsLength()
    {
        var utterances = Enumerable.Range(0, 200).Select(i => $"speaker {i} talks about topic{i} and subject{i} with detail{i} plus remark{i}").ToList();
        var summary = TextRank.Summarize(utterances, new SummaryOptions { Ratio = 1 });
        var words = summary.Points.Sum(p => p.Sentence.Split(' ').Length);
        Assert.InRange(words, 1, 250);
        Assert.True(words <= Math.Ceiling(0.15 * utterances.Sum(u => u.Split(' ').Length)), $"{words} words");
    }

    [Theory]
    [InlineData("i think i'm right", "I think I'm right.")]
    [InlineData("is it done?", "Is it done?")]
    [InlineData("hi is it", "Hi is it.")]
    public void Sentence_CasesTheFirstLetterAndThePronoun_AndEndsWithAStop(string utterance, string sentence) =>
        Assert.Equal(sentence, TextRank.Sentence(utterance));

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
    public void Summarize_WithEmbeddings_RanksByClosenessToTheMean_ThenPrefersWhatIsNotAlreadySaid()
    {
        // 1 is closest to the mean of the four (cosine 0.97), then 0 (0.89) and 3 (0.82), 2 last (0.42); but 0 and 3 say
        // much of what 1 says (0.95, 0.76) and 2 little (0.31): with rank and novelty weighed equally, 2 is chosen second.
        string[] utterances = ["alpha bravo charlie", "delta echo foxtrot", "golf hotel india", "juliet kilo lima"];
        float[][] embeddings = [[1, 0, 0], [0.95f, 0.312f, 0], [0, 1, 0], [0.8f, 0, 0.6f]];
        var options = new SummaryOptions { Ratio = 0.5, WordBudget = 1000, Relevance = 0.5 };
        Assert.Equal([1, 2], TextRank.Summarize(utterances, options, embeddings: embeddings).Selected);
        Assert.Throws<ArgumentException>(() => TextRank.Summarize(utterances, options, embeddings: embeddings[..3]));
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
