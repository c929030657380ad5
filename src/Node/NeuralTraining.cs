using System.Reflection;

namespace MediaCluster.Node;

/// <summary>How the trainer starts a training process: this node's own executable with <see cref="Command"/> and the run's folder.</summary>
internal static class NeuralTraining
{
    /// <summary>The first argument that makes the node's executable a training process.</summary>
    public const string Command = "train-network";

    /// <summary>
    /// The command line before the folder: the apphost or self-contained executable alone, or the <c>dotnet</c> host
    /// with this assembly when the node was started as <c>dotnet MediaCluster.Node.dll</c>.
    /// </summary>
    public static IReadOnlyList<string> Launcher()
    {
        var process = Environment.ProcessPath ?? throw new InvalidOperationException("the node's executable path is unknown");
        var assembly = typeof(NeuralTraining).Assembly.Location;
        return Path.GetFileNameWithoutExtension(process) == "dotnet" ? [process, assembly, Command] : [process, Command];
    }
}
