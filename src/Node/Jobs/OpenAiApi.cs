using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;
using MediaCluster.Actors.Jobs;
using MediaCluster.Actors.Training;
using MediaCluster.Media.Reports;
using MediaCluster.Messages.Api;
using MediaCluster.Messages.Jobs;
using Microsoft.Net.Http.Headers;

namespace MediaCluster.Node.Jobs;

/// <summary>
/// OpenAI's transcription API, as whisper.cpp's server and the faster-whisper servers speak it, so that an application
/// written against it (its official SDKs among them) runs on a node unchanged: <c>POST /v1/audio/transcriptions</c>
/// (multipart <c>file</c>, <c>model</c>, <c>language</c>, <c>response_format</c>, <c>timestamp_granularities[]</c>)
/// answers when the job ends, and <c>GET /v1/models</c> lists the recogniser. Each request is an ordinary job (listed,
/// resumable; it carries on if the client goes away, its results kept); the API token is the key. Errors come in
/// OpenAI's shape, <c>{"error": {"message", "type", "param", "code"}}</c>.
/// </summary>
internal static class OpenAiApi
{
    /// <summary>The model name OpenAI's own service and most clients use; taken as this node's recogniser.</summary>
    public const string WhisperAlias = "whisper-1";

    private static readonly HashSet<string> s_fields = new(StringComparer.Ordinal)
    {
        "model", "language", "response_format", "timestamp_granularities[]", "timestamp_granularities", "prompt", "temperature",
    };

    private static readonly JsonSerializerOptions s_json = new(ApiJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };

    public static void Map(IEndpointRouteBuilder app, NodeOptions options)
    {
        app.MapGet("/v1/models", () => TypedResults.Json(
            new ModelList("list", [new ModelInfo(EngineOf(options), "model", 0, "mediacluster")]), s_json));
        app.MapPost("/v1/audio/transcriptions", (HttpContext context, JobsGateway jobs, TaskCatalog catalog, ModelRegistry registry, CancellationToken ct) =>
            TranscribeAsync(context, jobs, catalog, registry, options, ct));
    }

    /// <summary>The answer to a request on /v1 that was not signed: OpenAI's shape, for its clients to read.</summary>
    public static IResult Unauthorized() =>
        Error("missing or wrong API key: send the node's API token (api-token in its data directory) as the bearer token", StatusCodes.Status401Unauthorized, code: "invalid_api_key");

    private static async Task<IResult> TranscribeAsync(
        HttpContext context, JobsGateway jobs, TaskCatalog catalog, ModelRegistry registry, NodeOptions options, CancellationToken ct)
    {
        if (!MediaTypeHeaderValue.TryParse(context.Request.ContentType, out var type) || !type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            return Error("send the audio as multipart/form-data with a 'file' part", StatusCodes.Status400BadRequest, param: "file");
        }

        var id = Guid.NewGuid().ToString("N")[..12];
        var (spec, refusal, status, fields) = await UploadStore.ReceiveAsync(context, type, id, options, s_fields, ct);
        if (spec is null)
        {
            return Error(refusal!, status, param: "file");
        }

        string? Field(string name) => fields.LastOrDefault(f => f.Key == name).Value?.Trim();
        var format = Field("response_format") is { Length: > 0 } given ? given : "json";
        var granularities = fields.Where(f => f.Key.StartsWith("timestamp_granularities", StringComparison.Ordinal)).SelectMany(f => f.Value.Split(',')).Select(g => g.Trim()).ToHashSet();
        var engine = EngineOf(options);
        var wrong = Field("model") switch
        {
            null or "" => ("you must give a 'model' (GET /v1/models lists them)", "model", StatusCodes.Status400BadRequest, (string?)null),
            var model when model != engine && model != WhisperAlias => ($"the model '{model}' does not exist here (this node's recogniser: {engine}; {WhisperAlias} also names it)", "model", StatusCodes.Status404NotFound, "model_not_found"),
            _ when format is not ("json" or "text" or "srt" or "vtt" or "verbose_json") => ($"'{format}' is not a response_format: json, text, srt, vtt or verbose_json", "response_format", StatusCodes.Status400BadRequest, null),
            _ when granularities.FirstOrDefault(g => g is not ("segment" or "word")) is { } g => ($"'{g}' is not a timestamp granularity: segment or word", "timestamp_granularities", StatusCodes.Status400BadRequest, null),
            _ when granularities.Count > 0 && format != "verbose_json" => ("timestamp_granularities need response_format verbose_json", "timestamp_granularities", StatusCodes.Status400BadRequest, null),
            _ when Field("language") is { Length: > 0 } language && !Speaks(options, language) => ($"this node's recogniser does not take language '{language}' (it speaks {Language(options)})", "language", StatusCodes.Status400BadRequest, null),
            _ => default,
        };
        if (wrong.Item1 is { } message)
        {
            UploadStore.Delete(Path.GetDirectoryName(spec.InputPath)!);
            return Error(message, wrong.Item3, wrong.Item2, wrong.Item4);
        }

        var (started, startRefusal, startStatus) = await JobApi.StartAsync(spec, jobs, catalog, registry, ct);
        if (started is null)
        {
            return Error(startRefusal!, startStatus);
        }

        // The answer waits for the job's end; a client that goes away leaves the job running and its results kept.
        JobProgress? end = null;
        await foreach (var update in jobs.FollowAsync(id, ct))
        {
            end = update;
        }

        if (end is not { State: JobState.Completed })
        {
            return Error($"job {id} {(end?.State == JobState.Cancelled ? "was cancelled" : "failed")}: {end?.Error}", StatusCodes.Status400BadRequest, code: "job_failed");
        }

        var folder = Path.Combine(options.ResultsRoot, id);
        var transcript = TranscriptFormats.ParseJson(await File.ReadAllTextAsync(Path.Combine(folder, JobOutput.TranscriptJson.Name), ct));
        return format switch
        {
            "text" => TypedResults.Text(transcript.Text + "\n", "text/plain; charset=utf-8"),
            "srt" => TypedResults.Text(await File.ReadAllTextAsync(Path.Combine(folder, JobOutput.Subtitles.Name), ct), "text/plain; charset=utf-8"),
            "vtt" => TypedResults.Text(await File.ReadAllTextAsync(Path.Combine(folder, JobOutput.WebVtt.Name), ct), "text/plain; charset=utf-8"), // as OpenAI serves it (its SDK reads text/plain)
            "verbose_json" => TypedResults.Json(Verbose(transcript, options, granularities), s_json),
            _ => TypedResults.Json(new { text = transcript.Text }, s_json),
        };
    }

    /// <summary>verbose_json: the text, the language and duration, and the segments (unless only words were asked for) and the words (when asked for).</summary>
    private static VerboseTranscription Verbose(Transcript transcript, NodeOptions options, HashSet<string> granularities)
    {
        var spoken = transcript.Segments.Where(s => s.Text.Length > 0).ToList();
        return new VerboseTranscription(
            "transcribe",
            Language(options),
            Math.Round(transcript.Duration.TotalSeconds, 3),
            transcript.Text,
            granularities.Count == 0 || granularities.Contains("segment")
                ? [.. spoken.Select((s, i) => new VerboseSegment(
                    i, 0, Seconds(s.Start), Seconds(s.End), s.Text, [], 0, Math.Round(Math.Log(Math.Clamp(s.Confidence, 1e-6, 1)), 4), 1, 0, transcript.SpeakerOf(s)))]
                : null,
            granularities.Contains("word")
                ? [.. spoken.SelectMany(s => s.Words).Select(w => new VerboseWord(w.Text, Seconds(w.Start), Seconds(w.End)))]
                : null);
    }

    private static double Seconds(TimeSpan time) => Math.Round(time.TotalSeconds, 3);

    private static string EngineOf(NodeOptions options) => options.Asr.Engine == Media.Asr.AsrEngine.Whisper ? "whisper" : "pocketsphinx";

    /// <summary>The recogniser's language as OpenAI names it: pocketsphinx's model is US English; whisper's is Node:Asr:Language.</summary>
    private static string Language(NodeOptions options) =>
        options.Asr.Engine == Media.Asr.AsrEngine.Whisper && options.Asr.Language != "en" ? options.Asr.Language : "english";

    /// <summary>Whether a request's ISO-639-1 language is the one the node recognises (any, for whisper on "auto").</summary>
    private static bool Speaks(NodeOptions options, string language) =>
        language.Equals("en", StringComparison.OrdinalIgnoreCase) || language.Equals("english", StringComparison.OrdinalIgnoreCase)
            ? Language(options) == "english" || options.Asr.Language == "auto"
            : options.Asr.Engine == Media.Asr.AsrEngine.Whisper && (options.Asr.Language == "auto" || options.Asr.Language.Equals(language, StringComparison.OrdinalIgnoreCase));

    private static IResult Error(string message, int status, string? param = null, string? code = null) =>
        TypedResults.Json(new ErrorAnswer(new ErrorBody(message, status >= 500 ? "server_error" : "invalid_request_error", param, code)), ApiJson.Options, statusCode: status);

    private sealed record ModelList(string Object, IReadOnlyList<ModelInfo> Data);

    private sealed record ModelInfo(string Id, string Object, long Created, string OwnedBy);

    private sealed record VerboseTranscription(
        string Task, string Language, double Duration, string Text, IReadOnlyList<VerboseSegment>? Segments, IReadOnlyList<VerboseWord>? Words);

    private sealed record VerboseSegment(
        int Id, int Seek, double Start, double End, string Text, int[] Tokens, double Temperature, double AvgLogprob, double CompressionRatio,
        double NoSpeechProb, string? Speaker);

    private sealed record VerboseWord(string Word, double Start, double End);

    private sealed record ErrorAnswer(ErrorBody Error);

    private sealed record ErrorBody(string Message, string Type, string? Param, string? Code);
}
