namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// Marks a run as alive: an exclusive lock (flock, which .NET takes for FileShare.None) on a file in the
/// run's state directory, held for the whole run. The kernel drops it when the process dies, however it
/// dies, so a later run can tell a live run from a dead run's leftovers.
/// </summary>
public sealed class LabRunLock : IDisposable
{
    /// <summary>Where runs keep their state: the lock and the private IPAM directory (tmpfs, gone after a reboot like the namespaces).</summary>
    public const string StateRoot = "/run/mcastlab-lab";

    private const string LockFile = "owner.lock";

    private readonly FileStream stream;

    private LabRunLock(LabRunId run, FileStream stream)
    {
        Run = run;
        this.stream = stream;
    }

    public LabRunId Run { get; }

    public static string StateDirectory(LabRunId run, string root = StateRoot) => Path.Combine(root, run.Value);

    public static LabRunLock Acquire(LabRunId run, string root = StateRoot)
    {
        var directory = StateDirectory(run, root);
        Directory.CreateDirectory(directory);
        var stream = new FileStream(Path.Combine(directory, LockFile), FileMode.Create, FileAccess.ReadWrite, FileShare.None);
        return new LabRunLock(run, stream);
    }

    /// <summary>
    /// The run's lock if nobody holds it, else null: a sweep takes a dead run's lock before it removes that
    /// run's leftovers, so two labs started at once never remove the same things together.
    /// </summary>
    public static LabRunLock? TryAcquire(LabRunId run, string root = StateRoot)
    {
        try
        {
            return Acquire(run, root);
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>True while some process holds the run's lock; a state directory still being set up counts as live for a minute.</summary>
    public static bool IsLive(LabRunId run, string root = StateRoot)
    {
        var directory = StateDirectory(run, root);
        var path = Path.Combine(directory, LockFile);
        if (!File.Exists(path))
        {
            return Directory.Exists(directory) && DateTime.UtcNow - Directory.GetCreationTimeUtc(directory) < TimeSpan.FromMinutes(1);
        }
        try
        {
            using var probe = new FileStream(path, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Dispose() => stream.Dispose();
}
