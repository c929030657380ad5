using System.Security.Cryptography;

namespace MediaCluster.Node;

/// <summary>The bearer token every API call needs: created on first start in the data directory (mode 600).</summary>
internal static class ApiToken
{
    public const string FileName = "api-token";

    /// <summary>Reads the token, creating it if missing; <paramref name="created"/> says whether it is new.</summary>
    public static string LoadOrCreate(string dataDirectory, out bool created)
    {
        Directory.CreateDirectory(dataDirectory);
        var path = Path.Combine(dataDirectory, FileName);
        if (File.Exists(path))
        {
            created = false;
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

    /// <summary>True when the request carries "Authorization: Bearer TOKEN" (compared in constant time).</summary>
    public static bool IsAuthorized(HttpRequest request, string token)
    {
        var header = request.Headers.Authorization.ToString();
        const string prefix = "Bearer ";
        if (!header.StartsWith(prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var given = System.Text.Encoding.UTF8.GetBytes(header[prefix.Length..].Trim());
        var expected = System.Text.Encoding.UTF8.GetBytes(token);
        return CryptographicOperations.FixedTimeEquals(given, expected);
    }
}
