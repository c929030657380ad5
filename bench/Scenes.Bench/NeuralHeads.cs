using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using MediaCluster.Bench;
using MediaCluster.Media.Ffmpeg;
using MediaCluster.Media.Samples;
using MediaCluster.Testing;

/// <summary>
/// The shot-movement task's heads over the frames' ResNet-18 embeddings and the camera's motion (a clip task's
/// features), trained through a node process as a user's <c>pbm model train</c> trains them: <c>mlp-head</c> (a small
/// network, in the training process) beside <c>sdca</c>, both on the generated default dataset; each then labels
/// clips of the same generator with other seeds and clips made differently (other ffmpeg sources, eased camera paths,
/// a hand-held static) through <c>POST /api/models/TASK/predict</c>. Printed beside the built-in movement learners'
/// figures on the same two sets, so how far each generalises is visible.
/// </summary>
internal static class NeuralHeads
{
    public static async Task MeasureAsync(string work, string trainCsv, string heldOutCsv, string otherCsv)
    {
        var root = BenchTools.Root();
        var nodeDll = Path.Combine(root, "src", "Node", "bin", "Release", "net10.0", "MediaCluster.Node.dll");
        var node = await NodeProcess.StartAsync(nodeDll, Path.Combine(work, "heads-node"), ["--Node:AllowedRoots:0", work], requestTimeout: TimeSpan.FromMinutes(5));
        try
        {
            foreach (var learner in new[] { "mlp-head", "sdca" })
            {
                var task = $"movement-{learner}";
                using (var defined = await node.Client.PostAsJsonAsync("api/models/tasks", new { name = task, kind = "clip", labels = ShotMovement.Labels, config = new { trainer = learner } }))
                {
                    Require(defined.IsSuccessStatusCode, await defined.Content.ReadAsStringAsync());
                }

                using (var queued = await node.Operator.PostAsJsonAsync($"api/models/{task}/train", new { paths = new[] { trainCsv } }))
                {
                    Require(queued.IsSuccessStatusCode, await queued.Content.ReadAsStringAsync());
                }

                var deadline = DateTime.UtcNow.AddMinutes(30);
                JsonElement versions;
                while ((versions = await node.Client.GetFromJsonAsync<JsonElement>($"api/models?task={task}")).GetArrayLength() == 0 || versions[0].GetProperty("status").GetString() == "candidate")
                {
                    var trainer = await node.Client.GetFromJsonAsync<JsonElement>("api/trainer");
                    if (trainer.GetProperty("recent").EnumerateArray().FirstOrDefault(r => r.GetProperty("task").GetString() == task && r.GetProperty("status").GetString() == "failed") is { ValueKind: JsonValueKind.Object } failed)
                    {
                        throw new InvalidOperationException($"{task}: the run failed: {failed.GetProperty("reason").GetString()}");
                    }

                    Require(DateTime.UtcNow < deadline, $"{task}: no version within 30 minutes");
                    await Task.Delay(1000);
                }

                var metrics = (await node.Client.GetFromJsonAsync<JsonElement>($"api/models/{task}/1")).GetProperty("metrics");
                BenchTools.Print($"movement_clip_{learner}_training_seconds", metrics.GetProperty("train_seconds").GetDouble());
                BenchTools.Print($"movement_clip_{learner}_heldout_accuracy", await AccuracyAsync(node, task, heldOutCsv));
                BenchTools.Print($"movement_clip_{learner}_othermade_accuracy", await AccuracyAsync(node, task, otherCsv));
            }
        }
        finally
        {
            node.Kill();
        }
    }

    /// <summary>The share of a labels CSV's clips the task's promoted model labels as the CSV says.</summary>
    private static async Task<double> AccuracyAsync(NodeProcess node, string task, string csv)
    {
        var folder = Path.GetDirectoryName(csv)!;
        var truth = (await File.ReadAllLinesAsync(csv)).Skip(1).Select(l => l.Split(',')).ToDictionary(p => p[0], p => p[1]);
        var right = 0;
        foreach (var chunk in truth.Keys.Chunk(32))
        {
            using var form = new MultipartFormDataContent();
            foreach (var name in chunk)
            {
                var part = new ByteArrayContent(await File.ReadAllBytesAsync(Path.Combine(folder, name)));
                part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                form.Add(part, "files", name);
            }

            using var answer = await node.Client.PostAsync($"api/models/{task}/predict", form);
            Require(answer.IsSuccessStatusCode, await answer.Content.ReadAsStringAsync());
            right += (await answer.Content.ReadFromJsonAsync<JsonElement>()).EnumerateArray().Count(p => truth[p.GetProperty("file").GetString()!] == p.GetProperty("label").GetString());
        }

        return right / (double)truth.Count;
    }

    /// <summary>
    /// Clips made otherwise than the default dataset's: pictures from other ffmpeg sources (SMPTE HD bars, the RGB test
    /// pattern and Sierpinski carpets, given texture), camera paths eased in and out (smoothstep) instead of linear,
    /// and a static shot held by hand (a slow sway of a few pixels). A labels CSV beside them; returns its path.
    /// </summary>
    public static async Task<string> WriteOtherMadeAsync(string directory, int perLabel, int seed)
    {
        Directory.CreateDirectory(directory);
        var random = new Random(seed);
        var lines = new List<string> { "path,label" };
        for (var i = 0; i < perLabel; i++)
        {
            foreach (var movement in ShotMovement.Labels)
            {
                var name = $"{movement}-other-{seed}-{i:000}.mp4";
                await WriteOtherAsync(Path.Combine(directory, name), movement, 2 + (random.NextDouble() * 4), random);
                lines.Add($"{name},{movement}");
            }
        }

        var csv = Path.Combine(directory, "labels.csv");
        await File.WriteAllLinesAsync(csv, lines);
        return csv;
    }

    private static async Task WriteOtherAsync(string path, string movement, double seconds, Random random)
    {
        const int fps = 25;
        var frames = (int)Math.Round(seconds * fps);
        var texture = "format=yuv444p,geq=lum='lum(X,Y)+35*sin(X/6+Y/13)*cos(Y/8)':cb='cb(X,Y)':cr='cr(X,Y)'";
        var picture = random.Next(3) switch
        {
            0 => $"smptehdbars=s=1280x720:r=25,{texture}",
            1 => $"rgbtestsrc=s=1280x720:r=25,{texture}",
            _ => $"sierpinski=s=1280x720:r=25:seed={random.Next(1, 100_000)}:type=carpet,{texture}",
        };
        double P() => 0.15 + (random.NextDouble() * 0.7);
        var (z0, z1) = movement switch
        {
            ShotMovement.Push => (1.05, 1.4 + (random.NextDouble() * 0.3)),
            ShotMovement.Pull => (1.4 + (random.NextDouble() * 0.3), 1.05),
            ShotMovement.Motion => (1.6, 1.6),
            _ => (1.2 + (random.NextDouble() * 0.4), 0.0),
        };
        z1 = movement == ShotMovement.Static ? z0 : z1;
        var (x0, y0) = (P(), P());
        var (x1, y1) = movement == ShotMovement.Motion ? (x0 < 0.5 ? x0 + 0.5 : x0 - 0.5, y0 + ((random.NextDouble() - 0.5) * 0.3)) : (x0, y0);
        string Eased(double a, double b) =>
            string.Create(CultureInfo.InvariantCulture, $"({a:0.####}+({b - a:0.####})*(3*pow(on/{frames},2)-2*pow(on/{frames},3)))");
        var sway = movement == ShotMovement.Static ? "+0.004*sin(on/9)" : string.Empty;
        var zoompan = $"zoompan=z='{Eased(z0, z1)}':x='(iw-iw/zoom)*({Eased(x0, x1)}{sway})':y='(ih-ih/zoom)*({Eased(y0, y1)})':d=1:s=320x180:fps={fps}";
        var filter = $"{picture},trim=end_frame=1,loop=loop=-1:size=1,setpts=N/25/TB,format=yuv420p,{zoompan},format=yuv420p";
        await FfmpegRunner.RunAsync(["-f", "lavfi", "-i", filter, "-frames:v", frames.ToString(CultureInfo.InvariantCulture), "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-an", path]);
    }

    private static void Require(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
