using MediaCluster.Media.Learning;

namespace MediaCluster.Media.Tests;

/// <summary>
/// VADER on the lexicon ./mc setup fetches: the compound scores the model's authors publish for their example
/// sentences (each rule: capitals, boosters, "!", negation, "least", "kind of", "but", slang, emoticons), its
/// labels, and a lexicon file that is not one.
/// </summary>
public sealed class VaderTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-vader-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Theory]
    [InlineData("VADER is smart, handsome, and funny.", 0.8316)]
    [InlineData("VADER is smart, handsome, and funny!", 0.8439)]
    [InlineData("VADER is very smart, handsome, and funny.", 0.8545)]
    [InlineData("VADER is VERY SMART, handsome, and FUNNY.", 0.9227)]
    [InlineData("VADER is VERY SMART, handsome, and FUNNY!!!", 0.9342)]
    [InlineData("VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!", 0.9469)]
    [InlineData("VADER is not smart, handsome, nor funny.", -0.7424)]
    [InlineData("The book was good.", 0.4404)]
    [InlineData("At least it isn't a horrible book.", 0.431)]
    [InlineData("The book was only kind of good.", 0.3832)]
    [InlineData("The plot was good, but the characters are uncompelling and the dialog is not great.", -0.7042)]
    [InlineData("Today SUX!", -0.5461)]
    [InlineData("Today only kinda sux! But I'll get by, lol", 0.5249)]
    [InlineData("Make sure you :) or :D today!", 0.8633)]
    [InlineData("Not bad at all", 0.431)]
    [InlineData("", 0)]
    public void Compound_IsThePublishedScore(string text, double compound) => Assert.Equal(compound, Vader.Default.Scores(text).Compound);

    [Fact]
    public void Scores_OfTheFirstExample_SplitIntoThePublishedShares() =>
        Assert.Equal(new VaderScores(0, 0.254, 0.746, 0.8316), Vader.Default.Scores("VADER is smart, handsome, and funny."));

    [Fact]
    public void Labels_FollowTheCompoundThresholds()
    {
        Assert.Equal(new Prediction("positive", 0.4404), Vader.Default.Label("The book was good."));
        Assert.Equal(new Prediction("negative", 0.5461), Vader.Default.Label("Today SUX!"));
        Assert.Equal(new Prediction("neutral", 1), Vader.Default.Label("The meeting starts at nine in room four."));
    }

    [Fact]
    public void ALexiconWithAMalformedLine_IsRefusedNamingTheLine()
    {
        var path = Path.Combine(_directory, "lexicon.txt");
        File.WriteAllText(path, "good\t1.9\t0.9\t[2, 2]\nbad\tnot-a-number\t0.5\t[-2]\n");
        var error = Assert.Throws<MediaException>(() => Vader.Load(path));
        Assert.Contains("line 2", error.Message, StringComparison.Ordinal);
    }
}
