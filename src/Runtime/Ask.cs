namespace MediaCluster.Runtime;

/// <summary>Request–response on top of Tell: a one-shot reference that completes a task.</summary>
public static class AskExtensions
{
    /// <summary>
    /// Sends <paramref name="message"/> and waits for one reply of type <typeparamref name="T"/>. A
    /// <see cref="Status.Failure"/> reply throws its cause; no reply in time throws <see cref="AskTimeoutException"/>.
    /// </summary>
    public static async Task<T> Ask<T>(this IActorRef target, object message, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var time = (target as IInternalActorRef)?.System.TimeProvider ?? TimeProvider.System;
        var promise = new PromiseRef(target.Path);
        using var timer = time.CreateTimer(static s => ((PromiseRef)s!).Expire(), promise, timeout, Timeout.InfiniteTimeSpan);
        await using var registration = cancellationToken.Register(static s => ((PromiseRef)s!).Cancel(), promise);
        target.Tell(message, promise);
        object reply;
        try
        {
            reply = await promise.Task;
        }
        catch (TimeoutException)
        {
            throw new AskTimeoutException(
                $"Ask to '{target.Path}' with {message.GetType().Name} timed out after {timeout.TotalMilliseconds:0} ms: no reply arrived.");
        }

        return reply switch
        {
            T typed => typed,
            Status.Failure failure => throw failure.Cause,
            _ => throw new InvalidCastException(
                $"Ask to '{target.Path}' with {message.GetType().Name} expected a {typeof(T).Name} but got a {reply.GetType().Name}."),
        };
    }

    private sealed class PromiseRef(string targetPath) : IActorRef
    {
        private readonly TaskCompletionSource<object> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Path { get; } = "/temp/ask-" + targetPath;

        public Task<object> Task => _completion.Task;

        public void Tell(object message, IActorRef? sender = null) => _completion.TrySetResult(message);

        public void Expire() => _completion.TrySetException(new TimeoutException());

        public void Cancel() => _completion.TrySetCanceled();
    }
}
