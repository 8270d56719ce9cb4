namespace McastLab.Pipeline.Processes;

/// <summary>
/// Recognises the lines of a tool's output that start a step worth one line in the build log. Stateful (a
/// step may only be known from the lines after it): one instance per tool run, fed every line in order.
/// </summary>
public abstract class ToolSteps
{
    /// <summary>The text of the build log's line when <paramref name="line"/> starts (or reveals) a step, else null.</summary>
    public abstract string? Step(string line);

    /// <summary>A step line is one screen line: long commands are cut.</summary>
    protected static string Shorten(string text, int length = 110) =>
        text.Length <= length ? text : text[..(length - 1)] + "…";
}
