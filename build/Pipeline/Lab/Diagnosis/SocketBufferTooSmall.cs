using System.Globalization;

namespace McastLab.Pipeline.Lab.Diagnosis;

/// <summary>The receiver's socket queue overflowed: the kernel dropped datagrams it had received.</summary>
public sealed class SocketBufferTooSmall : ICause
{
    public string Id => "socket-buffer";

    public string Title => "socket buffer too small (kernel drops)";

    public string Fix => "raise net.core.rmem_max on the node (sysctl -w net.core.rmem_max=16777216), or give the receiver CAP_NET_ADMIN so SO_RCVBUFFORCE gets its buffer";

    public string? Evidence(FailedReceiver f) =>
        f.KernelDrops is > 0 && f.ReceiverProbe is { } r
            ? string.Create(CultureInfo.InvariantCulture, $"the kernel dropped {f.KernelDrops} datagrams from the receiver's full socket queue; its buffer is {r.ReceiveBufferBytes} bytes of the {r.ReceiveBufferRequestedBytes} asked for.")
            : null;
}
