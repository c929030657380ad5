using System.Security.Cryptography;

namespace MediaCluster.Node;

/// <summary>
/// The bearer token every API call needs: created on first start in the data directory (mode 0600, in a 0700 data directory), or read from the
/// file <c>Node:ApiTokenFile</c> names (a secret every node of a cluster shares).
/// </summary>
internal static class ApiToken
{
    public const string FileName = "api-token";

    /// <summary>Where the token lives: <paramref name="tokenFile"/> when given, else DataDirectory/api-token.</summary>
    public static string PathOf(string dataDirectory, string? tokenFile) =>
        Path.GetFullPath(tokenFile is { Length: > 0 } ? tokenFile : Path.Combine(dataDirectory, FileName));

    /// <summary>The shortest token a node takes (a made one is 64 hex characters).</summary>
    public const int MinLength = 32;

    /// <summary>
    /// Reads the token, creating it in the data directory if missing (<paramref name="created"/> says so); a token file
    /// named by <paramref name="tokenFile"/> must exist. Either way a token shorter than <see cref="MinLength"/> is refused
    /// naming the file. The data directory is made 0700 and a made token file 0600 from its first byte (written to a
    /// temporary name, then renamed: no one ever reads half a token).
    /// </summary>
    public static string LoadOrCreate(string dataDirectory, string? tokenFile, out bool created)
    {
        if (!Directory.Exists(dataDirectory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(dataDirectory);
            }
            else
            {
                Directory.CreateDirectory(dataDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var path = PathOf(dataDirectory, tokenFile);
        created = false;
        var setting = tokenFile is { Length: > 0 } ? $"Node:ApiTokenFile '{tokenFile}'" : $"the API token file '{path}'";
        if (tokenFile is { Length: > 0 } && !File.Exists(path))
        {
            throw new NodeSettingsException($"{setting} does not exist");
        }

        if (File.Exists(path))
        {
            var info = new FileInfo(path);
            if (info.Length > 4096)
            {
                throw new NodeSettingsException($"{setting} is {info.Length} bytes: not a token file");
            }

            var given = File.ReadAllText(path).Trim();
            return given.Length >= MinLength ? given
                : throw new NodeSettingsException($"{setting} holds {given.Length} characters; a token has at least {MinLength}{(tokenFile is { Length: > 0 } ? string.Empty : " (delete the file to have the node make one)")}");
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        // A new file of a name no one could have planted (CreateNew: never through an existing file or link).
        var temporary = $"{path}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.new";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        using (var writer = new StreamWriter(temporary, System.Text.Encoding.ASCII, options))
        {
            writer.Write(token + "\n");
        }

        try
        {
            File.Move(temporary, path, overwrite: false);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process on this data directory made one meanwhile: its token is the one.
            File.Delete(temporary);
            return LoadOrCreate(dataDirectory, tokenFile, out created);
        }

        created = true;
        return token;
    }

    /// <summary>True when <paramref name="given"/> is the token (compared in constant time).</summary>
    public static bool Matches(string given, string token) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(token));
}
