using CsvHelper;

namespace MediaCluster.Media.Learning;

/// <summary>
/// The records of a dataset's CSV file through CsvHelper (RFC 4180: a quoted field may hold commas, doubled quotes and
/// line breaks; empty lines skipped). Malformed quoting is an error naming the file and the line its record starts on.
/// </summary>
public static class DataCsv
{
    /// <summary>Each record's fields and the line it starts on, the first line (a header, if any) included.</summary>
    public static IEnumerable<(string[] Fields, int Line)> Records(string text, string name)
    {
        CsvMalformedRecord? malformed = null;
        var options = new CsvReaderOptions
        {
            Separator = ',',
            HasHeader = false,
            TrackLineNumbers = true,
            MalformedData = CsvMalformedDataHandling.Skip,
            OnMalformedRecord = record => malformed ??= record,
        };
        using var reader = CsvReader.FromText(text, options);
        while (reader.Read() | malformed is not null)
        {
            if (malformed is { } bad)
            {
                throw new MediaException(MediaErrorKind.InvalidInput, $"{name} line {bad.LineNumber}: {Explain(bad.Reason)}");
            }

            yield return (reader.Current.ToArray(), (int)reader.LineNumber);
        }
    }

    private static string Explain(CsvMalformedReason reason) => reason switch
    {
        CsvMalformedReason.UnterminatedQuote => "a quoted text is never closed",
        CsvMalformedReason.StrayQuote => "a quote inside a text that is not quoted (quote the whole text and double its quotes)",
        _ => "the quoting is malformed",
    };
}
