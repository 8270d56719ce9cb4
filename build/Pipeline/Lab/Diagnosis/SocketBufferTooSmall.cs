using System.Globalization;

namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>The receiver's socket queue overflowed: the kernel dropped datagrams it had received (SO_RXQ_OVFL, Udp RcvbufErrors).</summary>
public sealed class SocketBufferTooSmall() : Cause(
    "socket-buffer-too-small",
    "socket buffer too small (kernel drops)",
    "raise net.core.rmem_max on the node (sysctl -w net.core.rmem_max=16777216; it is not namespaced, so set it on the node), or run the receiver with CAP_NET_ADMIN as root so SO_RCVBUFFORCE gets its buffer")
{
    public override string? Evidence(FailedReceiver f)
    {
        var buffer = f.ReceiverProbe is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"; its buffer is {r.ReceiveBufferBytes} bytes of the {r.ReceiveBufferRequestedBytes} asked for")
            : "";
        if (f.KernelDrops is > 0)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the kernel dropped {f.KernelDrops} datagrams from the receiver's full socket queue{buffer}.");
        }
        // A receiver hears of its drops only with its next datagram; the namespace's counter knows them at once.
        return f.ReceiverPlace?.UdpReceiveBufferErrors is > 0 and var errors
            ? string.Create(CultureInfo.InvariantCulture, $"the kernel counted {errors} UDP receive-buffer errors where the receiver is (/proc/net/snmp RcvbufErrors){buffer}.")
            : null;
    }
}
