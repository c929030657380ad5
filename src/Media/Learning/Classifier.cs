using System.Text.Json.Serialization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Trainers;
using Microsoft.ML.Trainers.FastTree;
using Microsoft.ML.Trainers.LightGbm;

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
    /// <summary>
    /// <c>sdca</c> (linear, maximum entropy), <c>fasttree</c> (boosted trees, one against the rest) or <c>lightgbm</c>
    /// (LightGBM's boosted trees over every class), trained by ML.NET in the node; <c>cnn</c> (a convolutional network over pictures) or <c>mlp-head</c> (a small network over feature
    /// vectors), trained by TorchSharp in the training process.
    /// </summary>
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

    /// <summary>Neural learners: passes over the training split.</summary>
    [JsonPropertyName("epochs")]
    public int Epochs { get; init; } = 8;

    /// <summary>Neural learners: examples per step.</summary>
    [JsonPropertyName("batch_size")]
    public int BatchSize { get; init; } = 64;

    /// <summary>Neural learners: Adam's learning rate.</summary>
    [JsonPropertyName("learning_rate")]
    public double LearningRate { get; init; } = 0.001;

    /// <summary>Neural learners: the threads libtorch computes on (one seed on one thread count gives one model).</summary>
    [JsonPropertyName("threads")]
    public int Threads { get; init; } = 2;

    /// <summary>The hidden layer's units (cnn: after the convolutions; mlp-head: its one hidden layer).</summary>
    [JsonPropertyName("hidden")]
    public int Hidden { get; init; } = 128;

    /// <summary>Whether the learner is a network the training process trains.</summary>
    [JsonIgnore]
    public bool Neural => Classifier.NeuralLearners.ContainsKey(Trainer);

    /// <summary>Checks the values, naming the bad one.</summary>
    public ClassifierConfig Validated() =>
        !Classifier.MlNetLearners.Contains(Trainer) && !Neural ? throw new ArgumentException($"trainer '{Trainer}' is not one of {string.Join(", ", Classifier.MlNetLearners.Concat(Classifier.NeuralLearners.Keys))}", nameof(Trainer))
        : Epochs is < 1 or > 1000 ? throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "epochs are 1–1000")
        : BatchSize is < 1 or > 4096 ? throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "batch_size is 1–4096")
        : LearningRate is not (> 0 and <= 1) ? throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "learning_rate is above 0 and at most 1")
        : Threads is < 1 or > 256 ? throw new ArgumentOutOfRangeException(nameof(Threads), Threads, "threads are 1–256")
        : Hidden is < 1 or > 4096 ? throw new ArgumentOutOfRangeException(nameof(Hidden), Hidden, "hidden is 1–4096")
        : Iterations is < 1 or > 10_000 ? throw new ArgumentOutOfRangeException(nameof(Iterations), Iterations, "iterations are 1–10000")
        : Holdout is <= 0 or >= 0.5 ? throw new ArgumentOutOfRangeException(nameof(Holdout), Holdout, "holdout is a share between 0 and 0.5")
        : this;
}

/// <summary>A label with the model's confidence in it (its probability, 0–1).</summary>
public sealed record Prediction(string Label, double Confidence);

/// <summary>A registered model's label for something (a scene, a transcript segment): the task, the label, its probability and the model version.</summary>
public sealed record ModelLabel(string Task, string Label, double Confidence, int ModelVersion);

/// <summary>
/// A multiclass classifier over fixed-length feature vectors: ML.NET's (<see cref="MlNetClassifier"/>, trained in the
/// node) or a neural network's (<see cref="NeuralClassifier"/>, trained by the training process). A model file says
/// which it is by its first bytes. Thread-safe.
/// </summary>
public abstract class Classifier
{
    /// <summary>The learners ML.NET trains in the node.</summary>
    public static IReadOnlyList<string> MlNetLearners { get; } = ["sdca", "fasttree", "lightgbm"];

    /// <summary>The learners the training process trains (TorchSharp), and the network each makes.</summary>
    public static IReadOnlyDictionary<string, string> NeuralLearners { get; } = new Dictionary<string, string> { ["cnn"] = "cnn", ["mlp-head"] = "mlp" };

    /// <summary>The length of the feature vectors this classifier takes.</summary>
    public abstract int FeatureCount { get; }

    /// <summary>The labels it can give.</summary>
    public abstract IReadOnlyList<string> Labels { get; }

    /// <summary>The most likely label for <paramref name="features"/> and its probability.</summary>
    public abstract Prediction Predict(float[] features);

    /// <summary>The model file's bytes.</summary>
    public abstract byte[] ToBytes();

    /// <summary>Trains one of ML.NET's learners on <paramref name="examples"/> (the neural ones run in the training process).</summary>
    public static Classifier Train(IReadOnlyList<LabelledExample> examples, ClassifierConfig config, CancellationToken cancel = default) => MlNetClassifier.Train(examples, config, cancel);

    /// <summary>Loads a model file; one that is not a classifier gives an error naming it.</summary>
    public static Classifier Load(string path) => Load(File.ReadAllBytes(path), $"'{path}'");

    /// <summary>Loads a model from its bytes (<paramref name="name"/> names it in errors): a neural model by its magic, else ML.NET's zip.</summary>
    public static Classifier Load(byte[] model, string name) =>
        model.AsSpan().StartsWith(NeuralClassifier.Magic) ? NeuralClassifier.Read(model, name) : MlNetClassifier.Load(model, name);

    /// <summary>Writes the model file to <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllBytes(path, ToBytes());
    }
}

/// <summary>
/// ML.NET's classifier: min-max normalised features, then SDCA maximum entropy, one-versus-all FastTree or LightGBM's
/// multiclass boosted trees. Saved as ML.NET's model zip.
/// </summary>
public sealed class MlNetClassifier : Classifier
{
    private readonly MLContext _ml;
    private readonly ITransformer _model;
    private readonly PredictionEngine<Row, Scored> _engine;
    private readonly string[] _labels;
    private readonly Lock _gate = new();

    private MlNetClassifier(MLContext ml, ITransformer model, int featureCount)
    {
        _ml = ml;
        _model = model;
        FeatureCount = featureCount;
        _engine = ml.Model.CreatePredictionEngine<Row, Scored>(model, inputSchemaDefinition: Schema(featureCount));
        var names = default(VBuffer<ReadOnlyMemory<char>>);
        _engine.OutputSchema["Score"].GetSlotNames(ref names);
        _labels = [.. names.DenseValues().Select(n => n.ToString())];
    }

    public override int FeatureCount { get; }

    public override IReadOnlyList<string> Labels => _labels;

    /// <summary>Trains on <paramref name="examples"/> (all of one feature length; at least two labels).</summary>
    public static new MlNetClassifier Train(IReadOnlyList<LabelledExample> examples, ClassifierConfig config, CancellationToken cancel = default)
    {
        config = config.Validated();
        if (config.Neural)
        {
            throw new ArgumentException($"the {config.Trainer} learner is a network the training process trains, not ML.NET", nameof(config));
        }

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
        IEstimator<ITransformer> learner = config.Trainer switch
        {
            "fasttree" => ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(new FastTreeBinaryTrainer.Options
            {
                NumberOfLeaves = 8,
                NumberOfTrees = config.Iterations,
                MinimumExampleCountPerLeaf = 2,
                LearningRate = 0.2,
                NumberOfThreads = 1,
            })),
            // Gradient-boosted trees, one model over every class, on config.Threads threads (one seed and thread count, one model).
            "lightgbm" => ml.MulticlassClassification.Trainers.LightGbm(new LightGbmMulticlassTrainer.Options
            {
                NumberOfIterations = config.Iterations,
                NumberOfThreads = config.Threads,
                Seed = config.Seed,
                Verbose = false,
                Silent = true,
            }),
            _ => ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(new SdcaMaximumEntropyMulticlassTrainer.Options
            {
                L2Regularization = config.L2,
                MaximumNumberOfIterations = config.Iterations,
                NumberOfThreads = 1,
            }),
        };
        cancel.ThrowIfCancellationRequested();
        var model = prepare.Append(learner).Append(ml.Transforms.Conversion.MapKeyToValue("PredictedLabel")).Fit(data);

        // ML.NET's fit takes no token (its cancellation is in a package not served here): a run cancelled meanwhile ends now.
        cancel.ThrowIfCancellationRequested();
        return new MlNetClassifier(ml, model, length);
    }

    /// <summary>Loads ML.NET's model zip (<paramref name="name"/> names it in errors).</summary>
    public static new MlNetClassifier Load(byte[] model, string name)
    {
        using var stream = new MemoryStream(model, writable: false);
        return Load(stream, name);
    }

    public override byte[] ToBytes()
    {
        using var stream = new MemoryStream();
        _ml.Model.Save(_model, _ml.Data.LoadFromEnumerable(Array.Empty<Row>(), Schema(FeatureCount)).Schema, stream);
        return stream.ToArray();
    }

    private static MlNetClassifier Load(Stream stream, string name)
    {
        var ml = new MLContext();
        try
        {
            var model = ml.Model.Load(stream, out var schema);
            var features = schema?["Features"].Type as VectorDataViewType
                ?? throw new InvalidDataException("it has no input column 'Features' of fixed length");
            return new MlNetClassifier(ml, model, features.Size);
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"{name} is not a classifier model: {ex.Message}", ex);
        }
    }

    public override Prediction Predict(float[] features)
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
