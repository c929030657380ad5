using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// Pieces of work a job sends to the classifiers by index — scenes, and batches of the transcript's text — with one
/// schedule: no answer within <see cref="SceneWork.ClassifyTimeout"/> counts as a failure; a failure is sent again after
/// 1, 2 and 4 s (<see cref="FailedAttempts"/>); the fourth fails the job naming the piece.
/// </summary>
public sealed partial class MediaJob
{
    private enum PieceKind
    {
        Scene,
        Text,
    }

    private PiecesInFlight Out(PieceKind kind) => kind == PieceKind.Scene ? _scenesOut : _batchesOut;

    private static string PieceTimer(PieceKind kind, int index) => $"{kind}-{index}";

    /// <summary>Sends <paramref name="request"/> (piece <paramref name="index"/>) to the classifiers, its answer awaited until the timeout.</summary>
    private void SendPiece(PieceKind kind, int index, object request)
    {
        Out(kind).Sent(index);
        _services.Classifiers.Tell(request, Self);
        _clock.StartSingle(PieceTimer(kind, index), new PieceTimedOut(kind, index), _services.Scenes.ClassifyTimeout);
    }

    /// <summary>Takes an answer for the piece; false when it was not out (late, or an attempt already given up on).</summary>
    private bool PieceAnswered(PieceKind kind, int index)
    {
        if (_state.IsTerminal || !Out(kind).Answered(index))
        {
            return false;
        }

        _clock.Cancel(PieceTimer(kind, index));
        return true;
    }

    /// <summary>The piece failed: it is sent again after the schedule's wait, or the job fails naming it.</summary>
    private void PieceFailed(PieceKind kind, int index, string reason)
    {
        var (attempts, retryAfter) = Out(kind).Failed(index);
        if (retryAfter is not { } delay)
        {
            var piece = kind == PieceKind.Scene
                ? $"scene {index + 1} could not be labelled"
                : $"labelling the transcript's text{(_text!.Batches.Count > 1 ? $" (batch {index + 1} of {_text.Batches.Count})" : string.Empty)} failed";
            EndWith(new JobFailed { Reason = $"{piece} after {attempts} attempts: {reason}", FailedUnixMs = Now() });
            return;
        }

        _clock.StartSingle(PieceTimer(kind, index), new RetryPiece(kind, index), delay);
    }

    private void OnPieceTimer(object message)
    {
        switch (message)
        {
            case PieceTimedOut timedOut when Out(timedOut.Kind).IsOut(timedOut.Index):
                PieceFailed(timedOut.Kind, timedOut.Index, $"no {(timedOut.Kind == PieceKind.Scene ? "scene " : string.Empty)}classifier answered within {_services.Scenes.ClassifyTimeout.TotalSeconds:0} s");
                break;
            case RetryPiece retry:
                Out(retry.Kind).RetryDue(retry.Index);
                if (retry.Kind == PieceKind.Scene)
                {
                    ClassifyScenes();
                }
                else
                {
                    FinishIfDone();
                }

                break;
        }
    }

    private sealed record PieceTimedOut(PieceKind Kind, int Index);

    private sealed record RetryPiece(PieceKind Kind, int Index);
}
