using System.Security.Cryptography;

namespace MediaCluster.Node;

/// <summary>
/// The bearer token every API call needs: created on first start in the data directory (mode 0600, in a 0700 data directory), or read from the
/// file <c>Node:ApiTokenFile</c> names (a secret every node of a cluster shares).
/// </summary>
public static class ApiToken
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
            return Read(path, setting, made: tokenFile is not { Length: > 0 });
        }

        if (Create(path) is not { } token)
        {
            // Another process on this data directory made one meanwhile: its token is the one.
            return LoadOrCreate(dataDirectory, tokenFile, out created);
        }

        created = true;
        return token;
    }

    /// <summary>The token in <paramref name="path"/>, refused (naming <paramref name="setting"/>) when it is not one.</summary>
    private static string Read(string path, string setting, bool made)
    {
        var info = new FileInfo(path);
        if (info.Length > 4096)
        {
            throw new NodeSettingsException($"{setting} is {info.Length} bytes: not a token file");
        }

        var given = File.ReadAllText(path).Trim();
        return given.Length >= MinLength ? given
            : throw new NodeSettingsException($"{setting} holds {given.Length} characters; a token has at least {MinLength}{(made ? " (delete the file to have the node make one)" : string.Empty)}");
    }

    /// <summary>A new token written to <paramref name="path"/> (0600, through a temporary name); null when another process made the file first.</summary>
    private static string? Create(string path)
    {
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
            return token;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return null;
        }
    }

    /// <summary>True when <paramref name="given"/> is the token (compared in constant time).</summary>
    public static bool Matches(string given, string token) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(token));
}
