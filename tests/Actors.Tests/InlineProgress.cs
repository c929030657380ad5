using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Tests;

/// <summary>Reports progress on the caller's thread (unlike <see cref="Progress{T}"/>, which posts it later).</summary>
internal sealed class InlineProgress(Action<JobProgress> report) : IProgress<JobProgress>
{
    public void Report(JobProgress value) => report(value);
}
