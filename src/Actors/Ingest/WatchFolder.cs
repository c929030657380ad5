using System.Security.Cryptography;
using Akka.Actor;
using Akka.Persistence;
using MediaCluster.Actors.Hosting;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Ingest;

/// <summary>Where the watch folder looks and how patient it is.</summary>
public sealed record WatchFolderOptions(string Inbox, string OutputRoot)
{
    /// <summary>How often the inbox is listed.</summary>
    public TimeSpan PollInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Polls in a row a file must keep its size and time before it counts as complete.</summary>
    public int StablePolls { get; init; } = 2;

    /// <summary>How long an accepted file's start may go unacknowledged before it is sent again.</summary>
    public TimeSpan ResendAfter { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>Sent to the job starter for each new inbox file, again until its <see cref="InboxJobAcknowledged"/> comes.</summary>
public sealed record StartInboxJob(JobSpec Spec);

/// <summary>The job starter's answer: the job is registered and started (a start is idempotent by id).</summary>
public sealed record InboxJobAcknowledged(string JobId);

/// <summary>Replies with how many files the watch folder has turned into jobs (and serves as a barrier in tests).</summary>
public sealed record GetWatchFolderStatus
{
    public static GetWatchFolderStatus Instance { get; } = new();
}

/// <summary>The watch folder's answer.</summary>
public sealed record WatchFolderStatus(int Accepted, int Watching);

/// <summary>
/// An inbox folder (in the spirit of Airflow's FileSensor): a file that has stopped growing for
/// <see cref="WatchFolderOptions.StablePolls"/> polls becomes a job once. Content hashes are journaled, so the
/// same content — renamed, copied again, or found again after a restart — is never picked up twice. The start is
/// delivered at least once: sent after the file is journaled, again every <see cref="WatchFolderOptions.ResendAfter"/>
/// and after a restart until the starter acknowledges it (<see cref="InboxJobStarted"/> journaled); the job id is the
/// content's, so a second start of it changes nothing. Hidden files (".name") are ignored, so writers can upload under
/// a dot-name and rename. In a cluster each inbox has one watcher (a singleton among the nodes configured with it).
/// </summary>
public sealed class WatchFolder : ReceivePersistentActor
{
    private readonly WatchFolderOptions _options;
    private readonly IActorRef _starter;
    private readonly ActorClock _clock;
    private readonly HashSet<string> _acceptedHashes = [];
    private readonly SettleWatch _files;
    private readonly TimeProvider _time;

    // Accepted files whose start is not acknowledged yet, by job id, with when it was last sent.
    private readonly Dictionary<string, (JobSpec Spec, DateTimeOffset Sent)> _unacknowledged = new(StringComparer.Ordinal);

    public WatchFolder(WatchFolderOptions options, IActorRef starter, TimeProvider time)
    {
        _options = options;
        _starter = starter;
        _time = time;
        _clock = new ActorClock(time, Self);
        _files = new SettleWatch(options.StablePolls);
        Recover<InboxFileAccepted>(e =>
        {
            _acceptedHashes.Add(e.Sha256);
            _unacknowledged[e.JobId] = (SpecOf(e), DateTimeOffset.MinValue);
        });
        Recover<InboxJobStarted>(e => _unacknowledged.Remove(e.JobId));
        Recover<RecoveryCompleted>(_ =>
        {
            Directory.CreateDirectory(options.Inbox);
            _clock.StartPeriodic("poll", Poll.Instance, options.PollInterval);
            SendUnacknowledged();
        });
        CommandAsync<ActorClock.Tick>(async tick =>
        {
            if (_clock.IsCurrent(tick))
            {
                SendUnacknowledged();
                await PollAsync();
            }
        });
        Command<InboxJobAcknowledged>(ack =>
        {
            if (_unacknowledged.ContainsKey(ack.JobId))
            {
                Persist(new InboxJobStarted { JobId = ack.JobId }, e => _unacknowledged.Remove(e.JobId));
            }
        });
        Command<GetWatchFolderStatus>(_ => Sender.Tell(new WatchFolderStatus(_acceptedHashes.Count, _files.Unsettled)));
    }

    /// <inheritdoc/>
    public override string PersistenceId => "watch-folder:" + Path.GetFullPath(_options.Inbox);

    public static Props Props(WatchFolderOptions options, IActorRef starter, TimeProvider time) =>
        Akka.Actor.Props.Create(() => new WatchFolder(options, starter, time));

    /// <inheritdoc/>
    protected override void PostStop()
    {
        _clock.Dispose();
        base.PostStop();
    }

    /// <summary>Each non-hidden, non-empty file of the inbox whose size and time settled becomes a job once (by content).</summary>
    private async Task PollAsync()
    {
        if (!Directory.Exists(_options.Inbox))
        {
            return;
        }

        List<(string, string)> files;
        try
        {
            files = [.. new DirectoryInfo(_options.Inbox).EnumerateFiles()
                .Where(file => !file.Name.StartsWith('.') && file.Length > 0)
                .Select(file => (file.FullName, $"{file.Length}:{file.LastWriteTimeUtc.Ticks}"))];
        }
        catch (IOException)
        {
            return; // a file went while it was looked at: the next look sees the folder as it is
        }

        foreach (var settled in _files.Look(files))
        {
            await AcceptAsync(settled);
        }
    }

    private async Task AcceptAsync(string path)
    {
        string hash;
        try
        {
            await using var stream = File.OpenRead(path);
            hash = Convert.ToHexStringLower(await SHA256.HashDataAsync(stream));
        }
        catch (IOException)
        {
            _files.Forget(path);
            return;
        }

        if (!_acceptedHashes.Add(hash))
        {
            return;
        }

        var jobId = "inbox-" + hash[..16];
        Persist(new InboxFileAccepted { Sha256 = hash, Path = path, JobId = jobId }, e =>
        {
            _unacknowledged[e.JobId] = (SpecOf(e), DateTimeOffset.MinValue);
            SendUnacknowledged();
        });
    }

    private JobSpec SpecOf(InboxFileAccepted e) => new() { JobId = e.JobId, InputPath = e.Path, OutputDir = Path.Combine(_options.OutputRoot, e.JobId) };

    /// <summary>Sends each start not acknowledged within <see cref="WatchFolderOptions.ResendAfter"/> (or never sent) again.</summary>
    private void SendUnacknowledged()
    {
        var now = _time.GetUtcNow();
        foreach (var (jobId, (spec, sent)) in _unacknowledged.ToList())
        {
            if (now - sent >= _options.ResendAfter)
            {
                _unacknowledged[jobId] = (spec, now);
                _starter.Tell(new StartInboxJob(spec));
            }
        }
    }

    private sealed record Poll
    {
        public static Poll Instance { get; } = new();
    }
}
