using MediaCluster.Actors.Training;
using MediaCluster.Media.Learning;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Node.Jobs;

/// <summary>
/// What a submitter may choose per job: form fields of an upload, or properties of a JSON submission, by the same
/// names. Today one: <c>clip_tasks</c>, the clip tasks users defined that label a video's scenes.
/// </summary>
internal static class JobChoices
{
    public const string ClipTasks = "clip_tasks";

    /// <summary>The form fields an upload may carry beside its file (others are ignored).</summary>
    public static IReadOnlySet<string> Fields { get; } = new HashSet<string>(StringComparer.Ordinal) { ClipTasks };

    /// <summary>The longest value a field may have (in bytes).</summary>
    public const int MaxFieldBytes = 4096;

    /// <summary>
    /// Sets <paramref name="clipTasks"/> on the spec — "all" (also when absent: every clip task with a promoted model),
    /// "none", or task names separated by commas — or says why it cannot be read.
    /// </summary>
    public static string? Apply(JobSpec spec, string? clipTasks)
    {
        var value = clipTasks?.Trim() ?? "all";
        if (value == "all")
        {
            spec.ClipTasks = null;
            return null;
        }

        if (value == "none")
        {
            spec.ClipTasks = new ClipTaskChoice();
            return null;
        }

        var names = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length == 0 || names.Length > 100 || names.Any(n => n.Length > 64))
        {
            return $"'{ClipTasks}' is \"all\", \"none\" or up to 100 task names separated by commas";
        }

        spec.ClipTasks = new ClipTaskChoice { Names = { names.Distinct(StringComparer.Ordinal) } };
        return null;
    }

    /// <summary>Null when each clip task the spec names is one and has a promoted model; else why not.</summary>
    public static async Task<string?> CheckAsync(JobSpec spec, TaskCatalog catalog, ModelRegistry registry)
    {
        foreach (var name in spec.ClipTasks?.Names ?? [])
        {
            var task = await catalog.FindAsync(name);
            if (task is not ClipTask)
            {
                var clips = (await registry.TasksAsync()).Where(t => t.Kind == ClipTask.Kind).Select(t => t.Name).ToList();
                return task is null
                    ? $"'{name}' in {ClipTasks} is not a task (clip tasks: {(clips.Count == 0 ? "none defined" : string.Join(", ", clips))})"
                    : $"'{name}' in {ClipTasks} is not a clip task (clip tasks: {(clips.Count == 0 ? "none defined" : string.Join(", ", clips))})";
            }

            if (await registry.PromotedAsync(name) is null)
            {
                return $"clip task {name} has no promoted model yet: train it first (pbm model train {name} PATH)";
            }
        }

        return null;
    }
}
