using System.Globalization;
using System.Text.RegularExpressions;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Images;

/// <summary>
/// The steps of a classic Docker build stream ("Step 4/13 : RUN …"): a step is shown once the engine works on
/// it ("---> Running in …", its output, or a new layer id), never when it came from the cache, so a warm build
/// shows no step lines at all; the counts go into the closing "Built …" line. FROM, and ARG before the first
/// FROM, only choose the base: never shown, never counted as rebuilt.
/// </summary>
public sealed partial class DockerBuildSteps : ToolSteps
{
    private (int Index, int Total, string Instruction, bool Structural)? pending;
    private bool seenFrom;

    public int Total { get; private set; }

    public int Cached { get; private set; }

    /// <summary>Steps the engine built instead of taking them from its cache.</summary>
    public int Rebuilt { get; private set; }

    private int Structural { get; set; }

    public override string? Step(string line)
    {
        var text = line.Trim();
        var step = StepLine().Match(text);
        if (step.Success)
        {
            var instruction = step.Groups["instruction"].Value;
            var structural = instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase)
                || (!seenFrom && instruction.StartsWith("ARG ", StringComparison.OrdinalIgnoreCase));
            seenFrom |= instruction.StartsWith("FROM ", StringComparison.OrdinalIgnoreCase);
            if (structural) Structural++;
            Total = int.Parse(step.Groups["total"].Value, CultureInfo.InvariantCulture);
            pending = (int.Parse(step.Groups["index"].Value, CultureInfo.InvariantCulture), Total, instruction, structural);
            return null;
        }
        if (pending is not { } current || current.Structural) return null;
        if (text.StartsWith("---> Using cache", StringComparison.Ordinal))
        {
            Cached++;
            pending = null;
            return null;
        }
        // The engine's housekeeping is no sign of work; anything else (Running in, output, a new layer) is.
        if (text.StartsWith("Removing intermediate container", StringComparison.Ordinal) || text.StartsWith("Successfully ", StringComparison.Ordinal))
        {
            return null;
        }
        pending = null;
        Rebuilt++;
        return Shorten($"step {current.Index}/{current.Total}: {current.Instruction}");
    }

    /// <summary>For the closing line: "every step from the cache" or "3 of 11 steps rebuilt".</summary>
    public string Summary => Rebuilt == 0 ? "every step from the cache" : $"{Rebuilt} of {Total - Structural} steps rebuilt";

    [GeneratedRegex(@"^Step (?<index>\d+)/(?<total>\d+) : (?<instruction>.*)$")]
    private static partial Regex StepLine();
}
