using MediaCluster.Node;

// The trainer starts this executable as its training process (see MediaCluster.Neural.TrainingProcess); nothing else
// of the node is set up in it.
if (args is [NeuralTraining.Command, var folder])
{
    return MediaCluster.Neural.TrainingProcess.Run(folder, Console.Out, Console.Error);
}

return await NodeCommands.RunAsync(args);
