using System.Net.Http.Json;
using MediaCluster.Media.Samples;

namespace MediaCluster.Node.Tests;

/// <summary>pbm's model palette against a served node: training on a server path and on uploads, listing, promoting.</summary>
public sealed class PbmModelTests : PbmTest
{
    [Fact]
    public async Task Model_TrainListShowPromote()
    {
        var folder = Path.Combine(Folder, "datasets", "movement");
        var csv = await ShotClips.WriteDatasetAsync(folder, perLabel: 4, seed: 51);

        // The folder by its path on the node (this node's uploads are limited to 4 MB; uploads are tested below).
        var (status, output, errors) = await PbmAsync("model", "train", "shot-movement", folder, "--server-path");
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        Assert.Matches("^shot-movement: training on dataset [0-9a-f]{16} queued; ", output);
        var hash = output.Split(' ')[4];

        // The list shows the version with its metrics once the run is done: promoted, or rejected for not beating the
        // default model (made at start by the node's classifiers) on the same test split — the reason says which. (A
        // version is registered as a candidate a moment before that decision is written.)
        var deadline = DateTime.UtcNow.AddMinutes(3);
        string[] row;
        do
        {
            await Task.Delay(250);
            (status, output, _) = await PbmAsync("model", "list", "shot-movement");
            row = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split('\t')).FirstOrDefault(r => r[6] == hash) ?? [];
            Assert.True(DateTime.UtcNow < deadline, $"no version on dataset {hash} in 3 minutes: {output}");
        }
        while (row.Length == 0 || row[2] == "candidate");
        Assert.Equal("16", row[5]);
        Assert.True(row[2] == "promoted" ? row[8].Contains("macro-F1", StringComparison.Ordinal) : row[2] == "rejected" && row[8].Contains("does not beat v", StringComparison.Ordinal), string.Join(' ', row));

        (status, output, _) = await PbmAsync("model", "show", "shot-movement", row[1]);
        Assert.Equal(0, status);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith($"shot-movement v{row[1]}: {row[2]} (", lines[0]);
        Assert.Equal("TRUE\\PREDICTED\tmotion\tpull\tpush\tstatic\tPRECISION\tRECALL", lines[2]);
        Assert.Equal(4, lines.Length - 3);

        // The same data named by its CSV: trained before. The trainer lists the run.
        (status, output, _) = await PbmAsync("model", "train", "shot-movement", csv, "--server-path");
        Assert.Equal($"shot-movement: dataset {hash} was trained before, as v{row[1]}\n", output);
        (_, output, _) = await PbmAsync("model", "training");
        Assert.Contains($"shot-movement v{row[1]} on {hash}: {row[2]} (", output);

        (status, _, errors) = await PbmAsync("model", "train", "shot-movement", "/etc", "--server-path");
        Assert.Equal((1, "error: '/etc' is not inside an allowed root (Node:AllowedRoots)\n"), (status, errors));
        (status, _, errors) = await PbmAsync("model", "train", "faces", csv);
        Assert.Equal((1, "error: unknown task 'faces' (known: shot-movement, shot-scale, text)\n"), (status, errors));
        (status, output, _) = await PbmAsync("model", "promote", "shot-movement", row[1]);
        Assert.Equal((0, $"shot-movement v{row[1]} promoted\n"), (status, output));
        (status, _, errors) = await PbmAsync("model", "promote", "shot-movement", "99");
        Assert.Equal((1, "error: the registry has no shot-movement v99\n"), (status, errors));
    }

    [Fact]
    public async Task Model_UploadedDatasetsTrain_AHostileZipIsRefused()
    {
        var text = await TextSamples.WriteDatasetAsync(Path.Combine(Folder, "text"), perLabel: 30, seed: 61);
        var (status, output, errors) = await PbmAsync("model", "train", "text", text);
        Assert.True(status == 0, $"model train exited {status}: {errors}");
        Assert.Matches("^text: training on dataset [0-9a-f]{16} queued; ", output);

        // A folder goes as a zip of itself (the node unpacks it and finds the CSV one level down).
        var pictures = Path.Combine(Folder, "scale");
        await ShotScaleImages.WriteDatasetAsync(pictures, perLabel: 3, seed: 62);
        (status, output, errors) = await PbmAsync("model", "train", "shot-scale", pictures);
        Assert.True(status == 0, $"model train of a folder exited {status}: {errors}");
        Assert.Matches("^shot-scale: training on dataset [0-9a-f]{16} queued; ", output);

        // A zip whose entry climbs out of its folder: refused, and nothing is written outside the node's datasets.
        var zip = Path.Combine(Folder, "evil.zip");
        using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
        {
            await using var entry = archive.CreateEntry("../../escaped.csv").Open();
            await entry.WriteAsync("text,label\nhello,positive\n"u8.ToArray());
        }

        (status, _, errors) = await PbmAsync("model", "train", "text", zip);
        Assert.Equal(1, status);
        Assert.StartsWith("error: 'evil.zip' is not a dataset zip the node can unpack: ", errors);
        Assert.Empty(Directory.GetFiles(Data, "escaped.csv", SearchOption.AllDirectories));
        Assert.False(File.Exists(Path.Combine(Data, "escaped.csv")) || File.Exists(Path.Combine(Folder, "escaped.csv")));
        (status, _, errors) = await PbmAsync("model", "train", "text", Path.Combine(Folder, "notes.txt"));
        Assert.Equal((1, $"error: '{Path.Combine(Folder, "notes.txt")}' does not exist (a path on the node needs --server-path)\n"), (status, errors));

        // Once the two runs have ended (recorded), their unpacked uploads are removed.
        var uploads = Path.Combine(Data, "datasets", ".uploads");
        for (var deadline = DateTime.UtcNow.AddMinutes(5); ; await Task.Delay(500))
        {
            var trainer = await Served.Client.GetFromJsonAsync<System.Text.Json.JsonElement>("/api/trainer");
            var left = Directory.GetDirectories(uploads).SelectMany(Directory.GetDirectories).ToList();
            if (trainer.GetProperty("recent").GetArrayLength() >= 2 && trainer.GetProperty("queued").GetInt32() == 0 && left.Count == 0)
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, $"uploaded datasets still unpacked 5 minutes on: {string.Join(", ", left)} (trainer: {trainer})");
        }
    }
}
