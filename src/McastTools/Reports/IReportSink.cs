using McastLab.McastTools.Receive;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Reports;

/// <summary>Where a receive run's events go: text, JSON lines, CSV or iperf-style text.</summary>
internal interface IReportSink
{
    void Listening(ReceivePlan plan, ReceiveBuffer buffer);

    void StreamStarted(StreamReport stream);

    void Interval(StreamReport interval);

    void Summary(StreamReport summary);

    void End(ReceiveOutcome outcome);
}
