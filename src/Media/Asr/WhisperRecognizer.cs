using System.Collections.Concurrent;
using Whisper.net;

namespace MediaCluster.Media.Asr;

/// <summary>How whisper recognises (<c>Node:Asr:*</c>).</summary>
public sealed record WhisperOptions
{
    /// <summary>A whisper.cpp ggml model file (e.g. ggml-base.en.bin), provided by the operator.</summary>
    public required string ModelPath { get; init; }

    /// <summary>Threads each recognition uses; default: every core.</summary>
    public int? Threads { get; init; }

    /// <summary>The spoken language ("en", "de", …) or "auto" to detect it per segment; English-only models always use "en".</summary>
    public string Language { get; init; } = "en";

    /// <summary>Beam width; 1 = greedy decoding (faster), whisper's own default for beam search is 5.</summary>
    public int BeamSize { get; init; } = 1;

    /// <summary>
    /// Decode a segment again at higher temperatures when the result looks wrong (whisper's default: slower on hard
    /// audio, fewer repetition loops); false decodes each segment once.
    /// </summary>
    public bool TemperatureFallback { get; init; } = true;
}

/// <summary>
/// Whisper (whisper.cpp through Whisper.net) behind <see cref="ISpeechRecognizer"/>. The model is loaded once; each of
/// <see cref="Concurrency"/> slots has its own processor, used by one segment at a time. Segments are decoded without
/// context from earlier ones, so a result never depends on what was recognised before (as with pocketsphinx).
/// Word times come from whisper's token timestamps; a word is the run of text tokens from one that starts with a space.
/// </summary>
public sealed class WhisperRecognizer : ISpeechRecognizer
{
    private const int SampleRate = 16000;
    private readonly WhisperOptions _options;
    private readonly WhisperFactory _factory;
    private readonly ConcurrentBag<WhisperProcessor> _idle = [];
    private readonly List<WhisperProcessor> _all = [];
    private readonly SemaphoreSlim _slots;
    private bool _disposed;

    /// <summary>Checks and loads the model (a bad file throws a <see cref="MediaException"/> before whisper.cpp sees it).</summary>
    public WhisperRecognizer(WhisperOptions options, int? concurrency = null)
    {
        _options = options;
        Info = WhisperModelFile.Read(options.ModelPath);
        Threads = Math.Max(1, options.Threads ?? Environment.ProcessorCount);
        Concurrency = Math.Max(1, concurrency ?? Environment.ProcessorCount / Threads);
        _slots = new SemaphoreSlim(Concurrency, Concurrency);
        try
        {
            _factory = WhisperFactory.FromPath(options.ModelPath);
        }
        catch (Exception ex) when (ex is WhisperModelLoadException or DllNotFoundException or EntryPointNotFoundException)
        {
            throw new MediaException(
                ex is WhisperModelLoadException ? MediaErrorKind.InvalidInput : MediaErrorKind.ToolMissing,
                $"whisper.cpp could not load '{options.ModelPath}': {ex.Message}", ex);
        }
    }

    /// <summary>What the model file says about itself.</summary>
    public WhisperModelInfo Info { get; }

    /// <summary>Threads per recognition.</summary>
    public int Threads { get; }

    /// <inheritdoc/>
    public string Engine => "whisper";

    /// <inheritdoc/>
    public string Model => Info.Name;

    /// <inheritdoc/>
    public int Concurrency { get; }

    /// <inheritdoc/>
    public async Task<Recognition> RecognizeAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default)
    {
        var rented = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RecognizeAsync(rented.Processor, samples, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Return(rented);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Whisper cannot be restricted to phrases: a stream that gives some gets a processor of its own (within the same
    /// slots) whose initial prompt is the phrases, which leans its decoding towards their words and spelling. Whisper
    /// gives one hypothesis, so alternatives are that one.
    /// </remarks>
    public async Task<IStreamingRecognition> StartStreamAsync(RecognitionHints hints, CancellationToken cancellationToken = default) =>
        new Stream(this, await RentAsync(cancellationToken, hints.Phrases.Count == 0 ? null : string.Join(", ", hints.Phrases)).ConfigureAwait(false));

    public void Dispose()
    {
        lock (_all)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _all.ForEach(p => p.Dispose());
            _all.Clear();
        }

        _factory.Dispose();
    }

    private async Task<Recognition> RecognizeAsync(WhisperProcessor processor, ReadOnlyMemory<short> samples, CancellationToken cancellationToken)
    {
        var audio = new float[samples.Length];
        var span = samples.Span;
        for (var i = 0; i < audio.Length; i++)
        {
            audio[i] = span[i] / 32768f;
        }

        var clip = TimeSpan.FromSeconds((double)samples.Length / SampleRate);
        var texts = new List<string>();
        var words = new List<RecognizedWord>();
        await foreach (var segment in processor.ProcessAsync(audio, cancellationToken).ConfigureAwait(false))
        {
            if (segment.Text.Trim() is { Length: > 0 } text)
            {
                texts.Add(text);
            }

            words.AddRange(Words(segment, clip));
        }

        var recognition = new Recognition(string.Join(' ', texts), words, 0);
        return recognition with { Confidence = recognition.MeanWordConfidence };
    }

    /// <summary>
    /// Groups a segment's text tokens into words: a token starting with a space (or the first one) begins a word. Times
    /// come from whisper's token timestamps (10 ms steps relative to the audio given); when it gave none for the segment
    /// (every token zero-length, as happens on audio it cannot follow), the words share the segment's span by length.
    /// </summary>
    private List<RecognizedWord> Words(SegmentData segment, TimeSpan clip)
    {
        var groups = new List<List<WhisperToken>>();
        foreach (var token in segment.Tokens.Where(t => t.Id < Info.EndOfText && !string.IsNullOrEmpty(t.Text)))
        {
            if (groups.Count == 0 || token.Text!.StartsWith(' '))
            {
                groups.Add([]);
            }

            groups[^1].Add(token);
        }

        var words = groups
            .Select(g => (Text: string.Concat(g.Select(t => t.Text)).Trim(), Tokens: g))
            .Where(w => w.Text.Length > 0)
            .ToList();
        if (words.Count == 0)
        {
            return [];
        }

        if (words.Any(w => w.Tokens.Any(t => t.End > t.Start)))
        {
            var timed = new List<RecognizedWord>(words.Count);
            foreach (var (text, tokens) in words)
            {
                var start = Clamp(Centiseconds(tokens[0].Start), clip);
                var end = Clamp(Centiseconds(tokens[^1].End), clip);
                start = timed.Count > 0 && start < timed[^1].Start ? timed[^1].Start : start;
                timed.Add(new RecognizedWord(text, start, end < start ? start : end, Confidence(tokens)));
            }

            return timed;
        }

        var from = Clamp(segment.Start, clip);
        var span = Clamp(segment.End, clip) - from;
        var total = (double)words.Sum(w => w.Text.Length);
        var offset = 0;
        return words.Select(w =>
        {
            var start = from + (span * (offset / total));
            offset += w.Text.Length;
            return new RecognizedWord(w.Text, start, from + (span * (offset / total)), Confidence(w.Tokens));
        }).ToList();

        static TimeSpan Centiseconds(long value) => TimeSpan.FromMilliseconds(value * 10.0);

        static double Confidence(List<WhisperToken> tokens) => Math.Clamp(tokens.Average(t => (double)t.Probability), 0, 1);
    }

    private static TimeSpan Clamp(TimeSpan value, TimeSpan clip) => value < TimeSpan.Zero ? TimeSpan.Zero : value > clip ? clip : value;

    /// <summary>A free slot's processor: a pooled one, or with <paramref name="prompt"/> one of its own (disposed when returned).</summary>
    private async Task<Rented> RentAsync(CancellationToken cancellationToken, string? prompt = null)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (prompt is null && _idle.TryTake(out var processor))
        {
            return new Rented(processor, Pooled: true);
        }

        lock (_all)
        {
            if (_disposed)
            {
                _slots.Release();
                throw new ObjectDisposedException(nameof(WhisperRecognizer));
            }

            var builder = _factory.CreateBuilder()
                .WithThreads(Threads)
                .WithNoContext()
                .WithTokenTimestamps()
                .WithLanguage(Info.Multilingual ? _options.Language : "en");
            if (!_options.TemperatureFallback)
            {
                builder = builder.WithTemperatureInc(0);
            }

            if (prompt is not null)
            {
                builder = builder.WithPrompt(prompt);
            }

            builder = _options.BeamSize > 1
                ? builder.WithBeamSearchSamplingStrategy(b => b.WithBeamSize(_options.BeamSize))
                : builder.WithGreedySamplingStrategy();
            processor = builder.Build();
            _all.Add(processor);
            return new Rented(processor, Pooled: prompt is null);
        }
    }

    /// <summary>A processor lent for one recognition or stream; one not from the pool is disposed when it comes back.</summary>
    private readonly record struct Rented(WhisperProcessor Processor, bool Pooled);

    private void Return(Rented rented)
    {
        if (rented.Pooled)
        {
            _idle.Add(rented.Processor);
        }
        else
        {
            lock (_all)
            {
                _all.Remove(rented.Processor);
            }

            rented.Processor.Dispose();
        }

        _slots.Release();
    }

    /// <summary>
    /// A live utterance on one processor: whisper has no incremental decoder, so each partial is a recognition of the
    /// audio so far, made once at least a second more has arrived; the final result is one over the whole utterance.
    /// </summary>
    private sealed class Stream(WhisperRecognizer owner, Rented rented) : IStreamingRecognition
    {
        private readonly List<short> _audio = [];
        private int _recognisedUpTo;
        private string _partial = string.Empty;
        private bool _done;

        public string Accept(ReadOnlySpan<short> samples)
        {
            ObjectDisposedException.ThrowIf(_done, this);
            _audio.AddRange(samples);
            if (_audio.Count - _recognisedUpTo >= SampleRate)
            {
                _recognisedUpTo = _audio.Count;
                _partial = Recognise().Text;
            }

            return _partial;
        }

        public Recognition Finish()
        {
            ObjectDisposedException.ThrowIf(_done, this);
            try
            {
                return Recognise();
            }
            finally
            {
                Dispose();
            }
        }

        public void Dispose()
        {
            if (!_done)
            {
                _done = true;
                owner.Return(rented);
            }
        }

        private Recognition Recognise() =>
            owner.RecognizeAsync(rented.Processor, _audio.ToArray(), CancellationToken.None).GetAwaiter().GetResult();
    }
}
