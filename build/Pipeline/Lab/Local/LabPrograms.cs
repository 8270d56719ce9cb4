using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.InteropServices;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Lab.Local;

/// <summary>
/// The lab's programs (senders and receivers) as processes in a host's or a pod's network namespace, each
/// running a built image's own entrypoint from its exported file system (<see cref="ImageFilesystems"/>) as
/// the image's user: setsid (a session of its own, so a terminal's Ctrl+C reaches the lab, which stops them),
/// env (every signal at its default, as in a new container, whatever the lab ignores), nsenter (the
/// sandbox's network namespace), unshare (a mount namespace with its own /proc, so /proc/net shows that
/// namespace; chroot, working directory, uid and gid). Each is one process from the first exec to the
/// program, so its pid is the program's: signals go straight to it, its output is read from its pipes. A
/// container per program cost Docker about 0.14 CPU seconds each (and docker exec 0.13); this costs 0.03.
/// Every program carries <see cref="Marker"/> in its environment, so a later run finds (and kills) the
/// programs of a run that was killed, and the tests find leaks.
/// </summary>
public sealed class LabPrograms(ImageFilesystems filesystems, LabRunId run, ProgramLocator? locator = null, LabTimings? timings = null)
{
    /// <summary>The environment variable that names a program's (or a sandbox's, <see cref="LabSandboxes"/>) run and part, "mclXXXXXX-part".</summary>
    public const string Marker = "MCASTLAB_LAB_PROGRAM";

    private readonly LabTimings timings = timings ?? new LabTimings();
    private readonly ProgramLocator locator = locator ?? new ProgramLocator();
    private readonly ConcurrentDictionary<string, Lazy<Task<ImageFilesystem>>> images = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<LabProgram> started = new();

    /// <summary>The host programs each start goes through, found once.</summary>
    private readonly Lazy<(string Setsid, string Env, string Nsenter, string Unshare)> tools = new(() =>
    {
        var l = locator ?? new ProgramLocator();
        string Find(string program, string package) => l.Find(program)
            ?? throw new PipelineException($"The local lab runs its programs through '{program}', which is not on PATH; install {package} (apt-get install -y {package}) or run ./build.sh Prerequisites.");
        return (Find("setsid", "util-linux"), Find("env", "coreutils"), Find("nsenter", "util-linux"), Find("unshare", "util-linux"));
    });

    /// <summary>Exports (or finds) each image's file system; the programs' starts wait for their image's.</summary>
    public Task PrepareAsync(IEnumerable<string> imageNames, CancellationToken cancellationToken) =>
        Task.WhenAll(imageNames.Distinct(StringComparer.Ordinal).Select(i => ImageAsync(i, cancellationToken)));

    private Task<ImageFilesystem> ImageAsync(string image, CancellationToken cancellationToken) =>
        images.GetOrAdd(image, i => new Lazy<Task<ImageFilesystem>>(() => filesystems.GetAsync(i, cancellationToken))).Value;

    /// <summary>The images exported by this run (not found from an earlier one).</summary>
    public IReadOnlyList<ImageFilesystem> Exported =>
        [.. images.Values.Where(l => l.IsValueCreated && l.Value.IsCompletedSuccessfully).Select(l => l.Value.Result).Where(f => f.Exported)];

    /// <summary>Starts the image's entrypoint with these arguments in the network namespace of <paramref name="networkOwner"/>.</summary>
    public async Task<LabProgram> StartAsync(LabSandbox networkOwner, string part, string image, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var filesystem = await ImageAsync(image, cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var name = run.Name(part);
        var command = filesystem.CommandLine(arguments);
        if (command.Count == 0 || filesystem.ProgramPath(command[0]) is null)
        {
            throw new PipelineException($"The lab program {name} cannot start: the image {image} has no executable '{(command.Count == 0 ? "" : command[0])}' (its entrypoint) in its file system at {filesystem.Directory}; rebuild it with './build.sh Images' and run again.");
        }
        if (!File.Exists(networkOwner.NetworkNamespacePath))
        {
            throw new PipelineException($"The lab program {name} cannot start: the namespace holder {networkOwner.Name} (pid {networkOwner.Pid}) is gone; see the log above.");
        }
        var (setsid, env, nsenter, unshare) = tools.Value;
        var info = new ProcessStartInfo(setsid)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (IEnumerable<string>)
        [
            env, "--default-signal",
            nsenter, "--net=" + networkOwner.NetworkNamespacePath,
            unshare, "--mount-proc=/proc", "--propagation=private", "--root=" + filesystem.Directory, "--wd=" + filesystem.WorkingDirectory,
            "--setuid=" + filesystem.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--setgid=" + filesystem.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--", .. command,
        ])
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment.Clear();
        foreach (var (key, value) in filesystem.Environment) info.Environment[key] = value;
        info.Environment[Marker] = name;
        var program = await timings.TimeAsync("program start", () => Task.FromResult(LabProgram.Start(name, info)));
        started.Enqueue(program);
        return program;
    }

    /// <summary>
    /// Kills every program of this run still running (SIGKILL) and waits for them; returns the names of those
    /// that did not end (cleanup reports them).
    /// </summary>
    public async Task<IReadOnlyList<string>> StopAllAsync()
    {
        var running = started.Where(p => !p.HasExited).ToList();
        foreach (var program in running) program.Signal(Signals.Kill);
        var left = new ConcurrentQueue<string>();
        await Task.WhenAll(running.Select(async p =>
        {
            if (!await p.EndedWithinAsync(TimeSpan.FromSeconds(10))) left.Enqueue(p.Name);
        }));
        foreach (var program in started) program.Dispose();
        return [.. left];
    }

    /// <summary>Every process on this machine that carries <see cref="Marker"/> of the run (of any lab run when null): pid and program name.</summary>
    public static IReadOnlyList<(int Pid, string Name)> Running(LabRunId? run)
    {
        var found = new List<(int, string)>();
        var prefix = System.Text.Encoding.UTF8.GetBytes(Marker + "=");
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid)) continue;
            if (Environ(pid) is not { } environ) continue;
            foreach (var entry in environ.AsSpan().Split((byte)0))
            {
                var variable = environ.AsSpan(entry);
                if (!variable.StartsWith(prefix)) continue;
                var name = System.Text.Encoding.UTF8.GetString(variable[prefix.Length..]);
                var of = LabRunId.FromName(name);
                if (of is not null && (run is null || of == run) && !IsZombie(pid)) found.Add((pid, name));
                break;
            }
        }
        return found;
    }

    /// <summary>
    /// A process's environment; null when it is gone. While a process execs (setsid, env, nsenter, unshare and the
    /// program exec one another) the kernel shows it empty for a moment (seen in a fifth of reads during such a
    /// chain), and a sweep then missed a dead run's program: an empty one is read again, unless the process is a
    /// kernel thread or a zombie, whose environment stays empty (for 20 ms: a process started with an empty
    /// environment, such as this machine's pid 1, shows it empty for good).
    /// </summary>
    private static byte[]? Environ(int pid)
    {
        for (var attempt = 0; ; attempt++)
        {
            byte[] environ;
            try
            {
                environ = File.ReadAllBytes($"/proc/{pid}/environ");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null; // Gone meanwhile.
            }
            if (environ.Length > 0 || attempt == 20 || Stat(pid) is not { } stat || stat.IsKernelThread || stat.IsZombie) return environ;
            Thread.Sleep(1);
        }
    }

    /// <summary>Kills a dead run's programs (by the pids <see cref="Running"/> found) and waits until they are gone.</summary>
    public static async Task KillAsync(IEnumerable<(int Pid, string Name)> programs, CancellationToken cancellationToken)
    {
        var pids = programs.Select(p => p.Pid).ToList();
        foreach (var pid in pids) _ = Signals.Send(pid, Signals.Kill);
        var watch = Stopwatch.StartNew();
        while (pids.Any(p => Directory.Exists($"/proc/{p}") && !IsZombie(p)) && watch.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20, cancellationToken);
    }

    private static bool IsZombie(int pid) => Stat(pid) is not { } stat || stat.IsZombie;

    /// <summary>The state and flags of a process from /proc/PID/stat; null when it is gone.</summary>
    private static ProcessStat? Stat(int pid)
    {
        try
        {
            // After the parenthesised name (which may hold spaces): field 3 the state, field 9 the flags.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return fields.Length > 6 && ulong.TryParse(fields[6], System.Globalization.CultureInfo.InvariantCulture, out var flags) ? new ProcessStat(fields[0][0], flags) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private readonly record struct ProcessStat(char State, ulong Flags)
    {
        public bool IsZombie => State is 'Z' or 'X';

        /// <summary>PF_KTHREAD.</summary>
        public bool IsKernelThread => (Flags & 0x00200000) != 0;
    }
}

/// <summary>
/// One program of the lab as a process: its pid, its output (read from its pipes as it runs), when it exited
/// (from the child's reaping, the moment the flows' settle time runs from) and its signals.
/// </summary>
public sealed class LabProgram : IDisposable
{
    private readonly Process process;
    private readonly Task<string> stdout;
    private readonly Task<string> stderr;
    private readonly TaskCompletionSource<DateTimeOffset> exited = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LabProgram(string name, Process process)
    {
        Name = name;
        this.process = process;
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => exited.TrySetResult(DateTimeOffset.UtcNow);
        process.Start();
        Pid = process.Id;
        // No input, as a container without -i has none.
        process.StandardInput.Close();
        stdout = process.StandardOutput.ReadToEndAsync();
        stderr = process.StandardError.ReadToEndAsync();
    }

    public string Name { get; }

    public int Pid { get; }

    public bool HasExited => exited.Task.IsCompleted;

    /// <summary>When the process exited.</summary>
    public Task<DateTimeOffset> ExitedAt => exited.Task;

    public static LabProgram Start(string name, ProcessStartInfo info)
    {
        try
        {
            return new LabProgram(name, new Process { StartInfo = info });
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new PipelineException($"The lab program {name} could not be started ({e.Message}); check that {info.FileName} is an executable program.");
        }
    }

    /// <summary>Waits for the program to exit and returns its exit code (128 + the signal that ended it) and output.</summary>
    public async Task<ContainerOutcome> WaitAsync(TimeSpan limit, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(limit);
        try
        {
            await exited.Task.WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new PipelineException($"The lab program {Name} did not finish within {limit.TotalSeconds:0} s; see the log above.");
        }
        await process.WaitForExitAsync(cancellationToken);
        return new ContainerOutcome(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Whether it ended within the time (for cleanup, which never throws on a slow one).</summary>
    public async Task<bool> EndedWithinAsync(TimeSpan limit)
    {
        try
        {
            await exited.Task.WaitAsync(limit);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Sends a signal (SIGINT asks a receiver to print its final report and exit); nothing when it has exited.</summary>
    public void Signal(int signal)
    {
        if (!HasExited) _ = Signals.Send(Pid, signal);
    }

    public void Dispose() => process.Dispose();
}

/// <summary>The POSIX signals the lab sends to its programs, through kill(2).</summary>
public static class Signals
{
    public const int Interrupt = 2;

    public const int Kill = 9;

    /// <summary>Sends the signal; false when the process is gone.</summary>
    public static bool Send(int pid, int signal) => SendSignal(pid, signal) == 0;

    // DllImport: LibraryImport's generated code needs unsafe blocks, which this project does not allow; two ints need no marshalling.
    [DllImport("libc.so.6", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int pid, int signal);
}
