using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Runtime.Persistence;

/// <summary>
/// The single writer in front of a back-end. Persist requests from many actors queue here; the writer
/// takes everything queued (up to a batch size) and commits it in one transaction. When a batch hits the
/// uniqueness constraint, its requests are retried one by one so only the stale writer's request fails.
/// Snapshot and delete operations run in the same queue. With a concurrency above one (PostgreSQL), several
/// loops commit overlapping transactions; events of one actor never overlap, since an actor waits for its
/// write before it persists again. SQLite runs one loop, so it never sees two writers.
/// </summary>
internal sealed class GroupCommitWriter : IAsyncDisposable
{
    private readonly Channel<Operation> _queue;
    private readonly JournalBackend _backend;
    private readonly string _writerId;
    private readonly int _maxBatchSize;
    private readonly ILogger _log;
    private readonly Task[] _loops;
    private long _transactions;
    private long _requests;

    public GroupCommitWriter(JournalBackend backend, string writerId, int maxBatchSize, int concurrency, ILogger log)
    {
        _backend = backend;
        _writerId = writerId;
        _maxBatchSize = Math.Max(1, maxBatchSize);
        _log = log;
        concurrency = Math.Max(1, concurrency);
        _queue = Channel.CreateUnbounded<Operation>(new UnboundedChannelOptions { SingleReader = concurrency == 1 });
        _loops = Enumerable.Range(0, concurrency).Select(_ => Task.Run(RunAsync)).ToArray();
    }

    /// <summary>Test hook: awaited before each batch is taken, so a test can let requests pile up.</summary>
    internal Func<Task>? BeforeBatch { get; set; }

    /// <summary>How many loops commit in parallel.</summary>
    public int Concurrency => _loops.Length;

    /// <summary>Write transactions committed (or attempted) so far.</summary>
    public long Transactions => Interlocked.Read(ref _transactions);

    /// <summary>Write requests received so far.</summary>
    public long Requests => Interlocked.Read(ref _requests);

    /// <summary>Queues an atomic write of <paramref name="rows"/> (all one persistence id, consecutive numbers).</summary>
    public Task WriteAsync(IReadOnlyList<JournalRow> rows)
    {
        Interlocked.Increment(ref _requests);
        var write = new Write(rows);
        return _queue.Writer.TryWrite(write) ? write.Completion.Task : Task.FromException(new ObjectDisposedException("The event store is closed."));
    }

    /// <summary>Queues a non-batched write operation (snapshot, delete).</summary>
    public Task RunAsync(Func<CancellationToken, Task> action)
    {
        var op = new Single(action);
        return _queue.Writer.TryWrite(op) ? op.Completion.Task : Task.FromException(new ObjectDisposedException("The event store is closed."));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await Task.WhenAll(_loops);
    }

    private async Task RunAsync()
    {
        var batch = new List<Write>();
        Operation? carried = null;
        while (carried is not null || await _queue.Reader.WaitToReadAsync())
        {
            if (BeforeBatch is { } hook)
            {
                await hook();
            }

            var rowCount = 0;
            Operation? next = carried;
            carried = null;
            while (next is not null || _queue.Reader.TryRead(out next))
            {
                if (next is Write write && (batch.Count == 0 || rowCount + write.Rows.Count <= _maxBatchSize))
                {
                    batch.Add(write);
                    rowCount += write.Rows.Count;
                    next = null;
                    continue;
                }

                if (batch.Count > 0)
                {
                    carried = next;
                    break;
                }

                await ExecuteSingleAsync((Single)next!);
                next = null;
            }

            if (batch.Count > 0)
            {
                await CommitAsync(batch);
                batch.Clear();
            }
        }
    }

    private async Task CommitAsync(List<Write> batch)
    {
        var rows = batch.Count == 1 ? batch[0].Rows : batch.SelectMany(w => w.Rows).ToList();
        try
        {
            Interlocked.Increment(ref _transactions);
            await _backend.WriteAsync(rows, _writerId, CancellationToken.None);
            foreach (var write in batch)
            {
                write.Completion.TrySetResult();
            }
        }
        catch (JournalUniqueViolationException) when (batch.Count > 1)
        {
            foreach (var write in batch)
            {
                await CommitAsync([write]);
            }
        }
        catch (JournalUniqueViolationException)
        {
            var rowsOfOne = batch[0].Rows;
            batch[0].Completion.TrySetException(
                new PersistenceConflictException(rowsOfOne[0].PersistenceId, rowsOfOne[0].SequenceNr, rowsOfOne[^1].SequenceNr));
        }
        catch (Exception ex)
        {
            _log.LogError(ex, "Journal write of {Rows} events failed on {Backend}", rows.Count, _backend.Name);
            foreach (var write in batch)
            {
                write.Completion.TrySetException(ex);
            }
        }
    }

    private static async Task ExecuteSingleAsync(Single single)
    {
        try
        {
            await single.Action(CancellationToken.None);
            single.Completion.TrySetResult();
        }
        catch (Exception ex)
        {
            single.Completion.TrySetException(ex);
        }
    }

    private abstract class Operation
    {
        public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Write(IReadOnlyList<JournalRow> rows) : Operation
    {
        public IReadOnlyList<JournalRow> Rows { get; } = rows;
    }

    private sealed class Single(Func<CancellationToken, Task> action) : Operation
    {
        public Func<CancellationToken, Task> Action { get; } = action;
    }
}
