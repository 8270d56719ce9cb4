using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Graph;

/// <summary>A target as build.cake declared it: its dependencies and the programs it needs itself.</summary>
public sealed record TargetInfo(string Name, string Description, IReadOnlyList<string> Dependencies)
{
    /// <summary>Programs this target runs itself (not those of its dependencies): names in PrerequisiteCatalog.</summary>
    public IReadOnlyList<string> Needs { get; init; } = [];
}

/// <summary>The targets build.cake declared, as plain data: lookups, the set a target runs, the overview.</summary>
public sealed class TargetGraph(IEnumerable<TargetInfo> targets)
{
    private readonly List<TargetInfo> targets = targets.ToList();

    public IReadOnlyList<TargetInfo> Targets => targets;

    public TargetInfo? Find(string name) => targets.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase));

    /// <summary>The target and everything it depends on, dependencies first.</summary>
    public IReadOnlyList<string> Closure(string target)
    {
        var order = new List<string>();
        void Visit(string name)
        {
            var info = Find(name);
            if (info is null || order.Contains(info.Name)) return;
            foreach (var dependency in info.Dependencies) Visit(dependency);
            order.Add(info.Name);
        }
        Visit(target);
        return order;
    }

    /// <summary>The programs the target and everything it depends on declared they need, each once.</summary>
    public IReadOnlyList<string> Needs(string target) =>
        Closure(target).SelectMany(name => Find(name)!.Needs).Distinct(StringComparer.Ordinal).ToList();

    /// <summary>Stops with the list of targets when a requested name (a target or a --skip entry) does not exist.</summary>
    public void Require(string name, string what)
    {
        if (Find(name) is null)
        {
            throw new PipelineException($"{what} '{name}' was not found; choose one of: {string.Join(", ", targets.Select(t => t.Name))}.");
        }
    }

    public IEnumerable<string> Overview(IEnumerable<(string Name, string Value, string Source, string Description)> parameters)
    {
        yield return "Usage: ./build.sh [TARGET] [--parameter=value ...] [--dryrun] [--tree] [--description] [--verbosity=diagnostic]";
        yield return "";
        yield return "Targets:";
        var width = targets.Max(t => t.Name.Length) + 2;
        foreach (var target in targets)
        {
            var dependencies = target.Dependencies.Count > 0 ? $"  (after {string.Join(", ", target.Dependencies)})" : "";
            yield return $"  {target.Name.PadRight(width)}{target.Description}{dependencies}";
        }
        yield return "";
        yield return "Parameters (--name=value > MCASTLAB_NAME > mcastlab.json):";
        var list = parameters.ToList();
        var nameWidth = list.Max(p => p.Name.Length) + 4;
        var valueWidth = Math.Min(28, list.Max(p => p.Value.Length) + 2);
        foreach (var (name, value, source, description) in list)
        {
            var origin = source.Length > 0 ? $" [{source}]" : "";
            if (value.Length >= valueWidth)
            {
                // Long values (URLs, checksums) get their own line so the descriptions stay in one column.
                yield return $"  --{name.PadRight(nameWidth - 2)}{value}";
                yield return $"  {new string(' ', nameWidth + valueWidth)}{description}{origin}";
                continue;
            }
            yield return $"  --{name.PadRight(nameWidth - 2)}{value.PadRight(valueWidth)}{description}{origin}";
        }
    }
}
