using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace McastLab.McastTools.Tests;

/// <summary>One sample line: metric name, labels, value.</summary>
internal sealed record ExpositionSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string Label(string name) => Labels.GetValueOrDefault(name, "");
}

/// <summary>
/// A strict reader of Prometheus text format 0.0.4 for the tests, and the naming conventions of
/// prometheus.io/docs/practices/naming: it throws on a line the format does not allow, and lists every
/// convention a family breaks.
/// </summary>
internal sealed partial class PrometheusExposition
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    /// <summary>Units that are not base units, as name parts (Prometheus wants seconds and bytes).</summary>
    private static readonly string[] NonBaseUnits = ["ms", "us", "ns", "millis", "milliseconds", "microseconds", "nanoseconds", "minutes", "hours", "kb", "kilobytes", "mb", "megabytes", "kib", "mib", "bits"];

    public Dictionary<string, string> TypeOf { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, string> HelpOf { get; } = new(StringComparer.Ordinal);
    public List<ExpositionSample> Samples { get; } = [];

    public static PrometheusExposition Parse(string text)
    {
        var exposition = new PrometheusExposition();
        var finished = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        Assert.True(text.Length == 0 || text.EndsWith('\n'), "the exposition must end with a newline");
        foreach (var line in text.Split('\n').Where(l => l.Length > 0))
        {
            string family;
            if (line.StartsWith('#'))
            {
                var comment = Comment().Match(line);
                if (!comment.Success)
                {
                    continue;
                }

                family = comment.Groups[2].Value;
                var map = comment.Groups[1].Value == "HELP" ? exposition.HelpOf : exposition.TypeOf;
                Assert.False(map.ContainsKey(family), $"a second {comment.Groups[1].Value} line for {family}");
                if (comment.Groups[1].Value == "TYPE")
                {
                    Assert.Contains(comment.Groups[3].Value, Types);
                    Assert.False(exposition.Samples.Any(s => exposition.FamilyOf(s.Name) == family), $"TYPE of {family} after its samples");
                }

                map[family] = comment.Groups[3].Value;
            }
            else
            {
                var sample = ParseSample(line);
                exposition.Samples.Add(sample);
                family = exposition.FamilyOf(sample.Name);
            }

            if (family != current)
            {
                Assert.False(finished.Contains(family), $"the lines of family {family} are not together");
                if (current is not null)
                {
                    finished.Add(current);
                }

                current = family;
            }
        }

        return exposition;
    }

    /// <summary>The family a sample belongs to: a histogram's _bucket, _sum and _count are its own.</summary>
    public string FamilyOf(string sampleName)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal) && TypeOf.GetValueOrDefault(sampleName[..^suffix.Length]) is "histogram" or "summary")
            {
                return sampleName[..^suffix.Length];
            }
        }

        return sampleName;
    }

    public IEnumerable<ExpositionSample> Family(string name) => Samples.Where(s => FamilyOf(s.Name) == name);

    /// <summary>The value of one family's sample for one stream, by its group and source labels.</summary>
    public double Value(string name, string group, string source) =>
        Assert.Single(Samples, s => s.Name == name && s.Label("group") == group && s.Label("source") == source).Value;

    public List<string> ConventionViolations(string prefix)
    {
        var problems = new List<string>();
        foreach (var family in Samples.Select(s => FamilyOf(s.Name)).Distinct())
        {
            var type = TypeOf.GetValueOrDefault(family);
            if (type is null || !HelpOf.ContainsKey(family))
            {
                problems.Add($"{family} has no TYPE or no HELP line");
                continue;
            }

            if (!family.StartsWith(prefix, StringComparison.Ordinal))
            {
                problems.Add($"{family} lacks the {prefix} prefix");
            }

            if ((type == "counter") != family.EndsWith("_total", StringComparison.Ordinal))
            {
                problems.Add($"{family} is a {type}: only counters end in _total, and every counter does");
            }

            if (family.Split('_').Intersect(NonBaseUnits, StringComparer.Ordinal).FirstOrDefault() is { } unit)
            {
                problems.Add($"{family} uses the unit {unit}; use seconds or bytes");
            }

            if (type == "histogram")
            {
                problems.AddRange(HistogramProblems(family));
            }
        }

        return problems;
    }

    private IEnumerable<string> HistogramProblems(string family)
    {
        var samples = Family(family).ToList();
        foreach (var series in samples.GroupBy(s => Key(s.Labels.Where(l => l.Key != "le"))))
        {
            var buckets = series.Where(s => s.Name == family + "_bucket").ToList();
            var count = series.SingleOrDefault(s => s.Name == family + "_count");
            var infinity = buckets.SingleOrDefault(s => s.Label("le") == "+Inf");
            if (count is null || infinity is null || series.All(s => s.Name != family + "_sum"))
            {
                yield return $"{family}{{{series.Key}}} lacks its +Inf bucket, _sum or _count";
                continue;
            }

            if (infinity.Value != count.Value)
            {
                yield return $"{family}{{{series.Key}}}: the +Inf bucket {infinity.Value} is not _count {count.Value}";
            }

            var ordered = buckets.Select(b => (Bound: b.Label("le") == "+Inf" ? double.PositiveInfinity : double.Parse(b.Label("le"), CultureInfo.InvariantCulture), b.Value)).ToList();
            if (!ordered.SequenceEqual(ordered.OrderBy(b => b.Bound)) || ordered.Zip(ordered.Skip(1)).Any(p => p.Second.Value < p.First.Value))
            {
                yield return $"{family}{{{series.Key}}}: buckets are not in rising order of le with cumulative counts";
            }
        }
    }

    private static string Key(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join(",", labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"));

    private static ExpositionSample ParseSample(string line)
    {
        var match = SampleLine().Match(line);
        Assert.True(match.Success, $"not a sample line: {line}");
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var body = match.Groups[2].Value;
        var at = 0;
        while (at < body.Length)
        {
            var name = LabelName().Match(body, at);
            Assert.True(name.Success && name.Index == at, $"bad label name in: {line}");
            at += name.Length;
            var value = new StringBuilder();
            for (; body[at] != '"'; at++)
            {
                if (body[at] == '\\')
                {
                    at++;
                    value.Append(body[at] switch
                    {
                        'n' => '\n',
                        '\\' => '\\',
                        '"' => '"',
                        _ => throw new InvalidOperationException($"bad escape in: {line}"),
                    });
                }
                else
                {
                    value.Append(body[at]);
                }
            }

            Assert.True(labels.TryAdd(name.Groups[1].Value, value.ToString()), $"label {name.Groups[1].Value} twice in: {line}");
            at++;
            if (at < body.Length)
            {
                Assert.Equal(',', body[at]);
                at++;
            }
        }

        var text = match.Groups[3].Value;
        var number = text switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            _ => double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new ExpositionSample(match.Groups[1].Value, labels, number);
    }

    [GeneratedRegex(@"^# (HELP|TYPE) ([a-zA-Z_:][a-zA-Z0-9_:]*) (.*)$")]
    private static partial Regex Comment();

    [GeneratedRegex(@"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: -?\d+)?$")]
    private static partial Regex SampleLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""")]
    private static partial Regex LabelName();
}
