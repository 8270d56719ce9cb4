namespace McastLab.McastTools.Diagnosis;

/// <summary>Where `mcast send` prints its probe: the text line on stdout with its other lines, the JSON event on stderr (send has no JSON format).</summary>
internal static class SenderDiagnosis
{
    public static void Print(SenderProbe probe)
    {
        Console.Out.WriteLine(probe.Text());
        Console.Out.Flush();
        Console.Error.WriteLine(ProbeJson.Line(probe.Write));
    }
}
