using System.IO.Compression;

namespace MediaCluster.Testing;

/// <summary>Datasets crafted to exhaust a node, each beyond one of the Node:Training limits.</summary>
/// <param name="Sparse">A 2 GiB CSV that takes no disk (sparse).</param>
/// <param name="ManyLabels">A text CSV of 50 000 rows, each its own label.</param>
/// <param name="HugePicture">A zip whose labels.csv names a PNG stating 32000 × 32000 pixels.</param>
/// <param name="ManyEntries">A zip of 200 000 one-byte entries.</param>
public sealed record HostileDatasets(string Sparse, string ManyLabels, string HugePicture, string ManyEntries)
{
    /// <summary>Writes the four into <paramref name="directory"/>.</summary>
    public static async Task<HostileDatasets> WriteAsync(string directory)
    {
        var sparse = Path.Combine(directory, "sparse.csv");
        await using (var file = File.Create(sparse))
        {
            file.SetLength(2L << 30);
        }

        var labels = Path.Combine(directory, "labels.csv");
        await File.WriteAllLinesAsync(labels, ["text,label", .. Enumerable.Range(0, 50_000).Select(i => $"words number {i},label{i}")]);
        var huge = Path.Combine(directory, "huge-picture.zip");
        using (var zip = ZipFile.Open(huge, ZipArchiveMode.Create))
        {
            await using (var csv = new StreamWriter(zip.CreateEntry("labels.csv").Open()))
            {
                await csv.WriteAsync("path,label\nhuge.png,CS\n");
            }

            await using var png = zip.CreateEntry("huge.png").Open();
            await png.WriteAsync(HostileMedia.HugePng());
        }

        var many = Path.Combine(directory, "many-entries.zip");
        using (var zip = ZipFile.Open(many, ZipArchiveMode.Create))
        {
            for (var i = 0; i < 200_000; i++)
            {
                await using var entry = zip.CreateEntry($"f{i}.csv", CompressionLevel.NoCompression).Open();
                entry.WriteByte((byte)'x');
            }
        }

        return new HostileDatasets(sparse, labels, huge, many);
    }
}
