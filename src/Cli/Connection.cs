using System.Text.Json;

namespace MediaCluster.Cli;

/// <summary>Where the node is and the token: flags, then environment, then the data directory.</summary>
internal sealed record Connection(Uri BaseAddress, string Token)
{
    public static Connection Resolve(string? hostFlag, string? tokenFlag, string? dataDirFlag)
    {
        var dataDir = dataDirFlag ?? Environment.GetEnvironmentVariable("MC_DATA_DIR") ?? ".data";
        var host = hostFlag ?? Environment.GetEnvironmentVariable("MC_HOST") ?? FromEndpointsFile(dataDir) ?? "127.0.0.1:9110";
        var token = tokenFlag ?? Environment.GetEnvironmentVariable("MC_TOKEN") ?? FromTokenFile(dataDir)
            ?? throw new NodeApiException($"no API token: pass --token, set MC_TOKEN, or use --data-dir with the node's data directory ({Path.Combine(dataDir, "api-token")} is not there)");
        var url = host.Contains("://", StringComparison.Ordinal) ? host : "http://" + host;
        if (!Uri.TryCreate(url.TrimEnd('/') + "/", UriKind.Absolute, out var address))
        {
            throw new NodeApiException($"'{host}' is not HOST:PORT or a URL");
        }

        return new Connection(address, token);
    }

    private static string? FromEndpointsFile(string dataDir)
    {
        var path = Path.Combine(dataDir, "node.json");
        try
        {
            return File.Exists(path) && JsonDocument.Parse(File.ReadAllText(path)).RootElement.TryGetProperty("Management", out var management)
                ? management.GetString()
                : null;
        }
        catch (Exception ex) when (ex is IOException or JsonException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static string? FromTokenFile(string dataDir)
    {
        var path = Path.Combine(dataDir, "api-token");
        try
        {
            return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new NodeApiException($"cannot read {path}: {ex.Message}");
        }
    }
}
