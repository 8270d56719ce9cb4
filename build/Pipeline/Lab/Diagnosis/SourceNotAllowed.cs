namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>A source-specific join (IGMPv3/MLDv2 (S,G)) names another source than the one sending.</summary>
public sealed class SourceNotAllowed() : Cause(
    "source-not-allowed",
    "source not allowed (source-specific join)",
    "join with the sender's address as the source (mcast recv --source S), or join any-source")
{
    public override string? Evidence(FailedReceiver f) =>
        f.ReceiverProbe is { SourceFilter: { } filter } && f.SenderAddress is { } sender && filter != sender
            ? $"the receiver joined source-specific for {filter}, but the stream comes from {sender}."
            : null;
}
