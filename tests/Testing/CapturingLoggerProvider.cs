using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MediaCluster.Testing;

/// <summary>One captured log line.</summary>
public sealed record LogEntry(LogLevel Level, string Category, string Message, Exception? Exception);

/// <summary>Collects every log line so a test can assert on what was logged (and wait for a line).</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();
    private readonly object _gate = new();
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Everything logged so far.</summary>
    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>A logger factory that writes only to this provider.</summary>
    public ILoggerFactory CreateFactory() => LoggerFactory.Create(b => b.SetMinimumLevel(LogLevel.Trace).AddProvider(this));

    /// <inheritdoc/>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Waits for a line that satisfies <paramref name="match"/>.</summary>
    public async Task<LogEntry> WaitForAsync(Func<LogEntry, bool> match, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(15));
        while (true)
        {
            Task changed;
            lock (_gate)
            {
                changed = _changed.Task;
            }

            var found = _entries.FirstOrDefault(match);
            if (found is not null)
            {
                return found;
            }

            var remaining = deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero || await Task.WhenAny(changed, Task.Delay(remaining)) != changed)
            {
                throw new TimeoutException($"No log line for {what}. Logged:\n{string.Join("\n", _entries.Select(e => e.Message))}");
            }
        }
    }

    /// <inheritdoc/>
    public void Dispose()
    {
    }

    private void Add(LogEntry entry)
    {
        _entries.Enqueue(entry);
        TaskCompletionSource previous;
        lock (_gate)
        {
            previous = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        previous.TrySetResult();
    }

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new LogEntry(logLevel, category, formatter(state, exception), exception));
    }
}
