using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;

namespace MediaCluster.Media.Learning;

/// <summary>One labelled example: a feature vector, its label, and the split it was assigned to (if the dataset says).</summary>
public sealed record LabelledExample(float[] Features, string Label, DataSplit? Split = null, string Source = "");

/// <summary>Which part of a dataset an example is for.</summary>
public enum DataSplit
{
    Train,
    Validation,
    Test,
}

/// <summary>How a classifier is trained: the learner and its settings (a task's config file, versioned with each run).</summary>
public sealed record ClassifierConfig
{
    /// <summary><c>sdca</c> (linear, maximum entropy) or <c>fasttree</c> (boosted trees, one against the rest).</summary>
    [JsonPropertyName("trainer")]
    public string Trainer { get; init; } = "sdca";

    /// <summary>SDCA: passes over the data (0 = ML.NET's choice). FastTree: trees per class.</summary>
    [JsonPropertyName("iterations")]
    public int Iterations { get; init; } = 100;

    /// <summary>SDCA's L2 regularisation (null = ML.NET's choice); FastTree's learning rate is fixed at 0.2.</summary>
    [JsonPropertyName("l2")]
    public float? L2 { get; init; }

    /// <summary>The seed of the split and of the learner; training runs on one thread, so one seed gives one model.</summary>
    [JsonPropertyName("seed")]
    public int Seed { get; init; } = 7;

    /// <summary>Share of each label held out for validation and for test.</summary>
    [JsonPropertyName("holdout")]
    public double Holdout { get; init; } = 0.2;

    /// <summary>Checks the values, naming the bad one.</summary>
    public ClassifierConfig Validated() =>
        Trainer is not ("sdca" or "fasttree") ? throw new ArgumentException($"trainer '{Trainer}' is not one of sdca, fasttree", nameof(Trainer))
        : Iterations is < 1 or > 10_000 ? throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "iterations are 1–10000")
        : Holdout is <= 0 or >= 0.5 ? throw new ArgumentOutOfRangeException(nameof(Holdout), Holdout, "holdout is a share between 0 and 0.5")
        : this;
}

/// <summary>A label with the model's confidence in it (its probability, 0–1).</summary>
public sealed record Prediction(string Label, double Confidence);

/// <summary>A registered model's label for something (a scene, a transcript segment): the task, the label, its probability and the model version.</summary>
public sealed record ModelLabel(string Task, string Label, double Confidence, int ModelVersion);

/// <summary>
/// A multiclass classifier over fixed-length feature vectors, trained with ML.NET (min-max normalised features, then
/// SDCA maximum entropy or one-versus-all FastTree). Saved as ML.NET's model zip. Thread-safe.
/// </summary>
public sealed class Classifier
{
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly PredictionEngine<Row, Scored> _engine;
    private readonly string[] _labels;
    private readonly Lock _gate = new();

    private Classifier(MLContext ml, ITransformer model, int featureCount)
    {
        _ml = ml;
        _model = model;
        FeatureCount = featureCount;
        _engine = ml.Model.CreatePredictionEngine<Row, Scored>(model, inputSchemaDefinition: Schema(featureCount));
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        _engine.OutputSchema["Score"].GetSlotNames(ref names);
        _labels = [.. names.DenseValues().Select(n => n.ToString())];
    }

    /// <summary>The length of the feature vectors this classifier takes.</summary>
    public int FeatureCount { get; }

    /// <summary>The labels it can give, in the order of its scores.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>Trains on <paramref name="examples"/> (all of one feature length; at least two labels).</summary>
    public static Classifier Train(IReadOnlyList<LabelledExample> examples, ClassifierConfig config)
    {
        config = config.Validated();
        if (examples.Count == 0)
        {
            throw new ArgumentException("there is nothing to train on", nameof(examples));
        }

        var length = examples[0].Features.Length;
        if (examples.Any(e => e.Features.Length != length))
        {
            throw new ArgumentException($"the examples' feature vectors differ in length (first {length})", nameof(examples));
        }

        if (examples.Select(e => e.Label).Distinct().Count() < 2)
        {
            throw new ArgumentException($"training needs at least two labels; the data has only '{examples[0].Label}'", nameof(examples));
        }

        var ml = new MLContext(config.Seed);
        var data = ml.Data.LoadFromEnumerable(examples.Select(e => new Row { Label = e.Label, Features = e.Features }), Schema(length));
        var prepare = ml.Transforms.Conversion.MapValueToKey("Label").Append(ml.Transforms.NormalizeMinMax("Features"));
        // One thread each: both learners split their work over threads in an order the scheduler picks, so the same seed
        // gave different models (and a held-out F1 that moved between runs); the data here is small enough not to miss them.
        IEstimator<ITransformer> learner = config.Trainer == "fasttree"
            ? ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                NumberOfLeaves = 8,
                NumberOfTrees = config.Iterations,
                MinimumExampleCountPerLeaf = 2,
                LearningRate = 0.2,
                NumberOfThreads = 1,
            }))
            : ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                L2Regularization = config.L2,
                MaximumNumberOfIterations = config.Iterations,
                NumberOfThreads = 1,
            });
        var model = prepare.Append(learner).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(data);
        return new Classifier(ml, model, length);
    }

    /// <summary>Loads a classifier saved with <see cref="Save"/>; a file that is not one gives an error naming it.</summary>
    public static Classifier Load(string path)
    {
        using var file = File.OpenRead(path);
        return Load(file, $"'{path}'");
    }

    /// <summary>Loads a classifier from the bytes <see cref="Save"/> wrote (<paramref name="name"/> names it in errors).</summary>
    public static Classifier Load(byte[] model, string name)
    {
        using var stream = new MemoryStream(model, writable: false);
        return Load(stream, name);
    }

    /// <summary>The model file's bytes.</summary>
    public byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        _ml.Model.Save(_model, _ml.Data.LoadFromEnumerable(Array.Empty<Row>(), Schema(FeatureCount)).Schema, stream);
        return stream.ToArray();
    }

    private static Classifier Load(Stream stream, string name)
    {
        var ml = new MLContext();
        try
        {
            var model = ml.Model.Load(stream, out var schema);
            var features = schema?["Features"].Type as VectorDataViewType
                ?? throw new InvalidDataException("it has no input column 'Features' of fixed length");
            return new Classifier(ml, model, features.Size);
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"{name} is not a classifier model: {ex.Message}", ex);
        }
    }

    /// <summary>Writes the model (ML.NET's zip) to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, ToBytes());
    }

    /// <summary>The most likely label for <paramref name="features"/> and its probability.</summary>
    public Prediction Predict(float[] features)
    {
        if (features.Length != FeatureCount)
        {
            throw new ArgumentException($"the model takes {FeatureCount} features, not {features.Length}", nameof(features));
        }

        Scored scored;
        lock (_gate)
        {
            scored = _engine.Predict(new Row { Label = string.Empty, Features = features });
        }

        var best = 0;
        for (var i = 1; i < scored.Score.Length; i++)
        {
            if (scored.Score[i] > scored.Score[best])
            {
                best = i;
            }
        }

        // SDCA's scores are probabilities; one-versus-all's are each class's own, so normalise them to sum to one.
        var total = scored.Score.Sum();
        return new Prediction(_labels[best], total > 0 ? scored.Score[best] / total : 0);
    }

    private static SchemaDefinition Schema(int length)
    {
        var schema = SchemaDefinition.Create(typeof(Row));
        schema["Features"].ColumnType = new VectorDataViewType(NumberDataViewType.Single, length);
        return schema;
    }

    private sealed class Row
    {
        public string Label { get; set; } = string.Empty;

        public float[] Features { get; set; } = [];
    }

    private sealed class Scored
    {
        public string PredictedLabel { get; set; } = string.Empty;

        public float[] Score { get; set; } = [];
    }
}
