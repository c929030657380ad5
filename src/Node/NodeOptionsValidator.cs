using Microsoft.Extensions.Options;

namespace MediaCluster.Node;

/// <summary>
/// Every range a node's settings must lie in, in one place; each failure is a sentence naming its key. It runs where
/// the settings are loaded (<see cref="NodeHost"/>), before the host is built: the listeners, the token and the actor
/// system are made from them. Checks that read files (the cluster certificate, a whisper or speaker model) stay where those
/// files are read, in <see cref="MediaClusterHosting"/>.
/// </summary>
public sealed class NodeOptionsValidator : IValidateOptions<NodeOptions>
{
    public ValidateOptionsResult Validate(string? name, NodeOptions options)
    {
        var failures = new List<string>();
        Host(options, failures);
        Jobs(options, failures);
        Live(options.Live, failures);
        Scenes(options.Scenes, failures);
        Check(
            failures,
            options.Diarization.EmbeddingThreshold is > 0 and <= 2,
            $"Node:Diarization:EmbeddingThreshold must be a cosine distance above 0 and at most 2 (it is {options.Diarization.EmbeddingThreshold})");
        Training(options.Training, failures);
        Check(
            failures,
            options.Telemetry.OtlpEndpoint is null
                || (Uri.TryCreate(options.Telemetry.OtlpEndpoint, UriKind.Absolute, out var otlp) && otlp.Scheme is "http" or "https" && otlp.Query.Length == 0),
            $"Node:Telemetry:OtlpEndpoint must be an http:// or https:// address of an OTLP/HTTP receiver, such as http://collector:4318 (it is '{options.Telemetry.OtlpEndpoint}')");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    private static void Host(NodeOptions options, List<string> failures)
    {
        foreach (var (key, port) in new[] { ("HttpPort", options.HttpPort), ("ManagementPort", options.ManagementPort), ("Cluster:Port", options.Cluster.Port) })
        {
            Check(failures, port is >= 0 and <= 65535, $"Node:{key} {port} is not a port (0–65535; 0 takes any free port)");
        }

        Check(failures, options.MaxUploadBytes >= 1, $"Node:MaxUploadBytes must be positive (it is {options.MaxUploadBytes})");
        Check(failures, options.SessionHours is > 0 and <= 24 * 365, $"Node:SessionHours must be more than 0 and at most a year (it is {options.SessionHours})");
        Check(
            failures,
            options.Cluster.Certificate is { Length: > 0 } || options.Cluster.OnLoopback || options.Cluster.AllowInsecure,
            $"Node:Cluster:Host '{options.Cluster.Host}' is not loopback, and without Node:Cluster:Certificate the cluster port would speak plain TCP that anyone reaching it can join: set the cluster certificate (docs/operations.md, Cluster credentials), or Node:Cluster:AllowInsecure true for a lab");
        if (options.Asr.Engine == Media.Asr.AsrEngine.Whisper)
        {
            Check(failures, options.Asr.Threads is null or >= 1 && options.Asr.BeamSize >= 1, $"Node:Asr:Threads and Node:Asr:BeamSize must be at least 1 (got {options.Asr.Threads}, {options.Asr.BeamSize})");
        }
    }

    private static void Jobs(NodeOptions options, List<string> failures)
    {
        foreach (var (key, slots) in new[] { ("AsrSlots", options.AsrSlots), ("VadSlots", options.VadSlots), ("Scenes:Slots", options.Scenes.Slots) })
        {
            Check(failures, slots is null or >= 1, $"Node:{key} must be at least 1 (it is {slots}; leave it unset for the default)");
        }

        Check(failures, options.Jobs.MaxCrashes >= 1, $"Node:Jobs:MaxCrashes must be at least 1 (it is {options.Jobs.MaxCrashes})");
        Check(failures, options.Jobs.KeepFailedInputsHours >= 0 && double.IsFinite(options.Jobs.KeepFailedInputsHours), $"Node:Jobs:KeepFailedInputsHours must be 0 or more (it is {options.Jobs.KeepFailedInputsHours})");
    }

    private static void Live(LiveSettings live, List<string> failures)
    {
        foreach (var (key, value, least) in new (string, double?, double)[]
        {
            ("MaxSessions", live.MaxSessions, 1), ("MaxStreams", live.MaxStreams, 1),
            ("MaxFrameBytes", live.MaxFrameBytes, 1024), ("MaxSessionMinutes", live.MaxSessionMinutes, 0.1),
            ("IdleTimeoutSeconds", live.IdleTimeoutSeconds, 1), ("EndOfUtteranceSeconds", live.EndOfUtteranceSeconds, 0.1),
            ("MaxUtteranceSeconds", live.MaxUtteranceSeconds, 2),
        })
        {
            Check(failures, value is not { } v || (v >= least && !double.IsNaN(v)), $"Node:Live:{key} must be at least {least} (it is {value})");
        }

        Check(failures, live.MaxUtteranceSeconds <= 30, $"Node:Live:MaxUtteranceSeconds must be at most 30, the longest segment a recogniser takes (it is {live.MaxUtteranceSeconds})");
    }

    private static void Scenes(SceneSettings scenes, List<string> failures)
    {
        try
        {
            _ = new Media.Video.SceneOptions { Threshold = scenes.Threshold, MinScene = TimeSpan.FromSeconds(scenes.MinSceneSeconds) }.Validated();
        }
        catch (Exception ex) when (ex is ArgumentOutOfRangeException or OverflowException or ArgumentException)
        {
            var key = ex is ArgumentOutOfRangeException { ParamName: "Threshold" } ? "Threshold" : "MinSceneSeconds";
            failures.Add($"Node:Scenes:{key}: {ex.Message.Split(" (Parameter")[0]}");
        }
    }

    private static void Training(TrainingSettings training, List<string> failures)
    {
        foreach (var (key, value) in new (string, long)[]
        {
            ("MaxDataFileBytes", training.MaxDataFileBytes), ("MaxExamples", training.MaxExamples), ("MaxLabels", training.MaxLabels),
            ("MaxPicturePixels", training.MaxPicturePixels), ("MaxDatasetFiles", training.MaxDatasetFiles), ("MaxUnpackedBytes", training.MaxUnpackedBytes),
        })
        {
            Check(failures, value >= 1, $"Node:Training:{key} must be at least 1 (it is {value})");
        }
    }

    private static void Check(List<string> failures, bool ok, string failure)
    {
        if (!ok)
        {
            failures.Add(failure);
        }
    }
}
