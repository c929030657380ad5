namespace MediaCluster.Actors.Ingest;

/// <summary>
/// Which watched things have settled, look by look: a thing whose signature (sizes and times, say) stayed the same for
/// a number of looks in a row after it was first seen is settled, and is handed on once per signature; one missing
/// from a look is forgotten. The watch folder's inbox files and the trainer's dataset folders are both watched so.
/// </summary>
/// <param name="looks">How many looks in a row a signature must stay unchanged after it was first seen.</param>
public sealed class SettleWatch(int looks)
{
    private readonly Dictionary<string, Seen> _seen = new(StringComparer.Ordinal);

    /// <summary>Things watched now that have not been handed on with their current signature.</summary>
    public int Unsettled => _seen.Values.Count(seen => seen.Handed != seen.Signature);

    /// <summary>Takes this look's things and their signatures; returns those that settled now.</summary>
    public IReadOnlyList<string> Look(IEnumerable<(string Key, string Signature)> things)
    {
        var settled = new List<string>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, signature) in things)
        {
            present.Add(key);
            if (!_seen.TryGetValue(key, out var before) || before.Signature != signature)
            {
                _seen[key] = new Seen(signature, 0, before?.Handed);
                continue;
            }

            var unchanged = before.Unchanged + 1;
            var due = unchanged >= looks && before.Handed != signature;
            _seen[key] = before with { Unchanged = unchanged, Handed = due ? signature : before.Handed };
            if (due)
            {
                settled.Add(key);
            }
        }

        foreach (var gone in _seen.Keys.Where(key => !present.Contains(key)).ToList())
        {
            _seen.Remove(gone);
        }

        return settled;
    }

    /// <summary>Forgets <paramref name="key"/>: it is handed on again once it settles (after it could not be read, say).</summary>
    public void Forget(string key) => _seen.Remove(key);

    private sealed record Seen(string Signature, int Unchanged, string? Handed);
}
