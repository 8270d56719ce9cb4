namespace McastLab.Pipeline.Tests.Manifests;

/// <summary>A line diff (longest common subsequence) shown with two lines of context around each change.</summary>
public static class LineDiff
{
    private const int Context = 2;

    public static IEnumerable<string> Render(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        var lines = Diff(expected, actual);
        var keep = new bool[lines.Count];
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].Kind == ' ') continue;
            for (var j = Math.Max(0, i - Context); j <= Math.Min(lines.Count - 1, i + Context); j++) keep[j] = true;
        }
        var previous = -1;
        for (var i = 0; i < lines.Count; i++)
        {
            if (!keep[i]) continue;
            if (previous >= 0 && i > previous + 1) yield return "  ...";
            yield return $"{lines[i].Kind} {lines[i].Text}";
            previous = i;
        }
    }

    private static List<(char Kind, string Text)> Diff(IReadOnlyList<string> a, IReadOnlyList<string> b)
    {
        // common[i, j] = length of the longest common subsequence of a[i..] and b[j..].
        var common = new int[a.Count + 1, b.Count + 1];
        for (var i = a.Count - 1; i >= 0; i--)
        {
            for (var j = b.Count - 1; j >= 0; j--)
            {
                common[i, j] = a[i] == b[j] ? common[i + 1, j + 1] + 1 : Math.Max(common[i + 1, j], common[i, j + 1]);
            }
        }
        var result = new List<(char, string)>();
        int x = 0, y = 0;
        while (x < a.Count || y < b.Count)
        {
            if (x < a.Count && y < b.Count && a[x] == b[y]) { result.Add((' ', a[x])); x++; y++; }
            else if (x < a.Count && (y == b.Count || common[x + 1, y] >= common[x, y + 1])) { result.Add(('-', a[x])); x++; }
            else { result.Add(('+', b[y])); y++; }
        }
        return result;
    }
}
