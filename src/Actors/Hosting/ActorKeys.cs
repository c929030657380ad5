namespace MediaCluster.Actors.Hosting;

/// <summary>Registry key (Akka.Hosting's <c>ActorRegistry</c>) of the shard region of media job entities.</summary>
public sealed class JobRegionKey;

/// <summary>Registry key of the job listing.</summary>
public sealed class JobIndexKey;

/// <summary>Registry key of a jobs node's VAD queue (jobs waiting for a VAD session, pulled by every gpu node).</summary>
public sealed class VadQueueKey;

/// <summary>Registry key of the trainer singleton (or its proxy).</summary>
public sealed class TrainerKey;

/// <summary>Registry key of a jobs node's router over every gpu node's classifiers (scenes, texts).</summary>
public sealed class ClassifiersKey;

/// <summary>Registry key of this node's inbox job starter (what the inbox's watcher, wherever it runs here, hands files to).</summary>
public sealed class InboxStarterKey;

/// <summary>Registry key of the inbox watcher's singleton manager.</summary>
public sealed class InboxKey;
