namespace MediaCluster.Media.Diarization;

/// <summary>
/// Who spoke when in one recording: turns of speakers <c>spk1</c>, <c>spk2</c>, … in time order, and the names users
/// gave some of them (<c>spk1</c> → "Anna"). What the transcript's formats, the PDF and the page show per segment
/// and word.
/// </summary>
public sealed record SpeakerTurns(IReadOnlyList<SpeakerTurn> Turns, IReadOnlyDictionary<string, string> Names)
{
    /// <summary>The longest name a speaker may be given.</summary>
    public const int MaxNameLength = 64;

    /// <summary>The id of the <paramref name="number"/>-th speaker (from 0) in order of first appearance.</summary>
    public static string Id(int number) => $"spk{number + 1}";

    /// <summary>The speaker ids in order of first appearance.</summary>
    public IReadOnlyList<string> Speakers { get; } = [.. Turns.OrderBy(t => t.Start).Select(t => t.Speaker).Distinct(StringComparer.Ordinal)];

    /// <summary>What a speaker is called: the name given, else the id.</summary>
    public string NameOf(string speaker) => Names.TryGetValue(speaker, out var name) ? name : speaker;

    /// <summary>Each speaker's total speaking time, in order of first appearance.</summary>
    public IReadOnlyList<(string Speaker, TimeSpan Time)> SpeakingTime() =>
        [.. Speakers.Select(s => (s, TimeSpan.FromTicks(Turns.Where(t => t.Speaker == s).Sum(t => (t.End - t.Start).Ticks))))];

    /// <summary>
    /// The speaker of a span: the one whose turns overlap it longest, else (a span between turns) the one of the nearest
    /// turn; null when there are no turns.
    /// </summary>
    public string? Of(TimeSpan start, TimeSpan end)
    {
        if (Turns.Count == 0)
        {
            return null;
        }

        var overlap = Turns
            .Select(t => (t.Speaker, Seconds: Math.Min(end.TotalSeconds, t.End.TotalSeconds) - Math.Max(start.TotalSeconds, t.Start.TotalSeconds)))
            .Where(o => o.Seconds > 0)
            .GroupBy(o => o.Speaker, StringComparer.Ordinal)
            .Select(g => (Speaker: g.Key, Seconds: g.Sum(o => o.Seconds)))
            .OrderByDescending(g => g.Seconds)
            .ThenBy(g => g.Speaker, StringComparer.Ordinal)
            .FirstOrDefault();
        if (overlap.Speaker is not null)
        {
            return overlap.Speaker;
        }

        var middle = (start + end) / 2;
        return Turns.MinBy(t => Math.Min(Math.Abs((t.Start - middle).TotalSeconds), Math.Abs((t.End - middle).TotalSeconds)))!.Speaker;
    }

    /// <summary>
    /// Why <paramref name="name"/> cannot name <paramref name="speaker"/> (no such speaker, empty or too long, control
    /// characters, another speaker's id or name), or null when it can.
    /// </summary>
    public string? CannotName(string speaker, string name)
    {
        if (!Speakers.Contains(speaker, StringComparer.Ordinal))
        {
            return Speakers.Count == 0
                ? "the job has no speakers (diarization was off or it found no speech)"
                : $"there is no speaker '{speaker}' (speakers: {string.Join(", ", Speakers)})";
        }

        if (name.Length == 0 || name.Length > MaxNameLength || name.Trim() != name || name.Any(c => char.IsControl(c) || c is '<' or '>' or '[' or ']'))
        {
            return $"a speaker's name is 1–{MaxNameLength} characters without leading or trailing spaces, control characters, <, >, [ or ]";
        }

        var taken = Speakers.FirstOrDefault(s => s != speaker && (s == name || NameOf(s) == name));
        return taken is null ? null : $"'{name}' already names {taken}";
    }
}
