namespace MediaCluster.Actors.Hosting;

/// <summary>
/// What the node knows of the parts it cannot work without: the journal (a round trip through Akka's own journal
/// plugin every second, by <see cref="JournalProbe"/>) and the job index. Read by <c>/readyz</c> and by the API, which
/// answers 503 with Retry-After while something here is wrong instead of waiting out an ask.
/// </summary>
public sealed class NodeHealth
{
    private volatile string? _journalProblem = "the journal has not answered yet";
    private volatile bool _journalFailed;
    private volatile string? _indexProblem;

    /// <summary>Why the node cannot serve jobs now, or null when the journal and the index answer.</summary>
    public string? Problem => _journalProblem ?? _indexProblem;

    /// <summary>A probe found the journal (or the index) failing; unlike <see cref="Problem"/>, not set while the node is still starting.</summary>
    public string? Outage => _journalFailed ? _journalProblem : _indexProblem;

    internal void JournalAnswered() => (_journalProblem, _journalFailed) = (null, false);

    internal void JournalFailed(string reason) => (_journalProblem, _journalFailed) = ($"the journal is unavailable: {reason}", true);

    internal void IndexAnswered() => _indexProblem = null;

    internal void IndexFailed(string reason) => _indexProblem = reason;
}
