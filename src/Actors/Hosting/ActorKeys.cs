namespace MediaCluster.Actors.Hosting;

/// <summary>Registry key (Akka.Hosting's <c>ActorRegistry</c>) of the shard region of media job entities.</summary>
public sealed class JobRegionKey;

/// <summary>Registry key of the job listing.</summary>
public sealed class JobIndexKey;

/// <summary>Registry key of the ASR slots.</summary>
public sealed class AsrPoolKey;

/// <summary>Registry key of the VAD slots.</summary>
public sealed class VadSlotsKey;
