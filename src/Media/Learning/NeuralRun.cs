using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace MediaCluster.Media.Learning;

/// <summary>
/// What the trainer hands the training process, in the run's folder: <c>run.json</c> (this) and <c>data.bin</c>
/// (<see cref="NeuralRunFiles"/>). <see cref="Key"/> names the data and the settings, so a checkpoint is resumed only by
/// a run of the same ones.
/// </summary>
/// <param name="Network">cnn or mlp.</param>
/// <param name="Input">The input's shape: [channels, height, width] for cnn, [features] for mlp.</param>
public sealed record NeuralRun(
    [property: JsonPropertyName("key")] string Key,
    [property: JsonPropertyName("network")] string Network,
    [property: JsonPropertyName("input")] IReadOnlyList<int> Input,
    [property: JsonPropertyName("labels")] IReadOnlyList<string> Labels,
    [property: JsonPropertyName("config")] ClassifierConfig Config);

/// <summary>One line the training process writes on its standard output while it trains (JSON).</summary>
public sealed record NeuralProgress(
    [property: JsonPropertyName("epoch")] int Epoch,
    [property: JsonPropertyName("epochs")] int Epochs,
    [property: JsonPropertyName("batch")] int Batch,
    [property: JsonPropertyName("batches")] int Batches,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("validation_accuracy")] double? ValidationAccuracy = null,
    [property: JsonPropertyName("resumed_from_epoch")] int? ResumedFromEpoch = null,
    [property: JsonPropertyName("peak_rss_mb")] double? PeakRssMb = null);

/// <summary>
/// The files of a neural run's folder. <c>data.bin</c> is <c>MCND</c>, a format version, the example count and the
/// feature count, then per example its label's index (int32), its split (one byte: 0 train, 1 validation, 2 test) and
/// its features (float32), all little-endian. The process writes <c>model.mcnn</c> and <c>test-labels.bin</c> (its own
/// predicted label index per test example, int32, in data order) when it ends well.
/// </summary>
public static class NeuralRunFiles
{
    public const string Spec = "run.json";
    public const string Data = "data.bin";
    public const string Model = "model.mcnn";
    public const string TestLabels = "test-labels.bin";
    private const int FormatVersion = 1;

    /// <summary>Writes the run's spec and data (each through a staging file, so a reader never sees half of one).</summary>
    public static async Task WriteAsync(string folder, NeuralRun run, IReadOnlyList<LabelledExample> examples, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(folder);
        var index = run.Labels.Select((l, i) => (l, i)).ToDictionary(p => p.l, p => p.i, StringComparer.Ordinal);
        var features = run.Input.Aggregate(1, (a, b) => a * b);
        var staging = Path.Combine(folder, $"{Data}.{Guid.NewGuid():N}");
        await using (var file = new FileStream(staging, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, useAsync: true))
        {
            var header = new byte[16];
            "MCND"u8.CopyTo(header);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), FormatVersion);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), examples.Count);
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), features);
            await file.WriteAsync(header, cancellationToken);
            var row = new byte[5 + features * 4];
            foreach (var example in examples)
            {
                if (example.Features.Length != features)
                {
                    throw new ArgumentException($"an example ({example.Source}) has {example.Features.Length} features, the network takes {features}", nameof(examples));
                }

                BinaryPrimitives.WriteInt32LittleEndian(row, index[example.Label]);
                row[4] = (byte)(example.Split ?? DataSplit.Train);
                for (var i = 0; i < features; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(row.AsSpan(5 + i * 4), example.Features[i]);
                }

                await file.WriteAsync(row, cancellationToken);
            }
        }

        File.Move(staging, Path.Combine(folder, Data), overwrite: true);
        var spec = Path.Combine(folder, $"{Spec}.{Guid.NewGuid():N}");
        await File.WriteAllTextAsync(spec, JsonSerializer.Serialize(run), cancellationToken);
        File.Move(spec, Path.Combine(folder, Spec), overwrite: true);
    }

    /// <summary>Reads the run's spec.</summary>
    public static NeuralRun ReadSpec(string folder) =>
        JsonSerializer.Deserialize<NeuralRun>(File.ReadAllText(Path.Combine(folder, Spec))) ?? throw new InvalidDataException($"{Spec} is null");

    /// <summary>Reads <c>data.bin</c>: per split, the features (one array, example after example) and the label indices.</summary>
    public static IReadOnlyDictionary<DataSplit, (float[] Features, int[] Labels)> ReadData(string folder, int features, int labels)
    {
        var bytes = File.ReadAllBytes(Path.Combine(folder, Data));
        if (bytes.Length < 16 || !bytes.AsSpan(0, 4).SequenceEqual("MCND"u8) || BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(4)) != FormatVersion)
        {
            throw new InvalidDataException($"{Data} is not a data file of format {FormatVersion}");
        }

        var count = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(12)) != features || count < 0 || 16 + (long)count * (5 + features * 4) != bytes.Length)
        {
            throw new InvalidDataException($"{Data} does not hold {count} examples of {features} features");
        }

        var row = 5 + features * 4;
        var sizes = new int[3];
        for (var at = 16; at < bytes.Length; at += row)
        {
            var label = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            if (label < 0 || label >= labels || bytes[at + 4] > 2)
            {
                throw new InvalidDataException($"{Data} holds an example with label {label} or split {bytes[at + 4]} out of range");
            }

            sizes[bytes[at + 4]]++;
        }

        var parts = Enum.GetValues<DataSplit>().ToDictionary(s => s, s => (Features: new float[sizes[(int)s] * features], Labels: new int[sizes[(int)s]]));
        var filled = new int[3];
        for (var at = 16; at < bytes.Length; at += row)
        {
            var split = (DataSplit)bytes[at + 4];
            var n = filled[(int)split]++;
            parts[split].Labels[n] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            var target = parts[split].Features.AsSpan(n * features, features);
            for (var i = 0; i < features; i++)
            {
                target[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(at + 5 + i * 4));
            }
        }

        return parts.ToDictionary(p => p.Key, p => (p.Value.Features, p.Value.Labels));
    }

    /// <summary>Writes label indices (int32 each) to <paramref name="path"/> through a staging file.</summary>
    public static void WriteLabels(string path, IReadOnlyList<int> labels)
    {
        var bytes = new byte[labels.Count * 4];
        for (var i = 0; i < labels.Count; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(i * 4), labels[i]);
        }

        WriteAtomically(path, bytes);
    }

    /// <summary>Reads what <see cref="WriteLabels"/> wrote.</summary>
    public static int[] ReadLabels(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var labels = new int[bytes.Length / 4];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(i * 4));
        }

        return labels;
    }

    /// <summary>Writes a file whole or not at all (a staging file beside it, then a rename).</summary>
    public static void WriteAtomically(string path, byte[] bytes)
    {
        var staging = $"{path}.{Guid.NewGuid():N}";
        File.WriteAllBytes(staging, bytes);
        File.Move(staging, path, overwrite: true);
    }
}
