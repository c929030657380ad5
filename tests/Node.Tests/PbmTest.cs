using MediaCluster.Cli;

namespace MediaCluster.Node.Tests;

/// <summary>A served node (4 MB uploads, datasets/ an allowed root) for pbm to talk to, found through its data directory.</summary>
public abstract class PbmTest : IAsyncLifetime
{
    protected string Folder { get; } = Directory.CreateTempSubdirectory("mc-pbm-").FullName;

    protected ServedNode Served { get; private set; } = null!;

    protected string Data => Path.Combine(Folder, "data");

    protected const long UploadLimit = 4_000_000;

    public async Task InitializeAsync() =>
        Served = await ServedNode.StartAsync(
            Data, "--Node:MaxUploadBytes", UploadLimit.ToString(System.Globalization.CultureInfo.InvariantCulture), "--Node:AllowedRoots:0", Path.Combine(Folder, "datasets"));

    public async Task DisposeAsync()
    {
        await Served.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    protected async Task<(int Status, string Output, string Errors)> PbmAsync(params string[] args)
    {
        var output = new StringWriter();
        var errors = new StringWriter();
        var status = await Pbm.RunAsync(["--data-dir", Data, .. args], output, errors, terminal: false, CancellationToken.None).WaitAsync(TimeSpan.FromMinutes(3));
        return (status, output.ToString().ReplaceLineEndings("\n"), errors.ToString().ReplaceLineEndings("\n"));
    }
}
