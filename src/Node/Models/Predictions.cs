using System.Collections.Concurrent;
using MediaCluster.Actors.Training;
using MediaCluster.Media;
using MediaCluster.Media.Learning;
using MediaCluster.Messages.Api;

namespace MediaCluster.Node.Models;

/// <summary>
/// Labels files with a task's promoted model, on the node that was asked (the model file comes from the registry and
/// is kept while it stays the promoted version): pictures for image tasks, text files for text tasks, clips or
/// pictures for the scene tasks — each measured as the task measures its training examples.
/// </summary>
internal sealed class Predictions(ModelRegistry registry, TaskCatalog catalog)
{
    private readonly ConcurrentDictionary<string, (int Version, Classifier Model)> _models = new(StringComparer.Ordinal);

    /// <summary>Each file's label; an error names the file or the task's state.</summary>
    public async Task<IReadOnlyList<PredictionInfo>> PredictAsync(string task, IReadOnlyList<(string Name, string Path)> files, CancellationToken ct)
    {
        var learning = await catalog.FindAsync(task) ?? throw new MediaException(MediaErrorKind.InvalidInput, $"unknown task '{task}' (known: {string.Join(", ", await catalog.NamesAsync())})");
        var promoted = await registry.PromotedAsync(task) ?? throw new MediaException(MediaErrorKind.InvalidInput, $"task {task} has no promoted model yet: train it first (pbm model train {task} PATH)");
        if (!_models.TryGetValue(task, out var cached) || cached.Version != promoted.Version)
        {
            cached = (promoted.Version, Classifier.Load(await registry.ArtifactAsync(task, promoted.Version), $"{task} v{promoted.Version}"));
            _models[task] = cached;
        }

        var answers = new List<PredictionInfo>();
        foreach (var (name, path) in files)
        {
            float[] features;
            try
            {
                features = learning switch
                {
                    ImageTask image => image.PictureFeatures(path),
                    TextTask text => TextTask.Features(text.Limits.ReadText(path)),
                    ShotTask shot => await shot.ExampleFeaturesAsync(path, ct),
                    _ => throw new MediaException(MediaErrorKind.InvalidInput, $"task {task} cannot label files"),
                };
            }
            catch (MediaException ex)
            {
                throw new MediaException(ex.Kind, $"{name}: {ex.Message}", ex);
            }

            if (features.Length != cached.Model.FeatureCount)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{name}: {task} v{cached.Version} takes {cached.Model.FeatureCount} features, this file gives {features.Length}");
            }

            var prediction = cached.Model.Predict(features);
            answers.Add(new PredictionInfo(name, prediction.Label, Math.Round(prediction.Confidence, 4), cached.Version));
        }

        return answers;
    }
}
