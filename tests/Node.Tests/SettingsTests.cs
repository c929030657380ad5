using System.Net;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

public sealed class SettingsTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("mc-settings-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    [Fact]
    public void Validator_DefaultsPass_AndEveryBadValueIsNamed()
    {
        var validator = new NodeOptionsValidator();
        Assert.True(validator.Validate(null, new NodeOptions()).Succeeded);

        var bad = new NodeOptions { HttpPort = -1, Live = new LiveSettings { MaxUtteranceSeconds = 31 }, Training = new TrainingSettings { MaxLabels = 0 } };
        Assert.Equal(
            [
                "Node:HttpPort -1 is not a port (0–65535; 0 takes any free port)",
                "Node:Live:MaxUtteranceSeconds must be at most 30, the longest segment a recogniser takes (it is 31)",
                "Node:Training:MaxLabels must be at least 1 (it is 0)",
            ],
            validator.Validate(null, bad).Failures);
    }

    [Theory]
    [InlineData("--Node:HttpPort", "70000", "Node:HttpPort 70000 is not a port (0–65535; 0 takes any free port)")]
    [InlineData("--Node:ManagementAddress", "nowhere", "Node:ManagementAddress 'nowhere' is not an IP address (or 'localhost')")]
    [InlineData("--Node:MaxUploadBytes", "0", "Node:MaxUploadBytes must be positive (it is 0)")]
    [InlineData("--Node:AsrSlots", "banana", "Node:AsrSlots 'banana' is not a whole number")]
    [InlineData("--Node:AsrSlots", "0", "Node:AsrSlots must be at least 1 (it is 0; leave it unset for the default)")]
    [InlineData("--Node:VadSlots", "-2", "Node:VadSlots must be at least 1 (it is -2; leave it unset for the default)")]
    [InlineData("--Node:Journal:Bogus", "x", "Node:Journal:Bogus is not a setting (known: DataDirectory, OutputRoot, AllowedRoots:0…, Inbox, Asr:Engine, Asr:WhisperModel, Asr:Threads, Asr:Language, Asr:BeamSize, Asr:TemperatureFallback, AsrSlots, SegmentsPerJob, VadSlots, Roles:0…, Live:MaxSessions, Live:MaxStreams, Live:MaxFrameBytes, Live:MaxSessionMinutes, Live:IdleTimeoutSeconds, Live:EndOfUtteranceSeconds, Live:MaxUtteranceSeconds, Scenes:Threshold, Scenes:MinSceneSeconds, Scenes:Slots, Telemetry:OtlpEndpoint, Diarization:Enabled, Diarization:EmbeddingModel, Diarization:EmbeddingThreshold, Datasets, Journal:ConnectionString, Jobs:MaxCrashes, Jobs:KeepFailedInputsHours, Training:MaxDataFileBytes, Training:MaxExamples, Training:MaxLabels, Training:MaxPicturePixels, Training:MaxDatasetFiles, Training:MaxUnpackedBytes, Inference:Device, Cluster:Host, Cluster:Port, Cluster:PublicHostname, Cluster:Seeds:0…, Cluster:Certificate, Cluster:CertificatePassword, Cluster:TrustedCertificates:0…, Cluster:AllowInsecure, HttpAddress, HttpPort, ManagementAddress, ManagementPort, ApiTokenFile, SessionHours, MaxUploadBytes)")]
    [InlineData("--Node:Live:IdleTimeoutSeconds", "0", "Node:Live:IdleTimeoutSeconds must be at least 1 (it is 0)")]
    [InlineData("--Node:Live:MaxUtteranceSeconds", "45", "Node:Live:MaxUtteranceSeconds must be at most 30, the longest segment a recogniser takes (it is 45)")]
    [InlineData("--Node:Scenes:Threshold", "1.5", "Node:Scenes:Threshold: the scene threshold is between 0 and 1 (exclusive)")]
    [InlineData("--Node:Roles:0", "gpus", "Node:Roles:0 'gpus' is not a role (api, jobs, gpu)")]
    [InlineData("--Node:Scenes:Slots", "0", "Node:Scenes:Slots must be at least 1 (it is 0; leave it unset for the default)")]
    [InlineData("--Node:Diarization:EmbeddingThreshold", "0", "Node:Diarization:EmbeddingThreshold must be a cosine distance above 0 and at most 2 (it is 0)")]
    [InlineData("--Node:Telemetry:OtlpEndpoint", "collector:4318", "Node:Telemetry:OtlpEndpoint must be an http:// or https:// address of an OTLP/HTTP receiver, such as http://collector:4318 (it is 'collector:4318')")]
    [InlineData("--Node:Jobs:MaxCrashes", "0", "Node:Jobs:MaxCrashes must be at least 1 (it is 0)")]
    [InlineData("--Node:Jobs:KeepFailedInputsHours", "-1", "Node:Jobs:KeepFailedInputsHours must be 0 or more (it is -1)")]
    [InlineData("--Node:Training:MaxLabels", "0", "Node:Training:MaxLabels must be at least 1 (it is 0)")]
    [InlineData("--Node:Inference:Device", "tpu", "Node:Inference:Device 'tpu' is not one of auto, cpu, cuda")]
    [InlineData("--Node:Asr:Engine", "vosk", "Node:Asr:Engine 'vosk' is not one of pocketsphinx, whisper")]
    [InlineData("--Node:Cluster:Seeds:0", "nowhere", "Node:Cluster:Seeds 'nowhere' is not host:port (e.g. mc-0.mc:4053)")]
    [InlineData("--Node:AllowedRoots", "/srv", "Node:AllowedRoots is a list: give its items as Node:AllowedRoots:0, Node:AllowedRoots:1, …")]
    [InlineData("--Node:Journal", "Host=db", "Node:Journal is a section: set Node:Journal:ConnectionString")]
    [InlineData("--Node:Bogus", "1", "Node:Bogus is not a setting (known: DataDirectory, OutputRoot, AllowedRoots:0…, Inbox, Asr:Engine, Asr:WhisperModel, Asr:Threads, Asr:Language, Asr:BeamSize, Asr:TemperatureFallback, AsrSlots, SegmentsPerJob, VadSlots, Roles:0…, Live:MaxSessions, Live:MaxStreams, Live:MaxFrameBytes, Live:MaxSessionMinutes, Live:IdleTimeoutSeconds, Live:EndOfUtteranceSeconds, Live:MaxUtteranceSeconds, Scenes:Threshold, Scenes:MinSceneSeconds, Scenes:Slots, Telemetry:OtlpEndpoint, Diarization:Enabled, Diarization:EmbeddingModel, Diarization:EmbeddingThreshold, Datasets, Journal:ConnectionString, Jobs:MaxCrashes, Jobs:KeepFailedInputsHours, Training:MaxDataFileBytes, Training:MaxExamples, Training:MaxLabels, Training:MaxPicturePixels, Training:MaxDatasetFiles, Training:MaxUnpackedBytes, Inference:Device, Cluster:Host, Cluster:Port, Cluster:PublicHostname, Cluster:Seeds:0…, Cluster:Certificate, Cluster:CertificatePassword, Cluster:TrustedCertificates:0…, Cluster:AllowInsecure, HttpAddress, HttpPort, ManagementAddress, ManagementPort, ApiTokenFile, SessionHours, MaxUploadBytes)")]
    public async Task BadSettings_AreRefusedNamingTheKey(string key, string value, string expected)
    {
        var error = await Assert.ThrowsAsync<NodeSettingsException>(() => NodeHost.BuildAsync(["--Node:DataDirectory", Path.Combine(_directory, "data"), key, value]));
        Assert.Equal(expected, error.Message);
    }

    [Fact]
    public async Task ClusterCertificate_ThatIsNotAKeyPair_RefusesToStartNamingTheFile()
    {
        using var withKey = MediaCluster.Testing.TestCertificates.SelfSigned();
        using var publicOnly = System.Security.Cryptography.X509Certificates.X509CertificateLoader.LoadCertificate(withKey.RawData);
        var noKey = MediaCluster.Testing.TestCertificates.WritePkcs12(publicOnly, Path.Combine(_directory, "public.pfx"));
        var notPkcs12 = Path.Combine(_directory, "cluster.pem");
        await File.WriteAllTextAsync(notPkcs12, "-----BEGIN CERTIFICATE-----\nnot really\n");

        var error = await Assert.ThrowsAsync<NodeSettingsException>(() => Build("--Node:Cluster:Certificate", noKey));
        Assert.Equal($"Node:Cluster:Certificate '{noKey}' has no private key; the node needs it to prove it belongs to the cluster", error.Message);
        error = await Assert.ThrowsAsync<NodeSettingsException>(() => Build("--Node:Cluster:Certificate", notPkcs12));
        Assert.StartsWith($"Node:Cluster:Certificate '{notPkcs12}' could not be read as a PKCS#12 file (certificate and private key): ", error.Message);
        error = await Assert.ThrowsAsync<NodeSettingsException>(() => Build("--Node:Cluster:Certificate", Path.Combine(_directory, "missing.pfx")));
        Assert.StartsWith($"Node:Cluster:Certificate '{Path.Combine(_directory, "missing.pfx")}' could not be read", error.Message);

        using var old = MediaCluster.Testing.TestCertificates.SelfSigned(notBefore: DateTimeOffset.UtcNow.AddDays(-30), notAfter: DateTimeOffset.UtcNow.AddDays(-1));
        var expired = MediaCluster.Testing.TestCertificates.WritePkcs12(old, Path.Combine(_directory, "expired.pfx"));
        error = await Assert.ThrowsAsync<NodeSettingsException>(() => Build("--Node:Cluster:Certificate", expired));
        Assert.StartsWith($"Node:Cluster:Certificate '{expired}' is valid from ", error.Message);
        Assert.EndsWith(", not now: its peers would refuse it; make a new one (docs/operations.md, Cluster credentials)", error.Message);
    }

    [Fact]
    public async Task TrustedCertificates_ThatAreNotCertificates_OrWithoutOneOfItsOwn_RefuseToStartNamingTheCause()
    {
        using var cluster = MediaCluster.Testing.TestCertificates.SelfSigned();
        var own = MediaCluster.Testing.TestCertificates.WritePkcs12(cluster, Path.Combine(_directory, "cluster.pfx"), "pw");
        var notACertificate = Path.Combine(_directory, "next.crt");
        await File.WriteAllTextAsync(notACertificate, "-----BEGIN CERTIFICATE-----\nnot really\n");

        var error = await Assert.ThrowsAsync<NodeSettingsException>(() => Build(
            "--Node:Cluster:Certificate", own, "--Node:Cluster:CertificatePassword", "pw", "--Node:Cluster:TrustedCertificates:0", notACertificate));
        Assert.StartsWith($"Node:Cluster:TrustedCertificates '{notACertificate}' could not be read as a certificate (PEM or DER): ", error.Message);
        error = await Assert.ThrowsAsync<NodeSettingsException>(() => Build("--Node:Cluster:TrustedCertificates:0", notACertificate));
        Assert.Equal("Node:Cluster:TrustedCertificates needs Node:Cluster:Certificate: without a certificate of its own the node speaks plain TCP and checks no peer", error.Message);
    }

    [Fact]
    public async Task ApiTokenFile_IsTheTokenTheNodeTakes_AndAShortOneIsRefused()
    {
        const string Token = "0123456789abcdef0123456789abcdef";
        var tokenFile = Path.Combine(_directory, "shared-token");
        await File.WriteAllTextAsync(tokenFile, Token + "\n");
        var data = Path.Combine(_directory, "data");
        await using (var app = await NodeHost.BuildAsync(["--Node:DataDirectory", data, "--Node:HttpPort", "0", "--Node:ManagementPort", "0", "--Node:ApiTokenFile", tokenFile]))
        {
            await app.StartAsync();
            var endpoints = System.Text.Json.JsonSerializer.Deserialize<NodeEndpoints>(await File.ReadAllTextAsync(Path.Combine(data, NodeHost.EndpointsFile)))!;
            using var client = new HttpClient { BaseAddress = new Uri(endpoints.Api) };
            client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/api/jobs")).StatusCode);
            Assert.False(File.Exists(Path.Combine(data, ApiToken.FileName)), "the node made a token of its own beside the given one");
            await app.StopAsync();
        }

        await File.WriteAllTextAsync(tokenFile, "short");
        var error = await Assert.ThrowsAsync<NodeSettingsException>(() => Build("--Node:ApiTokenFile", tokenFile));
        Assert.Equal($"Node:ApiTokenFile '{tokenFile}' holds 5 characters; a token has at least 32", error.Message);
    }

    /// <summary>A cluster port off loopback without the cluster certificate is refused at start, unless the lab setting allows it.</summary>
    [Fact]
    public async Task ClusterPortOffLoopback_WithoutACertificate_IsRefused()
    {
        var error = await Assert.ThrowsAsync<NodeSettingsException>(() => Build("--Node:Cluster:Host", "0.0.0.0"));
        Assert.StartsWith(
            "Node:Cluster:Host '0.0.0.0' is not loopback, and without Node:Cluster:Certificate the cluster port would speak plain TCP that anyone reaching it can join",
            error.Message);
        await using var lab = await Build("--Node:Cluster:Host", "0.0.0.0", "--Node:Cluster:AllowInsecure", "true", "--Node:HttpPort", "0", "--Node:ManagementPort", "0");
        await using var loopback = await Build("--Node:Cluster:Host", "::1", "--Node:HttpPort", "0", "--Node:ManagementPort", "0");
    }

    private Task<Microsoft.AspNetCore.Builder.WebApplication> Build(params string[] flags) => NodeHost.BuildAsync(["--Node:DataDirectory", Path.Combine(_directory, "data"), .. flags]);

    [Fact]
    public async Task InferenceDeviceCuda_OnTheCpuBuild_RefusesToStartNamingWhatIsMissing()
    {
        var error = await Assert.ThrowsAsync<MediaCluster.Media.MediaException>(() =>
            ServedNode.StartAsync(Path.Combine(_directory, "data"), "--Node:Inference:Device", "cuda"));
        Assert.Equal(
            "ONNX model 'silero_vad_v5.onnx' cannot run on CUDA (Node:Inference:Device is cuda): this build has the CPU-only ONNX Runtime (build with -p:OnnxRuntimeFlavor=Gpu for CUDA)",
            error.Message);
    }

    [Fact]
    public async Task AppSettingsJson_InTheContentRoot_ConfiguresTheNode_AndFlagsWin()
    {
        await File.WriteAllTextAsync(Path.Combine(_directory, "appsettings.json"), """
            { "Node": { "MaxUploadBytes": 123, "AsrSlots": 1, "VadSlots": 3 } }
            """);
        await using var node = await ServedNode.StartAsync(Path.Combine(_directory, "data"), "--contentRoot", _directory, "--Node:VadSlots", "2");

        using var content = new MultipartFormDataContent { { new ByteArrayContent(new byte[200]), "file", "a.wav" } };
        var response = await node.Client.PostAsync("/api/jobs", content);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Contains("larger than the limit of 123 bytes", await response.Content.ReadAsStringAsync());

        var metrics = await node.Client.GetStringAsync("/metrics");
        Assert.Equal(1, PrometheusText.Value(metrics, "mediacluster_asr_slots"));
        Assert.Equal(2, PrometheusText.Value(metrics, "mediacluster_vad_slots"));
    }
}
