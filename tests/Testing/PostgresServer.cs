using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace MediaCluster.Testing;

/// <summary>
/// A private PostgreSQL server from the Debian package: its own data directory under /tmp, a free port
/// on 127.0.0.1, run as the <c>postgres</c> user when we are root (initdb refuses root), stopped on dispose.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _binDirectory;
    private readonly string _dataDirectory;
    private readonly bool _asPostgresUser;
    private Process? _server;
    private bool _durable;

    private PostgresServer(string binDirectory, string dataDirectory, int port, bool asPostgresUser)
    {
        _binDirectory = binDirectory;
        _dataDirectory = dataDirectory;
        _asPostgresUser = asPostgresUser;
        Port = port;
        ConnectionString = $"Host=127.0.0.1;Port={port};Username=mc;Database=postgres;Pooling=true;Maximum Pool Size=50";
    }

    /// <summary>The port the server listens on.</summary>
    public int Port { get; }

    /// <summary>An Npgsql connection string for the server (trust authentication, user <c>mc</c>).</summary>
    public string ConnectionString { get; }

    /// <summary>Creates an empty database <paramref name="name"/> and returns a connection string for it.</summary>
    public async Task<string> CreateDatabaseAsync(string name)
    {
        await using (var connection = new NpgsqlConnection(ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await command.ExecuteNonQueryAsync();
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Initializes a fresh cluster and starts it; <paramref name="durable"/> false turns fsync off (tests only).</summary>
    public static async Task<PostgresServer> StartAsync(bool durable = true)
    {
        var bin = FindBinDirectory();
        var data = Directory.CreateTempSubdirectory("mc-pg-").FullName;
        var asPostgres = Environment.UserName == "root";
        if (asPostgres)
        {
            await RunAsync("chown", ["postgres:postgres", data], asPostgresUser: false);
        }

        var server = new PostgresServer(bin, data, FreePort(), asPostgres);
        await server.RunToolAsync("initdb", ["-D", data, "-U", "mc", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions"]);
        server.Launch(durable);
        await server.WaitUntilReadyAsync();
        return server;
    }

    /// <summary>Stops the server (fast shutdown: open connections are cut) and keeps its data, for <see cref="StartAgainAsync"/>.</summary>
    public async Task StopAsync()
    {
        await RunToolAsync("pg_ctl", ["stop", "-D", _dataDirectory, "-m", "fast", "-w"]);
        await _server!.WaitForExitAsync();
        _server.Dispose();
        _server = null;

        // The pool's idle connections were cut by the shutdown; without this the next test's first command
        // would take one of them and fail with 57P01 ("terminating connection due to administrator command").
        await using var pooled = new NpgsqlConnection(ConnectionString);
        NpgsqlConnection.ClearPool(pooled);
    }

    /// <summary>Starts the server stopped by <see cref="StopAsync"/> again on the same port and data; returns once it takes connections.</summary>
    public async Task StartAgainAsync()
    {
        Launch(_durable);
        await WaitUntilReadyAsync();
    }

    /// <summary>Stops the server (fast shutdown) and removes its data directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_server is { HasExited: false })
        {
            try
            {
                await RunToolAsync("pg_ctl", ["stop", "-D", _dataDirectory, "-m", "fast", "-w"]);
            }
            catch (InvalidOperationException)
            {
                _server.Kill(entireProcessTree: true);
            }

            await _server.WaitForExitAsync();
        }

        _server?.Dispose();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private void Launch(bool durable)
    {
        _durable = durable;
        var args = new List<string>
        {
            "-D", _dataDirectory, "-p", Port.ToString(), "-k", _dataDirectory,
            "-c", "listen_addresses=127.0.0.1", "-c", "max_connections=200", "-c", "shared_buffers=128MB",
        };
        if (!durable)
        {
            args.AddRange(["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]);
        }

        _server = Process.Start(StartInfo(Path.Combine(_binDirectory, "postgres"), args, _asPostgresUser))!;
        _server.ErrorDataReceived += (_, _) => { };
        _server.OutputDataReceived += (_, _) => { };
        _server.BeginErrorReadLine();
        _server.BeginOutputReadLine();
    }

    private async Task WaitUntilReadyAsync()
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                await using var connection = new NpgsqlConnection(ConnectionString);
                await connection.OpenAsync();
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or SocketException)
            {
                if (_server!.HasExited || DateTime.UtcNow > deadline)
                {
                    throw new InvalidOperationException(
                        $"PostgreSQL in {_dataDirectory} did not accept connections on port {Port} (exited: {_server.HasExited}): {ex.Message}");
                }

                await Task.Delay(100);
            }
        }
    }

    private Task RunToolAsync(string tool, IReadOnlyList<string> args) => RunAsync(Path.Combine(_binDirectory, tool), args, _asPostgresUser);

    private static async Task RunAsync(string file, IReadOnlyList<string> args, bool asPostgresUser)
    {
        using var process = Process.Start(StartInfo(file, args, asPostgresUser))!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', args)} failed ({process.ExitCode}): {await stderr}{await stdout}");
        }
    }

    private static ProcessStartInfo StartInfo(string file, IReadOnlyList<string> args, bool asPostgresUser)
    {
        var info = new ProcessStartInfo(asPostgresUser ? "runuser" : file)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = "/tmp",
        };
        if (asPostgresUser)
        {
            foreach (var a in new[] { "-u", "postgres", "--", file })
            {
                info.ArgumentList.Add(a);
            }
        }

        foreach (var a in args)
        {
            info.ArgumentList.Add(a);
        }

        return info;
    }

    private static string FindBinDirectory()
    {
        var fromEnvironment = Environment.GetEnvironmentVariable("MC_PG_BIN");
        if (!string.IsNullOrEmpty(fromEnvironment))
        {
            return fromEnvironment;
        }

        const string root = "/usr/lib/postgresql";
        var candidates = Directory.Exists(root)
            ? Directory.GetDirectories(root)
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .ToList()
            : [];
        return candidates.FirstOrDefault()
            ?? throw new InvalidOperationException("PostgreSQL server binaries not found under /usr/lib/postgresql/*/bin; run ./mc setup (Debian package 'postgresql').");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
