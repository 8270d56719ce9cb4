using McastLab.McastTools.Diagnosis;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Reports;

/// <summary>Where a receive run's events go: text, JSON lines, CSV or iperf-style text.</summary>
internal interface IReportSink
{
    void Listening(ReceivePlan plan, ReceiveBuffer buffer);

    /// <summary>What the kernel says right after the join (the "diagnosis" event); iperf's own format has none.</summary>
    void Diagnosis(ReceiverProbe probe)
    {
    }

    /// <summary>After --leave-after: when frames stopped reaching the join interface (the "left" event), before the end.</summary>
    void Left(LeaveWatch watch, double end, double quietSeconds)
    {
    }

    void StreamStarted(StreamReport stream);

    void Interval(StreamReport interval);

    void Summary(StreamReport summary);

    void End(ReceiveOutcome outcome);
}
