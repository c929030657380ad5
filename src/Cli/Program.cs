using MediaCluster.Cli;

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await Pbm.RunAsync(args, Console.Out, Console.Error, terminal: !Console.IsOutputRedirected, cancel.Token);
