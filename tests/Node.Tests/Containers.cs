using System.Diagnostics;
using MediaCluster.Testing;

namespace MediaCluster.Node.Tests;

/// <summary>Runs a command-line tool to its end: its exit status and output (standard output, then standard error).</summary>
internal static class Tool
{
    public static async Task<(int Status, string Output)> RunAsync(
        string tool, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, bool stdoutOnly = false, TimeSpan? timeout = null)
    {
        var (status, stdout, stderr) = await RunSplitAsync(tool, args, environment, timeout);
        return (status, stdoutOnly ? stdout : stdout + stderr);
    }

    /// <summary>Runs a command-line tool to its end: its exit status, standard output and standard error.</summary>
    public static async Task<(int Status, string Stdout, string Stderr)> RunSplitAsync(
        string tool, IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null, TimeSpan? timeout = null)
    {
        var info = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        args.ToList().ForEach(info.ArgumentList.Add);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }

        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException($"{tool} is not installed: ./mc setup installs it", ex);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromMinutes(10));
            try
            {
                await process.WaitForExitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{tool} {string.Join(' ', info.ArgumentList)} did not end within {(timeout ?? TimeSpan.FromMinutes(10)).TotalSeconds:0} s");
            }

            return (process.ExitCode, await stdout, await stderr);
        }
    }

    /// <summary>Runs <paramref name="tool"/> and fails the test, with its output, when it exits with an error.</summary>
    public static async Task<string> CheckedAsync(string tool, params string[] args)
    {
        var (status, stdout, stderr) = await RunSplitAsync(tool, args);
        Assert.True(status == 0, $"{tool} {string.Join(' ', args)} exited with {status}:\n{stdout}{stderr}");
        return stdout;
    }
}

/// <summary>
/// The Docker engine as the deployment tests use it: containers by name, their addresses on their network, a node's
/// API inside one (reached from this host at the container's address, as Kubernetes' kubelet reaches a pod).
/// </summary>
internal static class Docker
{
    public static Task<string> RunAsync(params string[] args) => Tool.CheckedAsync("docker", args);

    /// <summary>The container's address on its (first) network.</summary>
    public static async Task<string> AddressAsync(string container) =>
        (await RunAsync("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", container)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[0];

    /// <summary>A client of the node API in <paramref name="container"/> (port 8080 at its address) with the token.</summary>
    public static async Task<NodeApi> NodeApiAsync(string container, string token) =>
        NodeApi.Connect(new Uri($"http://{await AddressAsync(container)}:8080/"), token, TimeSpan.FromSeconds(5));

    public static async Task<string> LogsAsync(string container) => (await Tool.RunAsync("docker", ["logs", "--tail", "200", container])).Output;

    /// <summary>Whether a Docker engine answers (the deployment tests need one: ./mc test-deployment starts it).</summary>
    public static async Task<bool> AnswersAsync() => (await Tool.RunAsync("docker", ["info"])).Status == 0;
}

/// <summary>Polling for a condition across processes and containers, with a generous bound.</summary>
internal static class Poll
{
    /// <summary>
    /// Polls <paramref name="condition"/> every half second (errors while containers start or die count as "not yet"),
    /// failing after <paramref name="bound"/> with <paramref name="what"/> and what <paramref name="diagnostics"/> shows.
    /// </summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string what, TimeSpan bound, Func<Task<string>> diagnostics)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            try
            {
                if (await condition())
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or System.Text.Json.JsonException or InvalidOperationException)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{what}: not within {bound.TotalMinutes:0} minutes\n{await diagnostics()}");
            }

            await Task.Delay(500);
        }
    }
}
