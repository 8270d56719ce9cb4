using System.Text.RegularExpressions;

namespace McastLab.Pipeline.Tests.Architecture;

/// <summary>
/// Which namespace of build/Pipeline imports which, read from the sources: `using McastLab.Pipeline.X;`
/// (aliases included), fully qualified `McastLab.Pipeline.X.Type` references, names qualified from the file's
/// namespace or an enclosing one (`Boxes.BoxRole`, `Cluster.ClusterLab` inside Lab), and the types of an
/// enclosing namespace that C# lets a file use without any using (`LabCheck` inside Lab.Cluster).
/// </summary>
internal sealed partial class NamespaceDependencies
{
    private const string Root = "McastLab.Pipeline";

    public IReadOnlyDictionary<string, IReadOnlySet<string>> Imports { get; }

    public NamespaceDependencies(IReadOnlyDictionary<string, IReadOnlySet<string>> imports) => Imports = imports;

    public static NamespaceDependencies Read(string directory)
    {
        var imports = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        var files = Directory.EnumerateFiles(directory, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !f.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal));
        var sources = files.Select(File.ReadAllText).ToList();
        var known = sources.Select(s => FileNamespace().Match(s)).Where(m => m.Success).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.Ordinal);
        var declared = sources.Select(s => (Match: FileNamespace().Match(s), Source: s)).Where(p => p.Match.Success)
            .SelectMany(p => TypeDeclaration().Matches(p.Source).Select(t => p.Match.Groups[1].Value + "." + t.Groups[1].Value))
            .ToHashSet(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            var match = FileNamespace().Match(source);
            if (!match.Success) continue;
            var own = match.Groups[1].Value;
            if (!imports.TryGetValue(own, out var set)) imports[own] = set = new HashSet<string>(StringComparer.Ordinal);
            foreach (Match reference in QualifiedName().Matches(source))
            {
                // The longest known namespace the qualified name starts with (McastLab.Pipeline.Lab.Cluster.X → Lab.Cluster).
                var name = reference.Groups[1].Value;
                var target = known.Where(n => name == n || name.StartsWith(n + ".", StringComparison.Ordinal)).MaxBy(n => n.Length);
                if (target is not null && target != own) set.Add(target);
            }
            // C# looks a name up in the file's namespace, then in each enclosing one: `Cluster.ClusterLab` inside
            // McastLab.Pipeline.Lab is Lab.Cluster's, and a bare `LabCheck` inside Lab.Cluster is Lab's.
            var scopes = Scopes(own).ToList();
            foreach (Match reference in RelativeName().Matches(source))
            {
                // `Cluster.ClusterLab.ForCluster`: the type is a prefix of the name (a member may follow it).
                var parts = reference.Groups[1].Value.Split('.');
                var type = scopes.SelectMany(scope => Enumerable.Range(2, parts.Length - 1).Reverse().Select(n => scope + "." + string.Join('.', parts[..n])))
                    .FirstOrDefault(declared.Contains);
                var target = type?[..type.LastIndexOf('.')];
                if (target is not null && known.Contains(target) && target != own) set.Add(target);
            }
            foreach (var word in Word().Matches(source).Select(m => m.Value).Distinct(StringComparer.Ordinal))
            {
                if (declared.Contains(own + "." + word)) continue;
                var enclosing = scopes.Skip(1).FirstOrDefault(scope => declared.Contains(scope + "." + word));
                if (enclosing is not null && known.Contains(enclosing)) set.Add(enclosing);
            }
        }
        return new NamespaceDependencies(imports.ToDictionary(p => p.Key, p => (IReadOnlySet<string>)p.Value, StringComparer.Ordinal));
    }

    /// <summary>The namespace and the ones enclosing it, innermost first, down to McastLab (`Pipeline.Lab.LabTraffic` resolves there).</summary>
    private static IEnumerable<string> Scopes(string own)
    {
        var parts = own.Split('.');
        return Enumerable.Range(1, parts.Length).Reverse().Select(n => string.Join('.', parts[..n]));
    }

    /// <summary>Every group of namespaces that import one another, directly or through others (strongly connected, size ≥ 2).</summary>
    public IReadOnlyList<IReadOnlyList<string>> Cycles()
    {
        var index = 0;
        var indexes = new Dictionary<string, int>();
        var lowLinks = new Dictionary<string, int>();
        var stack = new Stack<string>();
        var cycles = new List<IReadOnlyList<string>>();
        void Connect(string node)
        {
            indexes[node] = lowLinks[node] = index++;
            stack.Push(node);
            foreach (var next in Imports.GetValueOrDefault(node) ?? new HashSet<string>())
            {
                if (indexes.TryGetValue(next, out var seen))
                {
                    if (stack.Contains(next)) lowLinks[node] = Math.Min(lowLinks[node], seen);
                    continue;
                }
                Connect(next);
                lowLinks[node] = Math.Min(lowLinks[node], lowLinks[next]);
            }
            if (lowLinks[node] != indexes[node]) return;
            var group = new List<string>();
            string member;
            do
            {
                member = stack.Pop();
                group.Add(member);
            } while (member != node);
            if (group.Count > 1) cycles.Add(group.Order(StringComparer.Ordinal).ToList());
        }
        foreach (var node in Imports.Keys.Order(StringComparer.Ordinal))
        {
            if (!indexes.ContainsKey(node)) Connect(node);
        }
        return cycles;
    }

    /// <summary>One line per cycle, naming who imports whom inside it.</summary>
    public string Describe(IReadOnlyList<string> cycle) =>
        string.Join("; ", cycle.SelectMany(from => Imports[from].Where(cycle.Contains).Select(to => $"{Short(from)} → {Short(to)}")));

    private static string Short(string name) => name.Length > Root.Length ? name[(Root.Length + 1)..] : name;

    [GeneratedRegex(@"^namespace\s+([\w.]+)\s*;", RegexOptions.Multiline)]
    private static partial Regex FileNamespace();

    [GeneratedRegex(@"\b(McastLab\.Pipeline(?:\.\w+)+)")]
    private static partial Regex QualifiedName();

    [GeneratedRegex(@"(?<![\w.])[A-Z]\w*\b")]
    private static partial Regex Word();

    /// <summary>`Lab.Cluster.ClusterLab` not preceded by a dot or a word (so not `parameters.Lab.Subnet`).</summary>
    [GeneratedRegex(@"(?<![\w.])((?:[A-Z]\w*\.)+[A-Z]\w*)")]
    private static partial Regex RelativeName();

    [GeneratedRegex(@"\b(?:class|record|struct|interface|enum)\s+([A-Z]\w*)")]
    private static partial Regex TypeDeclaration();
}
