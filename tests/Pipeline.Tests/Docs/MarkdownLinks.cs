using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Tests.Docs;

/// <summary>
/// The relative links of a Markdown file and whether each resolves: the file (or folder) exists, and a
/// #fragment names a heading of the target, by GitHub's anchor rule. Links inside code are not links.
/// </summary>
internal static partial class MarkdownLinks
{
    /// <summary>Every broken relative link of <paramref name="file"/>, as "file:line: what is wrong".</summary>
    public static IEnumerable<string> Broken(string root, string file)
    {
        var lines = File.ReadAllLines(Path.Combine(root, file));
        var directory = Path.GetDirectoryName(Path.Combine(root, file))!;
        foreach (var (line, number) in Prose(lines))
        {
            foreach (Match link in Link().Matches(InlineCode().Replace(line, "")))
            {
                var target = link.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal)) continue;
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = hash < 0 ? target : target[..hash];
                var fragment = hash < 0 ? null : target[(hash + 1)..];
                var full = path.Length == 0 ? Path.Combine(root, file) : Path.GetFullPath(Path.Combine(directory, Uri.UnescapeDataString(path)));
                var shown = path.Length == 0 ? file : Path.GetRelativePath(root, full);
                if (!File.Exists(full) && !Directory.Exists(full))
                {
                    yield return $"{file}:{number}: {target} points at {shown}, which does not exist";
                }
                else if (fragment is not null && full.EndsWith(".md", StringComparison.Ordinal) && !Anchors(File.ReadAllLines(full)).Contains(fragment))
                {
                    yield return $"{file}:{number}: {target} names #{fragment}, which is no heading of {shown} (its anchors: {string.Join(", ", Anchors(File.ReadAllLines(full)))})";
                }
            }
        }
    }

    /// <summary>The anchors GitHub gives the headings: lower case, punctuation dropped, spaces to '-', repeats numbered.</summary>
    public static IReadOnlyList<string> Anchors(IEnumerable<string> lines)
    {
        var anchors = new List<string>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (line, _) in Prose(lines.ToList()))
        {
            var heading = Heading().Match(line);
            if (!heading.Success) continue;
            var slug = Slug(heading.Groups["text"].Value);
            var count = seen.GetValueOrDefault(slug);
            seen[slug] = count + 1;
            anchors.Add(count == 0 ? slug : $"{slug}-{count}");
        }
        return anchors;
    }

    public static string Slug(string heading)
    {
        var text = Link().Replace(heading.Trim(), m => m.Groups["text"].Value).ToLowerInvariant();
        return string.Concat(text.Where(c => char.IsLetterOrDigit(c) || c is '-' or '_' or ' ')).Replace(' ', '-');
    }

    /// <summary>The lines outside fenced code blocks, with their 1-based numbers.</summary>
    private static IEnumerable<(string Line, int Number)> Prose(IReadOnlyList<string> lines)
    {
        var fenced = false;
        for (var i = 0; i < lines.Count; i++)
        {
            if (lines[i].TrimStart().StartsWith("```", StringComparison.Ordinal)) { fenced = !fenced; continue; }
            if (!fenced) yield return (lines[i], i + 1);
        }
    }

    [GeneratedRegex(@"!?\[(?<text>[^\]]*)\]\((?<target>[^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex("`[^`]*`")]
    private static partial Regex InlineCode();

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
