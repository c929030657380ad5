namespace MediaCluster.Runtime;

/// <summary>An <c>Ask</c> got no reply within its timeout.</summary>
public sealed class AskTimeoutException(string message) : TimeoutException(message);

/// <summary>An actor's constructor or <c>PreStart</c> threw; the actor is stopped, not restarted.</summary>
public sealed class ActorInitializationException(string message, Exception inner) : Exception(message, inner);

/// <summary>A child name is malformed or already taken.</summary>
public sealed class InvalidActorNameException(string message) : ArgumentException(message);

/// <summary>An actor failed and its supervisor escalated the failure upward.</summary>
public sealed class EscalatedFailureException(string message, Exception inner) : Exception(message, inner);
