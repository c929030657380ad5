using System.Text.Json;
using System.Text.Json.Nodes;

namespace MediaCluster.Node.Live;

/// <summary>The client's {"config": {...}}.</summary>
internal sealed record LiveConfig(int SampleRate, bool Words, string? Error = null)
{
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
            return new LiveConfig(0, false, $"{shape}; got text that is not JSON: {LiveWire.Shorten(text)}");
        }

        if (json is not JsonObject root || !root.TryGetPropertyValue("config", out var node) || node is not JsonObject config)
        {
            return new LiveConfig(0, false, $"{shape}; got {LiveWire.Shorten(text)}");
        }

        var rate = 16000;
        if (config.TryGetPropertyValue("sample_rate", out var rateNode))
        {
            if (rateNode is not JsonValue value || !value.TryGetValue<double>(out var number) || number != Math.Floor(number) || number is < 8000 or > 192000)
            {
                return new LiveConfig(0, false, $"config.sample_rate must be a whole number of Hz from 8000 to 192000; got {rateNode?.ToJsonString() ?? "null"}");
            }

            rate = (int)number;
        }

        var words = false;
        if (config.TryGetPropertyValue("words", out var wordsNode))
        {
            if (wordsNode is not JsonValue flag || !flag.TryGetValue<bool>(out words))
            {
                return new LiveConfig(0, false, $"config.words must be true or false; got {wordsNode?.ToJsonString() ?? "null"}");
            }
        }

        return new LiveConfig(rate, words);
    }
}
