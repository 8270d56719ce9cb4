using System.Globalization;
using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Lab;

/// <summary>The parsers of what a sender says it sent: iperf 2's client text and `mcast send`'s summary line.</summary>
public static partial class SenderReport
{
    /// <summary>Data datagrams the sender sent, from its output; null when it printed no count (it did not finish).</summary>
    public static long? DataDatagrams(FlowTool tool, string output) => tool switch
    {
        FlowTool.IperfClient => IperfDataSent(output),
        FlowTool.McastSend => McastSent(output),
        _ => null,
    };

    /// <summary>
    /// Data datagrams an iperf 2.1.8 client sent. Its "Sent N datagrams" is two more than that: measured here,
    /// "Sent 94" went with data ids 1..92 and one end-of-test datagram carrying -93.
    /// </summary>
    public static long? IperfDataSent(string output) => IperfSent(output) is { } n ? n - 2 : null;

    /// <summary>iperf 2's raw "Sent N datagrams" figure.</summary>
    public static long? IperfSent(string output) =>
        IperfSentLine().Match(output) is { Success: true } m ? long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture) : null;

    /// <summary>Datagrams `mcast send` sent ("mcast send: N datagrams ...").</summary>
    public static long? McastSent(string output) =>
        McastSentLine().Match(output) is { Success: true } m ? long.Parse(m.Groups["count"].Value, CultureInfo.InvariantCulture) : null;

    [GeneratedRegex(@"Sent\s+(?<count>[0-9]+)\s+datagrams")]
    private static partial Regex IperfSentLine();

    [GeneratedRegex(@"mcast send:\s+(?<count>[0-9]+)\s+datagrams")]
    private static partial Regex McastSentLine();
}
