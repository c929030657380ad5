using System.Security.Cryptography;
using System.Text.Json;

namespace MediaCluster.Media.Learning;

/// <summary>An entry of a <c>labels.csv</c>: a clip (full path), its label, and the split if the file names one.</summary>
public sealed record LabelledFile(string Path, string Label, DataSplit? Split);

/// <summary>
/// Datasets of labelled clips or pictures: <c>labels.csv</c> files (<c>path,label[,split]</c>, a header line, paths
/// relative to the file and inside its folder), or MovieShots annotation JSON (<c>{movie: {shot: {"scale": {"label":
/// "CS"}, "movement": {"label": "Static"}}}}</c>, clips at <c>trailer/MOVIE/shot_SHOT.mp4</c> beside it, as that
/// dataset is laid out; shots whose clip is absent are left out). A dataset is every such file at the paths given (a
/// folder means its data files); its version is a SHA-256 over the files and every clip they name, so the same data is
/// the same version wherever it lies.
/// </summary>
public static class Datasets
{
    /// <summary>The data files at <paramref name="paths"/> (files as given; in folders those matching <paramref name="patterns"/>, default *.csv), in a stable order.</summary>
    public static IReadOnlyList<string> DataFiles(IEnumerable<string> paths, IReadOnlyList<string>? patterns = null)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                files.AddRange((patterns ?? ["*.csv"]).SelectMany(pattern => Directory.GetFiles(path, pattern, SearchOption.TopDirectoryOnly)));
            }
            else if (File.Exists(path))
            {
                files.Add(Path.GetFullPath(path));
            }
            else
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"the dataset path '{path}' does not exist");
            }
        }

        return files.Count == 0
            ? throw new MediaException(MediaErrorKind.InvalidInput, $"no data file ({string.Join(", ", patterns ?? ["*.csv"])}) at {string.Join(", ", paths)}")
            : [.. files.Distinct().Order(StringComparer.Ordinal)];
    }

    /// <summary>
    /// Reads one data file: a MovieShots JSON (labels under <paramref name="movieShotsKey"/>, "movement" or "scale";
    /// movement labels lower-cased to ours) or a <c>labels.csv</c>, where a bad line, a path leaving the file's folder or
    /// a missing clip is an error naming the line.
    /// </summary>
    public static IReadOnlyList<LabelledFile> ReadLabels(string csv, string? movieShotsKey = null, DatasetLimits? limits = null)
    {
        limits ??= DatasetLimits.Default;
        if (csv.EndsWith(".json", StringComparison.OrdinalIgnoreCase))
        {
            return ReadMovieShots(csv, movieShotsKey is { Length: > 0 } key ? key : throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(csv)}: this task does not read MovieShots JSON"), limits);
        }

        var folder = Path.GetDirectoryName(Path.GetFullPath(csv))!;
        var entries = new List<LabelledFile>();
        var labels = new HashSet<string>(StringComparer.Ordinal);
        var name = Path.GetFileName(csv);
        foreach (var (fields, line) in DataCsv.Records(limits.ReadText(csv), name))
        {
            var parts = fields.Select(f => f.Trim()).ToArray();
            if (line == 1 && parts[0].Equals("path", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (parts.Length is < 2 or > 3 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{name} line {line}: expected path,label[,split], got '{Shorten(string.Join(',', fields))}'");
            }

            var path = Path.GetFullPath(Path.Combine(folder, parts[0]));
            if (!path.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{name} line {line}: '{Shorten(parts[0])}' is outside the dataset's folder");
            }

            if (!File.Exists(path))
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{name} line {line}: '{parts[0]}' does not exist");
            }

            DataSplit? split = parts.Length == 3 && parts[2].Length > 0
                ? parts[2].All(char.IsAsciiLetter) && Enum.TryParse<DataSplit>(parts[2], ignoreCase: true, out var s) ? s
                    : throw new MediaException(MediaErrorKind.InvalidInput, $"{name} line {line}: split '{Shorten(parts[2])}' is not train, validation or test")
                : null;
            entries.Add(new LabelledFile(path, parts[1], split));
            limits.CheckExamples(csv, entries.Count);
            labels.Add(parts[1]);
            limits.CheckLabels(csv, labels);
        }

        return entries.Count == 0 ? throw new MediaException(MediaErrorKind.InvalidInput, $"{Path.GetFileName(csv)} lists no examples") : entries;
    }

    /// <summary>The dataset's version: SHA-256 (hex, first 16 characters) over its data files' content and every clip's content.</summary>
    public static async Task<string> HashAsync(
        IReadOnlyList<string> csvFiles, string? movieShotsKey = null, DatasetLimits? limits = null, CancellationToken cancellationToken = default)
    {
        limits ??= DatasetLimits.Default;
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var csv in csvFiles)
        {
            hash.AppendData(limits.ReadBytes(csv));
            foreach (var entry in ReadLabels(csv, movieShotsKey, limits))
            {
                if (PictureSize.IsPicture(entry.Path))
                {
                    limits.CheckPicture(entry.Path); // refused before the dataset is queued, not when a run decodes it
                }

                await using var clip = File.OpenRead(entry.Path);
                hash.AppendData(await SHA256.HashDataAsync(clip, cancellationToken).ConfigureAwait(false));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    /// <summary>The examples of a dataset of <paramref name="task"/>: each file's features as the task measures them.</summary>
    public static async Task<IReadOnlyList<LabelledExample>> ExamplesAsync(ShotTask task, IReadOnlyList<string> csvFiles, IProgress<double>? progress = null, CancellationToken cancellationToken = default)
    {
        var entries = csvFiles.SelectMany(file => ReadLabels(file, task.MovieShotsKey, task.Limits)).ToList();
        task.Limits.CheckExamples(csvFiles[0], entries.Count);
        task.Limits.CheckLabels(csvFiles[0], entries.Select(e => e.Label).ToHashSet(StringComparer.Ordinal));
        var examples = new List<LabelledExample>(entries.Count);
        foreach (var entry in entries)
        {
            try
            {
                examples.Add(new LabelledExample(await task.ExampleFeaturesAsync(entry.Path, cancellationToken).ConfigureAwait(false), entry.Label, entry.Split, entry.Path));
            }
            catch (MediaException ex)
            {
                throw new MediaException(ex.Kind, $"dataset file '{Path.GetFileName(entry.Path)}': {ex.Message}", ex);
            }

            progress?.Report(examples.Count / (double)entries.Count);
        }

        return examples;
    }

    private static IReadOnlyList<LabelledFile> ReadMovieShots(string json, string key, DatasetLimits limits)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(json))!;
        var name = Path.GetFileName(json);
        var entries = new List<LabelledFile>();
        try
        {
            using var document = JsonDocument.Parse(limits.ReadBytes(json), new JsonDocumentOptions { MaxDepth = 8 });
            foreach (var movie in document.RootElement.EnumerateObject())
            {
                foreach (var shot in movie.Value.EnumerateObject())
                {
                    if (!shot.Value.TryGetProperty(key, out var labelled) || !labelled.TryGetProperty("label", out var label) || label.GetString() is not { Length: > 0 } text)
                    {
                        continue;
                    }

                    // Ids become a path: only letters and digits (a hostile id cannot leave the folder).
                    if (!movie.Name.All(char.IsAsciiLetterOrDigit) || !shot.Name.All(char.IsAsciiLetterOrDigit))
                    {
                        throw new MediaException(MediaErrorKind.InvalidInput, $"{name}: '{Shorten(movie.Name)}/{Shorten(shot.Name)}' is not a MovieShots movie/shot id");
                    }

                    var clip = Path.Combine(folder, "trailer", movie.Name, $"shot_{shot.Name}.mp4");
                    if (File.Exists(clip))
                    {
                        entries.Add(new LabelledFile(clip, key == "movement" ? text.ToLowerInvariant() : text, null));
                        limits.CheckExamples(json, entries.Count);
                    }
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            throw new MediaException(MediaErrorKind.InvalidInput, $"{name} is not MovieShots annotation JSON: {ex.Message}", ex);
        }

        return entries.Count == 0
            ? throw new MediaException(MediaErrorKind.InvalidInput, $"{name}: no shot with a '{key}' label has its clip at trailer/MOVIE/shot_SHOT.mp4 beside it")
            : entries;
    }

    private static string Shorten(string text) => text.Length > 80 ? text[..80] + "…" : text;
}
