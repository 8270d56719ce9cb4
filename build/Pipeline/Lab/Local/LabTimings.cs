using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// Where the local lab's own time goes: the wall time of each phase (and of the steps inside the flows), and
/// per kind of operation (a Docker call, a CNI plugin, ip) how many ran, their summed and their longest time.
/// Operations overlap, so their sums can exceed the phase that holds them; they show which work dominates.
/// The lab logs <see cref="Describe"/> at diagnostic verbosity only; benchmarks/lab-scale.sh reads it.
/// </summary>
public sealed class LabTimings
{
    /// <summary>The diagnostic line's start, which benchmarks/lab-scale.sh looks for.</summary>
    public const string Prefix = "Lab timings:";

    private readonly ConcurrentQueue<(string Name, TimeSpan Took)> phases = new();
    private readonly ConcurrentDictionary<string, Totals> operations = new();

    public void Phase(string name, TimeSpan took) => phases.Enqueue((name, took));

    /// <summary>Runs and times one operation of the given kind (timed even when it fails).</summary>
    public async Task<T> TimeAsync<T>(string kind, Func<Task<T>> operation)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            return await operation();
        }
        finally
        {
            operations.GetOrAdd(kind, _ => new Totals()).Add(watch.Elapsed);
        }
    }

    public async Task TimeAsync(string kind, Func<Task> operation) =>
        await TimeAsync(kind, async () => { await operation(); return true; });

    /// <summary>No line of <see cref="Describe"/> is wider than this (a terminal shows it whole).</summary>
    public const int LineWidth = 150;

    /// <summary>
    /// Lines that start with <see cref="Prefix"/>: the phases in order, as many to a line as fit
    /// ("Lab timings: hosts 1.00 s, pods 1.50 s, …"), then one line per kind of operation, the costliest
    /// first ("Lab timings: docker start 13x sum 4.10 s max 0.50 s").
    /// </summary>
    public IReadOnlyList<string> Describe()
    {
        static string S(TimeSpan t) => t.TotalSeconds.ToString("0.00", CultureInfo.InvariantCulture);
        var lines = new List<string>();
        var line = Prefix;
        foreach (var phase in phases.Select(p => $"{p.Name} {S(p.Took)} s"))
        {
            if (line != Prefix && line.Length + 2 + phase.Length > LineWidth)
            {
                lines.Add(line + ",");
                line = Prefix;
            }
            line += (line == Prefix ? " " : ", ") + phase;
        }
        if (line != Prefix) lines.Add(line + ".");
        lines.AddRange(operations.OrderByDescending(o => o.Value.Sum).Select(o => $"{Prefix} {o.Key} {o.Value.Count}x sum {S(o.Value.Sum)} s max {S(o.Value.Max)} s"));
        return lines;
    }

    private sealed class Totals
    {
        private long ticks;
        private long max;
        private int count;

        public int Count => count;

        public TimeSpan Sum => TimeSpan.FromTicks(Interlocked.Read(ref ticks));

        public TimeSpan Max => TimeSpan.FromTicks(Interlocked.Read(ref max));

        public void Add(TimeSpan took)
        {
            Interlocked.Increment(ref count);
            Interlocked.Add(ref ticks, took.Ticks);
            long seen;
            while (took.Ticks > (seen = Interlocked.Read(ref max)) && Interlocked.CompareExchange(ref max, took.Ticks, seen) != seen)
            {
            }
        }
    }
}
