namespace MediaCluster.Runtime;

/// <summary>What a supervisor does with a child that threw.</summary>
public enum Directive
{
    /// <summary>Keep the actor instance and its state; drop the failing message and go on.</summary>
    Resume,

    /// <summary>Replace the actor instance with a fresh one; the mailbox (minus the failing message) is kept.</summary>
    Restart,

    /// <summary>Stop the child for good.</summary>
    Stop,

    /// <summary>Fail the supervisor itself, handing the decision to its own parent.</summary>
    Escalate,
}
