using System.Collections.Concurrent;

namespace MediaCluster.Media.Asr;

/// <summary>
/// pocketsphinx behind <see cref="ISpeechRecognizer"/>: a pool of decoders, each created once (lazily) and
/// used by one segment at a time on a thread-pool thread.
/// </summary>
public sealed class PocketSphinxRecognizer : ISpeechRecognizer
{
    private readonly PocketSphinxOptions _options;
    private readonly ConcurrentBag<PocketSphinxDecoder> _idle = [];
    private readonly SemaphoreSlim _slots;
    private readonly List<PocketSphinxDecoder> _all = [];
    private bool _disposed;

    /// <summary>Creates a pool of up to <paramref name="concurrency"/> decoders (default: one per core).</summary>
    public PocketSphinxRecognizer(PocketSphinxOptions? options = null, int? concurrency = null)
    {
        _options = options ?? new PocketSphinxOptions();
        Concurrency = Math.Max(1, concurrency ?? Environment.ProcessorCount);
        _slots = new SemaphoreSlim(Concurrency, Concurrency);
    }

    /// <inheritdoc/>
    public string Engine => "pocketsphinx";

    /// <inheritdoc/>
    public string Model => Path.GetFileName(_options.ModelDirectory.TrimEnd('/'));

    /// <inheritdoc/>
    public int Concurrency { get; }

    /// <inheritdoc/>
    public async Task<Recognition> RecognizeAsync(ReadOnlyMemory<short> samples, CancellationToken cancellationToken = default)
    {
        var decoder = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await OnOwnThread(() => decoder.Decode(samples.Span), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Return(decoder);
        }
    }

    /// <inheritdoc/>
    /// <remarks>
    /// Phrases become a grammar on the decoder for this utterance (the words the dictionary lacks left out); the decoder
    /// goes back to the language model before it serves anyone else. Alternatives come from the utterance's lattice.
    /// </remarks>
    public async Task<IStreamingRecognition> StartStreamAsync(RecognitionHints hints, CancellationToken cancellationToken = default)
    {
        var decoder = await RentAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (hints.Phrases.Count > 0)
            {
                decoder.Restrict(hints.Phrases);
            }

            decoder.Start();
        }
        catch
        {
            Return(decoder);
            throw;
        }

        return new Stream(this, decoder, hints.MaxAlternatives);
    }

    /// <summary>Creates every decoder now instead of on first use.</summary>
    public async Task WarmUpAsync()
    {
        var rented = new List<PocketSphinxDecoder>();
        for (var i = 0; i < Concurrency; i++)
        {
            rented.Add(await RentAsync(CancellationToken.None).ConfigureAwait(false));
        }

        rented.ForEach(Return);
    }

    public void Dispose()
    {
        lock (_all)
        {
            _disposed = true;
            _all.ForEach(d => d.Dispose());
            _all.Clear();
        }
    }

    private async Task<PocketSphinxDecoder> RentAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        if (_idle.TryTake(out var decoder))
        {
            return decoder;
        }

        try
        {
            decoder = await OnOwnThread(() => new PocketSphinxDecoder(_options), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _slots.Release();
            throw;
        }

        lock (_all)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _all.Add(decoder);
        }

        return decoder;
    }

    /// <summary>
    /// Runs a call that holds its thread for seconds (decoding a segment, loading a model) on a thread of its own, not
    /// on a thread-pool thread: blocked pool threads starve everything else on the pool (the actors, the HTTP server)
    /// until the pool grows, which on a loaded node delays even cluster heartbeats.
    /// </summary>
    private static Task<T> OnOwnThread<T>(Func<T> call, CancellationToken cancellationToken) =>
        Task.Factory.StartNew(call, cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Puts a decoder back in the pool on the language model; one that cannot be put back on it is dropped, never handed on restricted.</summary>
    private void Return(PocketSphinxDecoder decoder)
    {
        try
        {
            decoder.Unrestrict();
            _idle.Add(decoder);
        }
        catch (MediaException)
        {
            lock (_all)
            {
                _all.Remove(decoder);
            }

            decoder.Dispose();
        }
        finally
        {
            _slots.Release();
        }
    }

    private sealed class Stream(PocketSphinxRecognizer owner, PocketSphinxDecoder decoder, int alternatives) : IStreamingRecognition
    {
        private bool _done;

        public string Accept(ReadOnlySpan<short> samples)
        {
            decoder.Feed(samples);
            return decoder.Partial();
        }

        public Recognition Finish()
        {
            ObjectDisposedException.ThrowIf(_done, this);
            try
            {
                return decoder.End(alternatives);
            }
            finally
            {
                _done = true;
                owner.Return(decoder);
            }
        }

        public void Dispose()
        {
            if (!_done)
            {
                _done = true;
                try
                {
                    decoder.End();
                }
                finally
                {
                    owner.Return(decoder);
                }
            }
        }
    }
}
