using System.Security.Cryptography;

namespace MediaCluster.Node;

/// <summary>
/// The bearer token every API call needs: created on first start in the data directory (mode 600), or read from the
/// file <c>Node:ApiTokenFile</c> names (a secret every node of a cluster shares).
/// </summary>
internal static class ApiToken
{
    public const string FileName = "api-token";

    /// <summary>Where the token lives: <paramref name="tokenFile"/> when given, else DataDirectory/api-token.</summary>
    public static string PathOf(string dataDirectory, string? tokenFile) =>
        Path.GetFullPath(tokenFile is { Length: > 0 } ? tokenFile : Path.Combine(dataDirectory, FileName));

    /// <summary>
    /// Reads the token, creating it in the data directory if missing (<paramref name="created"/> says so); a token file
    /// named by <paramref name="tokenFile"/> must exist and hold a token.
    /// </summary>
    public static string LoadOrCreate(string dataDirectory, string? tokenFile, out bool created)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = PathOf(dataDirectory, tokenFile);
        created = false;
        if (tokenFile is { Length: > 0 })
        {
            var given = File.Exists(path) ? File.ReadAllText(path).Trim() : throw new NodeSettingsException($"Node:ApiTokenFile '{tokenFile}' does not exist");
            return given.Length >= 16 ? given : throw new NodeSettingsException($"Node:ApiTokenFile '{tokenFile}' holds {given.Length} characters; a token has at least 16");
        }

        if (File.Exists(path))
        {
            return File.ReadAllText(path).Trim();
        }

        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        File.WriteAllText(path, token + "\n");
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        created = true;
        return token;
    }

    /// <summary>
    /// True when the request carries "Authorization: Bearer TOKEN" or the page's token cookie (compared in constant time).
    /// </summary>
    public static bool IsAuthorized(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        return header.StartsWith(prefix, StringComparison.Ordinal)
            ? Matches(header[prefix.Length..].Trim(), token)
            : request.Cookies.TryGetValue(LiveApi.TokenCookie, out var cookie) && Matches(cookie, token);
    }

    /// <summary>True when <paramref name="given"/> is the token (compared in constant time).</summary>
    public static bool Matches(string given, string token) =>
        CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(token));
}
