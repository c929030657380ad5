using System.Text.Json;
using MediaCluster.Actors.Hosting;
using MediaCluster.Media;
using MediaCluster.Media.Learning;

namespace MediaCluster.Actors.Training;

/// <summary>
/// Every task the trainer trains and a prediction can name: the built-in ones (shot-movement, shot-scale, text) and
/// those users define (<c>pbm model task add</c>), which live in the registry so every node sees them.
/// </summary>
public sealed class TaskCatalog(NodeEngines engines, ModelRegistry registry)
{
    /// <summary>The kinds of task a user can define.</summary>
    public static IReadOnlyList<string> Kinds { get; } = [ImageTask.Kind, ClipTask.Kind, TextTask.Kind];

    /// <summary>
    /// A kind's learner where a task's config names none: cnn for pictures, sdca for clips and texts (on 24 generated
    /// camera clips, sdca labelled 5 or more of 8 held-out ones right, mlp-head 4: a network needs more examples).
    /// </summary>
    public static string DefaultLearner(string kind) => kind == ImageTask.Kind ? "cnn" : "sdca";

    /// <summary>The task named <paramref name="name"/>, or null.</summary>
    public async Task<LearningTask?> FindAsync(string name) =>
        engines.LearningTask(name) ?? ((await registry.TasksAsync(name).ConfigureAwait(false)) is [var defined] ? Make(defined) : null);

    /// <summary>The tasks users defined, read from the registry in one query.</summary>
    public async Task<IReadOnlyList<LearningTask>> DefinedAsync() => [.. (await registry.TasksAsync().ConfigureAwait(false)).Select(Make)];

    /// <summary>Every task's name, the built-in ones first.</summary>
    public async Task<IReadOnlyList<string>> NamesAsync() =>
        [.. engines.LearningTasks.Select(t => t.Name), .. (await registry.TasksAsync().ConfigureAwait(false)).Select(t => t.Name)];

    /// <summary>
    /// Checks a definition a user gives and records it: a name of lower-case letters, digits and dashes not taken by a
    /// built-in or defined task, a known kind, distinct labels, a size for pictures, a valid config. Returns why not, or null.
    /// </summary>
    public async Task<string?> DefineAsync(TaskDefinition task)
    {
        if (task.Name.Length is < 1 or > 64 || !task.Name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-') || task.Name[0] == '-')
        {
            return $"a task's name is 1–64 lower-case letters, digits and dashes, not '{task.Name}'";
        }

        if (!Kinds.Contains(task.Kind))
        {
            return $"kind '{task.Kind}' is not one of {string.Join(", ", Kinds)}";
        }

        if (task.Labels.Any(l => l.Trim().Length == 0 || l.Length > 200) || task.Labels.Distinct(StringComparer.Ordinal).Count() != task.Labels.Count || task.Labels.Count > engines.Limits.MaxLabels)
        {
            return $"labels must be distinct, non-empty, at most 200 characters and at most {engines.Limits.MaxLabels}";
        }

        if (task.Kind == ImageTask.Kind && task.Size is < 4 or > 256)
        {
            return $"an image task's pictures are 4–256 pixels a side, not {task.Size}";
        }

        try
        {
            var config = Config(task);
            if (config.Trainer == "cnn" && task.Kind != ImageTask.Kind)
            {
                return "the cnn learner is for image tasks (use mlp-head, sdca or fasttree)";
            }
        }
        catch (Exception ex) when (ex is JsonException or ArgumentException)
        {
            return $"the config is not valid: {ex.Message}";
        }

        if (engines.LearningTask(task.Name) is not null)
        {
            return $"'{task.Name}' is a built-in task";
        }

        return await registry.DefineTaskAsync(task).ConfigureAwait(false) ? null : $"a task named '{task.Name}' exists already";
    }

    /// <summary>A defined task's training config (its JSON, validated).</summary>
    public static ClassifierConfig Config(TaskDefinition task) =>
        (JsonSerializer.Deserialize<ClassifierConfig>(task.Config) ?? throw new JsonException("the config is null")).Validated();

    private LearningTask Make(TaskDefinition task) => task.Kind switch
    {
        ImageTask.Kind => new ImageTask(task.Name, task.Labels, task.Size, Config(task)) { Limits = engines.Limits },
        TextTask.Kind => new TextTask(task.Name, task.Labels, Config(task)) { Limits = engines.Limits },
        ClipTask.Kind => new ClipTask(task.Name, task.Labels, Config(task), () => engines.Embedder) { Limits = engines.Limits },
        _ => throw new MediaException(MediaErrorKind.InvalidInput, $"task {task.Name} has kind '{task.Kind}', which this release does not know"),
    };
}
