namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>
/// macvlan keeps the traffic apart: a parent interface never hears its children (multus#691), and in modes
/// other than bridge the children of one parent do not hear each other.
/// </summary>
public sealed class MacvlanIsolation() : Cause(
    "macvlan-isolation",
    "macvlan parent or sibling isolation",
    "use macvlan mode bridge in the NetworkAttachmentDefinition so pods of one node hear each other; for the node itself, receive on a macvlan child of the parent (ip link add mv0 link eth1 type macvlan mode bridge), not on the parent")
{
    public override string? Evidence(FailedReceiver f)
    {
        var sameNode = f.ReceiverPlace is { } r && f.SenderPlace is { } s && r.Node == s.Node;
        if (!sameNode) return null;
        if (f.Receiver.Direction == FlowDirection.NodeFromOwnPod)
        {
            return $"the receiver is the macvlan parent ({f.Segment} of node {f.ReceiverPlace!.Node}) of the sending pod's interface: a parent never receives what its children send.";
        }
        var mode = f.SenderPlace!.MacvlanMode is { } m && m != "bridge" ? m : f.ReceiverPlace!.MacvlanMode is { } n && n != "bridge" ? n : null;
        return mode is null ? null : $"sender and receiver are macvlan children of one parent on node {f.ReceiverPlace!.Node} in mode {mode}, which does not pass frames between children.";
    }
}
