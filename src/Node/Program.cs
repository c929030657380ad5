using MediaCluster.Node;

return await NodeCommands.RunAsync(args);
