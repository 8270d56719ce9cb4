using System.Text.Json;
using McastLab.McastTools.Diagnosis;
using McastLab.McastTools.Receive;
using McastLab.McastTools.Sockets;

namespace McastLab.McastTools.Reports;

/// <summary>
/// JSON lines (the contract in the README): "interval" per stream per interval, "summary" per stream, then
/// one "end". Written with Utf8JsonWriter: no reflection, NativeAOT-safe.
/// </summary>
internal sealed class JsonReport(Stream output, TextWriter log) : IReportSink
{
    private static readonly byte[] NewLine = "\n"u8.ToArray();

    public void Listening(ReceivePlan plan, ReceiveBuffer buffer)
    {
        log.WriteLine(TextReport.Joined(plan, buffer));
        var endpoint = plan.Endpoint;
        WriteLine(writer =>
        {
            writer.WriteString("event", "joined");
            writer.WriteString("group", endpoint.Group.Address.ToString());
            writer.WriteNumber("groups", endpoint.Group.Count);
            writer.WriteString("lastGroup", endpoint.Group.Last.ToString());
            writer.WriteNumber("port", endpoint.Port);
            if (endpoint.Interface is null)
            {
                writer.WriteNull("interface");
            }
            else
            {
                writer.WriteString("interface", endpoint.Interface.Name);
            }

            if (endpoint.Source is null)
            {
                writer.WriteNull("sourceFilter");
            }
            else
            {
                writer.WriteString("sourceFilter", endpoint.Source.ToString());
            }

            writer.WriteNumber("receiveBufferBytes", buffer.GrantedBytes);
            writer.WriteNumber("receiveBufferRequestedBytes", buffer.RequestedBytes);
        });
    }

    public void Diagnosis(ReceiverProbe probe)
    {
        log.WriteLine(probe.Text());
        WriteLine(probe.Write);
    }

    public void Left(LeaveWatch watch, double end, double quietSeconds)
    {
        log.WriteLine(watch.Text(end, quietSeconds));
        WriteLine(writer => watch.Write(writer, end, quietSeconds));
    }

    public void StreamStarted(StreamReport stream)
    {
    }

    public void Interval(StreamReport interval) => WriteStream("interval", interval);

    public void Summary(StreamReport summary) => WriteStream("summary", summary);

    public void End(ReceiveOutcome outcome) => WriteLine(writer =>
    {
        writer.WriteString("event", "end");
        writer.WriteNumber("streams", outcome.Streams);
        writer.WriteBoolean("ok", outcome.Ok);
        writer.WriteString("reason", outcome.Reason);
        writer.WriteBoolean("interrupted", outcome.Interrupted);
        writer.WriteStartArray("silentGroups");
        foreach (var group in outcome.SilentGroups)
        {
            writer.WriteStringValue(group);
        }

        writer.WriteEndArray();
    });

    private void WriteStream(string kind, StreamReport report) => WriteLine(writer =>
    {
        var c = report.Counters;
        writer.WriteString("event", kind);
        writer.WriteString("group", report.Group);
        writer.WriteNumber("port", report.Port);
        writer.WriteString("source", report.Source.ToString());
        writer.WriteNumber("start", Math.Round(report.Start, 6));
        writer.WriteNumber("end", Math.Round(report.End, 6));
        writer.WriteNumber("received", c.Received);
        writer.WriteNumber("bytes", c.Bytes);
        writer.WriteNumber("lost", c.Lost);
        writer.WriteNumber("lossPercent", Math.Round(c.LossPercent, 6));
        writer.WriteNumber("outOfOrder", c.OutOfOrder);
        writer.WriteNumber("duplicates", c.Duplicates);
        writer.WriteNumber("invalid", c.Invalid);
        writer.WriteNumber("jitterMs", Math.Round(c.JitterMs, 6));
        WriteNullable(writer, "ttl", c.Ttl);
        writer.WriteNumber("kernelDrops", c.KernelDrops);
        writer.WriteNumber("bitsPerSecond", Math.Round(report.BitsPerSecond, 1));
        WriteNullable(writer, "latencyMinMs", c.LatencyMinMs);
        WriteNullable(writer, "latencyAvgMs", c.LatencyAvgMs);
        WriteNullable(writer, "latencyMaxMs", c.LatencyMaxMs);
        var percentiles = c.Percentiles;
        WriteNullable(writer, "latencyP50Ms", percentiles?.P50Ms);
        WriteNullable(writer, "latencyP90Ms", percentiles?.P90Ms);
        WriteNullable(writer, "latencyP99Ms", percentiles?.P99Ms);
        WriteNullable(writer, "latencyP999Ms", percentiles?.P999Ms);
        WriteNullable(writer, "latencyP9999Ms", percentiles?.P9999Ms);
    });

    private static void WriteNullable(Utf8JsonWriter writer, string name, double? value)
    {
        if (value is { } number)
        {
            writer.WriteNumber(name, Math.Round(number, 6));
        }
        else
        {
            writer.WriteNull(name);
        }
    }

    private void WriteLine(Action<Utf8JsonWriter> body)
    {
        using (var writer = new Utf8JsonWriter(output))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        output.Write(NewLine);
        output.Flush();
    }
}
