using System.Text.Json;
using System.Text.Json.Nodes;
using MediaCluster.Media.Asr;

namespace MediaCluster.Node.Live;

/// <summary>
/// The client's {"config": {...}}: the audio's sample rate, whether finals carry words, and what it asks of the
/// recogniser (vosk's <c>phrase_list</c> and <c>max_alternatives</c>). Other keys are ignored, as vosk-server does.
/// </summary>
internal sealed record LiveConfig(int SampleRate, bool Words, RecognitionHints Hints, string? Error = null)
{
    /// <summary>Phrases a client may give, and characters in each: a grammar bigger than this is not a phrase list.</summary>
    public const int MaxPhrases = 1000, MaxPhraseLength = 200;

    /// <summary>What a session that sends audio first gets: 16 kHz, no words, the recogniser as it is.</summary>
    public static LiveConfig Default { get; } = new(16000, false, RecognitionHints.None);

    public static LiveConfig Parse(string text)
    {
        const string shape = "the first message must be {\"config\": {\"sample_rate\": 16000, \"words\": true}} (or audio at 16000 Hz)";
        JsonNode? json;
        try
        {
            json = JsonNode.Parse(text);
        }
        catch (JsonException)
        {
            return Refused($"{shape}; got text that is not JSON: {LiveWire.Shorten(text)}");
        }

        if (json is not JsonObject root || !root.TryGetPropertyValue("config", out var node) || node is not JsonObject config)
        {
            return Refused($"{shape}; got {LiveWire.Shorten(text)}");
        }

        var rate = 16000;
        if (config.TryGetPropertyValue("sample_rate", out var rateNode))
        {
            if (rateNode is not JsonValue value || !value.TryGetValue<double>(out var number) || number != Math.Floor(number) || number is < 8000 or > 192000)
            {
                return Refused($"config.sample_rate must be a whole number of Hz from 8000 to 192000; got {Shown(rateNode)}");
            }

            rate = (int)number;
        }

        var words = false;
        if (config.TryGetPropertyValue("words", out var wordsNode) && (wordsNode is not JsonValue flag || !flag.TryGetValue<bool>(out words)))
        {
            return Refused($"config.words must be true or false; got {Shown(wordsNode)}");
        }

        var alternatives = 0;
        if (config.TryGetPropertyValue("max_alternatives", out var altNode))
        {
            if (altNode is not JsonValue count || !count.TryGetValue<double>(out var n) || n != Math.Floor(n) || n < 0 || n > RecognitionHints.MostAlternatives)
            {
                return Refused($"config.max_alternatives must be a whole number from 0 to {RecognitionHints.MostAlternatives}; got {Shown(altNode)}");
            }

            alternatives = (int)n;
        }

        var phrases = new List<string>();
        if (config.TryGetPropertyValue("phrase_list", out var listNode) && listNode is not null)
        {
            if (listNode is not JsonArray list || list.Count > MaxPhrases)
            {
                return Refused($"config.phrase_list must be a list of at most {MaxPhrases} phrases (strings); got {Shown(listNode)}");
            }

            foreach (var item in list)
            {
                if (item is not JsonValue phrase || !phrase.TryGetValue<string>(out var s) || s.Length > MaxPhraseLength)
                {
                    return Refused($"config.phrase_list must hold strings of at most {MaxPhraseLength} characters; got {Shown(item)}");
                }

                // vosk's "[unk]" (anything else) has no counterpart in a grammar: it is left out.
                if (s.Trim() is { Length: > 0 } trimmed && trimmed != "[unk]")
                {
                    phrases.Add(trimmed);
                }
            }
        }

        return new LiveConfig(rate, words, new RecognitionHints(phrases, alternatives));
    }

    private static LiveConfig Refused(string error) => new(0, false, RecognitionHints.None, error);

    private static string Shown(JsonNode? node) => LiveWire.Shorten(node?.ToJsonString() ?? "null");
}
