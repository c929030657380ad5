using MediaCluster.Actors.Training;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>Model statuses and trainer phases as their words (the registry's column, journals, pbm and the API).</summary>
public sealed class ModelStatusTests
{
    [Fact]
    public void EveryStatus_ReadsBackFromItsWord_AndNoOtherWordReads()
    {
        Assert.Equal(["candidate", "promoted", "rejected", "retired", "failed", "cancelled"], Enum.GetValues<ModelStatus>().Select(s => s.Text()));
        Assert.All(Enum.GetValues<ModelStatus>(), s => Assert.Equal(s, ModelStatusText.Parse(s.Text())));
        Assert.Null(ModelStatusText.Parse("Promoted"));
        Assert.Null(ModelStatusText.Parse("1"));
    }

    [Fact]
    public void ARunsOutcome_IsItsStatusWord_AnUnknownOneReadsAsFailed()
    {
        var finished = new TrainingFinished { Outcome = ModelStatus.Rejected };
        Assert.Equal("rejected", finished.Status);
        Assert.Equal(ModelStatus.Failed, new TrainingFinished { Status = "archived" }.Outcome);
    }

    [Fact]
    public void TrainerPhases_AsShown()
    {
        Assert.Equal(
            ["idle", "starting", "features 42%", "training", "evaluating"],
            new TrainerProgress[] { new(TrainerPhase.Idle), new(TrainerPhase.Starting), new(TrainerPhase.Features, 0.42), new(TrainerPhase.Training), new(TrainerPhase.Evaluating) }.Select(p => p.ToString()));
    }
}
