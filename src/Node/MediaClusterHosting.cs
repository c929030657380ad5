using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using MediaCluster.Actors.Hosting;
using MediaCluster.Actors.Ingest;
using MediaCluster.Actors.Jobs;
using MediaCluster.Node.Jobs;

namespace MediaCluster.Node;

/// <summary>The host's wiring of a node: its options become the actors' options, and the node joins the host's services.</summary>
internal static class MediaClusterHosting
{
    /// <summary>Adds the node (engines, the Akka actor system, its gateways) configured from <paramref name="options"/>.</summary>
    public static IServiceCollection AddMediaCluster(this IServiceCollection services, NodeOptions options) =>
        services.AddMediaNode(ActorOptions(options));

    /// <summary>A seed given as host:port as an Akka address of this cluster's actor system (akka.ssl.tcp when the cluster has a certificate).</summary>
    private static string SeedAddress(string seed, bool tls) =>
        seed.LastIndexOf(':') is var colon and > 0 && int.TryParse(seed[(colon + 1)..], out var port) && port is > 0 and < 65536
            ? $"{(tls ? "akka.ssl.tcp" : "akka.tcp")}://{MediaClusterAkka.SystemName}@{seed[..colon]}:{port}"
            : throw new NodeSettingsException($"Node:Cluster:Seeds '{seed}' is not host:port (e.g. mc-0.mc:4053)");

    /// <summary>The actors' view of the node's settings.</summary>
    public static MediaNodeOptions ActorOptions(NodeOptions options) => new()
    {
        DataDirectory = Path.Combine(options.DataDirectory, "journal"),
        JournalConnectionString = options.Journal.ConnectionString,
        Recognizer = Recognizer(options.Asr),
        AsrSlots = options.AsrSlots,
        SegmentsPerJob = options.SegmentsPerJob,
        InferenceDevice = options.Inference.Device,
        VadSlots = options.VadSlots,
        Inbox = options.Inbox is { } inbox ? new WatchFolderOptions(Path.GetFullPath(inbox), options.ResultsRoot) : null,
        ClusterHost = options.Cluster.Host,
        ClusterPort = options.Cluster.Port,
        ClusterPublicHost = options.Cluster.PublicHostname,
        Seeds = [.. options.Cluster.Seeds.Select(seed => SeedAddress(seed, tls: options.Cluster.Certificate is { Length: > 0 }))],
        Roles = options.Roles is [] ? MediaNodeOptions.AllRoles : [.. options.Roles.Distinct().Select(role => role.Name())],
        ClusterCertificate = options.Cluster.Certificate is { Length: > 0 } path ? ClusterCertificate(path, options.Cluster.CertificatePassword) : null,
        TrustedCertificateHashes = TrustedCertificateHashes(options.Cluster),
        JobPaths = JobPathsOf(options),
        Live = LiveLimitsOf(options.Live),
        Scenes = ScenesOf(options.Scenes),
        SceneSlots = options.Scenes.Slots,
        Diarization = options.Diarization.Enabled,
        SpeakerModel = SpeakerModelOf(options.Diarization, options.Inference.Device),
        DatasetsDirectory = options.DatasetsRoot,
        MaxCrashes = options.Jobs.MaxCrashes,
        DatasetLimits = DatasetLimitsOf(options.Training),
        NetworkTrainer = NeuralTraining.Launcher(),
    };

    /// <summary>The training limits (their ranges checked by <see cref="NodeOptionsValidator"/>).</summary>
    internal static Media.Learning.DatasetLimits DatasetLimitsOf(TrainingSettings training) =>
        new Media.Learning.DatasetLimits
        {
            MaxDataFileBytes = training.MaxDataFileBytes,
            MaxExamples = training.MaxExamples,
            MaxLabels = training.MaxLabels,
            MaxPicturePixels = training.MaxPicturePixels,
        };

    /// <summary>The scene settings (their ranges checked by <see cref="NodeOptionsValidator"/>).</summary>
    private static Actors.Jobs.SceneWork ScenesOf(SceneSettings scenes) => Actors.Jobs.SceneWork.Default with
    {
        Options = new Media.Video.SceneOptions { Threshold = scenes.Threshold, MinScene = TimeSpan.FromSeconds(scenes.MinSceneSeconds) },
    };

    /// <summary>The live-audio limits (their ranges checked by <see cref="NodeOptionsValidator"/>).</summary>
    private static Actors.Live.LiveLimits LiveLimitsOf(LiveSettings live)
    {
        var defaults = new Actors.Live.LiveLimits();
        return defaults with
        {
            MaxSessions = live.MaxSessions ?? defaults.MaxSessions,
            MaxStreams = live.MaxStreams ?? defaults.MaxStreams,
            MaxFrameBytes = live.MaxFrameBytes,
            MaxSessionLength = TimeSpan.FromMinutes(live.MaxSessionMinutes),
            IdleTimeout = TimeSpan.FromSeconds(live.IdleTimeoutSeconds),
            Utterances = new Media.Live.LiveOptions
            {
                EndOfUtterance = TimeSpan.FromSeconds(live.EndOfUtteranceSeconds),
                MaxUtterance = TimeSpan.FromSeconds(live.MaxUtteranceSeconds),
            },
        };
    }

    /// <summary>
    /// The speaker-embedding model, loaded here to check it (and let go), so that a missing or unsuitable file stops the
    /// node at start, not a job; a gpu node loads it again on its first segment.
    /// </summary>
    private static Media.Diarization.SpeakerModelFile? SpeakerModelOf(DiarizationSettings diarization, Media.Onnx.InferenceDevice device)
    {
        if (!diarization.Enabled || string.IsNullOrWhiteSpace(diarization.EmbeddingModel))
        {
            return null;
        }

        var path = Path.GetFullPath(diarization.EmbeddingModel);
        try
        {
            using var model = new Media.Diarization.SpeakerEmbedder(path, diarization.EmbeddingThreshold, device);
            return new Media.Diarization.SpeakerModelFile(path, diarization.EmbeddingThreshold);
        }
        catch (Media.MediaException ex)
        {
            throw new NodeSettingsException($"Node:Diarization:EmbeddingModel: {ex.Message}");
        }
    }

    /// <summary>The recogniser settings; a whisper model is checked here, so a bad file stops the node at start, not a job.</summary>
    private static Media.Asr.RecognizerOptions Recognizer(AsrSettings asr)
    {
        if (asr.Engine != Media.Asr.AsrEngine.Whisper)
        {
            return new Media.Asr.RecognizerOptions();
        }

        if (string.IsNullOrWhiteSpace(asr.WhisperModel))
        {
            throw new NodeSettingsException(
                "Node:Asr:Engine is whisper but Node:Asr:WhisperModel is not set: give the path of a whisper.cpp ggml model (e.g. ggml-base.en.bin)");
        }

        try
        {
            Media.Asr.WhisperModelFile.Read(asr.WhisperModel);
        }
        catch (Media.MediaException ex)
        {
            throw new NodeSettingsException($"Node:Asr:WhisperModel: {ex.Message}");
        }

        return new Media.Asr.RecognizerOptions
        {
            Engine = Media.Asr.AsrEngine.Whisper,
            Whisper = new Media.Asr.WhisperOptions
            {
                ModelPath = Path.GetFullPath(asr.WhisperModel),
                Threads = asr.Threads,
                Language = asr.Language,
                BeamSize = asr.BeamSize,
                TemperatureFallback = asr.TemperatureFallback,
            },
        };
    }

    /// <summary>
    /// Where this node's jobs may read and write: each input root as given and with its links resolved (a path
    /// submission arrives resolved by <see cref="PathPolicy"/>, an inbox file as found under the folder as given).
    /// </summary>
    private static JobPaths JobPathsOf(NodeOptions options)
    {
        var roots = options.AllowedRoots.Concat(options.Inbox is { } inbox ? [inbox] : [])
            .SelectMany(root => new[] { Path.GetFullPath(root), Resolved(root) })
            .Distinct(StringComparer.Ordinal)
            .ToList();
        return new JobPaths(options.ResultsRoot, roots);

        static string Resolved(string root)
        {
            try
            {
                return PathPolicy.RealPath(root);
            }
            catch (IOException)
            {
                return Path.GetFullPath(root);
            }
        }
    }

    /// <summary>The SHA-256 pins of the certificates trusted besides the cluster's own (only with one of its own).</summary>
    private static List<string> TrustedCertificateHashes(ClusterSettings cluster)
    {
        if (cluster.TrustedCertificates is [] || cluster.Certificate is { Length: > 0 })
        {
            return [.. cluster.TrustedCertificates.Select(TrustedCertificateHash)];
        }

        throw new NodeSettingsException("Node:Cluster:TrustedCertificates needs Node:Cluster:Certificate: without a certificate of its own the node speaks plain TCP and checks no peer");
    }

    private static string TrustedCertificateHash(string path)
    {
        try
        {
            using var certificate = X509CertificateLoader.LoadCertificateFromFile(path);
            return MediaClusterAkka.Sha256(certificate);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new NodeSettingsException($"Node:Cluster:TrustedCertificates '{path}' could not be read as a certificate (PEM or DER): {ex.Message}");
        }
    }

    /// <summary>Loads the cluster's PKCS#12 file, or says why it cannot be the cluster's credentials.</summary>
    private static X509Certificate2 ClusterCertificate(string path, string? password)
    {
        X509Certificate2 certificate;
        try
        {
            certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or CryptographicException)
        {
            throw new NodeSettingsException($"Node:Cluster:Certificate '{path}' could not be read as a PKCS#12 file (certificate and private key): {ex.Message}");
        }

        if (!certificate.HasPrivateKey)
        {
            certificate.Dispose();
            throw new NodeSettingsException($"Node:Cluster:Certificate '{path}' has no private key; the node needs it to prove it belongs to the cluster");
        }

        var now = DateTime.UtcNow;
        if (now < certificate.NotBefore.ToUniversalTime() || now > certificate.NotAfter.ToUniversalTime())
        {
            var (from, to) = (certificate.NotBefore.ToUniversalTime(), certificate.NotAfter.ToUniversalTime());
            certificate.Dispose();
            throw new NodeSettingsException(
                $"Node:Cluster:Certificate '{path}' is valid from {from:u} to {to:u}, not now: its peers would refuse it; make a new one (docs/operations.md, Cluster credentials)");
        }

        return certificate;
    }
}
