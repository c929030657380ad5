using MediaCluster.Messages.Jobs;

namespace MediaCluster.Actors.Jobs;

/// <summary>
/// Where a job may read and write, checked by the node that runs it whichever member sent the start: a peer's
/// <see cref="JobSpec"/> is not taken as it is. The output is the job's own folder under the results root; an input
/// the node owns (it deletes it once the job ends) is an upload — a file in <c>…/uploads/JOB-ID/</c>; any other input
/// lies inside one of <see cref="InputRoots"/> (the allowed roots and the inbox).
/// </summary>
/// <param name="ResultsRoot">The results root every node shares (absolute).</param>
/// <param name="InputRoots">Folders whose files jobs may read by path (absolute).</param>
public sealed record JobPaths(string ResultsRoot, IReadOnlyList<string> InputRoots)
{
    /// <summary>The folder an upload lies in, under a data directory.</summary>
    public const string UploadsFolder = "uploads";

    /// <summary>How a refused start's error begins.</summary>
    public const string Refused = "refused: ";

    /// <summary>The names a node gives the inputs it stores: an upload's <c>input[.EXT]</c>, a live session's recording.</summary>
    private static readonly System.Text.RegularExpressions.Regex StoredInput = new("^(input(\\.[A-Za-z0-9]{1,8})?|live\\.wav)$");

    /// <summary>True when <paramref name="answer"/> to a start is the refusal of <see cref="Refusal"/> (nothing was recorded).</summary>
    public static bool WasRefused(JobProgress answer) =>
        answer.State == JobState.Failed && answer.Error.StartsWith(Refused, StringComparison.Ordinal);

    /// <summary>Why <paramref name="spec"/> may not run on this node, or null when it may.</summary>
    public string? Refusal(JobSpec spec)
    {
        if (!IsPlainAbsolute(spec.OutputDir) || Path.GetFileName(spec.OutputDir) != spec.JobId
            || Path.GetDirectoryName(spec.OutputDir.TrimEnd(Path.DirectorySeparatorChar)) != ResultsRoot.TrimEnd(Path.DirectorySeparatorChar))
        {
            return $"its output folder '{spec.OutputDir}' is not the job's own folder under the results root ({ResultsRoot})";
        }

        if (!IsPlainAbsolute(spec.InputPath))
        {
            return $"its input '{spec.InputPath}' is not an absolute path";
        }

        if (spec.OwnsInput)
        {
            // Another node's data directory is not known here, so an upload is known by its shape: the folder named for
            // this job in an uploads folder, holding a file by a name only the node gives (never a link).
            var folder = Path.GetDirectoryName(spec.InputPath);
            return Path.GetFileName(folder) == spec.JobId && Path.GetFileName(Path.GetDirectoryName(folder)) == UploadsFolder
                && StoredInput.IsMatch(Path.GetFileName(spec.InputPath)) && new FileInfo(spec.InputPath).LinkTarget is null
                ? null
                : $"it would delete its input '{spec.InputPath}', which is not an upload of this job ({UploadsFolder}/{spec.JobId}/)";
        }

        return InputRoots.Any(root => IsInside(spec.InputPath, root))
            ? null
            : $"its input '{spec.InputPath}' is not inside an allowed root or the inbox of this node";
    }

    /// <summary>Absolute and already normal (no "..", ".", or doubled separators that could hide where it leads).</summary>
    private static bool IsPlainAbsolute(string path) =>
        path.Length > 0 && Path.IsPathFullyQualified(path)
        && Path.GetFullPath(path).TrimEnd(Path.DirectorySeparatorChar) == path.TrimEnd(Path.DirectorySeparatorChar);

    /// <summary>True when <paramref name="path"/> lies below <paramref name="root"/> (by whole path segments).</summary>
    public static bool IsInside(string path, string root) =>
        path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal);
}
