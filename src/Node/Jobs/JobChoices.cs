using MediaCluster.Actors.Training;
using MediaCluster.Media.Diarization;
using MediaCluster.Media.Learning;
using MediaCluster.Messages.Jobs;

namespace MediaCluster.Node.Jobs;

/// <summary>
/// What a submitter may choose per job: form fields of an upload, or properties of a JSON submission, by the same
/// names: <c>clip_tasks</c>, the clip tasks users defined that label a video's scenes; <c>speakers</c>, or
/// <c>min_speakers</c> and <c>max_speakers</c>, how many people speak.
/// </summary>
internal static class JobChoices
{
    public const string ClipTasks = "clip_tasks";
    public const string Speakers = "speakers";
    public const string MinSpeakers = "min_speakers";
    public const string MaxSpeakers = "max_speakers";

    /// <summary>The form fields an upload may carry beside its file (others are ignored).</summary>
    public static IReadOnlySet<string> Fields { get; } = new HashSet<string>(StringComparer.Ordinal) { ClipTasks, Speakers, MinSpeakers, MaxSpeakers };

    /// <summary>The longest value a field may have (in bytes).</summary>
    public const int MaxFieldBytes = 4096;

    /// <summary>Sets the choices given (by field name; absent ones keep their defaults) on the spec, or says why one cannot be read.</summary>
    public static string? Apply(JobSpec spec, IReadOnlyDictionary<string, string> fields) =>
        ApplyClipTasks(spec, fields.GetValueOrDefault(ClipTasks)) ?? ApplySpeakers(spec, fields.GetValueOrDefault(Speakers), fields.GetValueOrDefault(MinSpeakers), fields.GetValueOrDefault(MaxSpeakers));

    /// <summary>
    /// The speaker count (1–<see cref="SpeakerCount.Limit"/>) or bounds; absent: found between 1 and
    /// <see cref="SpeakerCount.DefaultMax"/>.
    /// </summary>
    private static string? ApplySpeakers(JobSpec spec, string? count, string? min, string? max)
    {
        int? Read(string? value, string name, out string? error)
        {
            error = null;
            if (value is null || value.Trim().Length == 0)
            {
                return null;
            }

            if (int.TryParse(value.Trim(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number is >= 1 and <= SpeakerCount.Limit)
            {
                return number;
            }

            error = $"'{name}' is a whole number from 1 to {SpeakerCount.Limit}";
            return null;
        }

        var (c, m, x) = (Read(count, Speakers, out var e1), Read(min, MinSpeakers, out var e2), Read(max, MaxSpeakers, out var e3));
        if ((e1 ?? e2 ?? e3) is { } error)
        {
            return error;
        }

        if (c is not null && (m is not null || x is not null))
        {
            return $"give '{Speakers}' or '{MinSpeakers}'/'{MaxSpeakers}', not both";
        }

        if (m is not null && x is not null && m > x)
        {
            return $"'{MinSpeakers}' ({m}) is more than '{MaxSpeakers}' ({x})";
        }

        spec.Speakers = c is null && m is null && x is null ? null : new SpeakerChoice { Count = c ?? 0, Min = m ?? 0, Max = x ?? 0 };
        return null;
    }

    /// <summary>
    /// Sets <paramref name="clipTasks"/> on the spec — "all" (also when absent: every clip task with a promoted model),
    /// "none", or task names separated by commas — or says why it cannot be read.
    /// </summary>
    private static string? ApplyClipTasks(JobSpec spec, string? clipTasks)
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
