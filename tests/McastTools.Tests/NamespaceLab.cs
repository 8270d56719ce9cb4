using System.Diagnostics;
using System.Text;

namespace McastLab.McastTools.Tests;

/// <summary>
/// The lab in miniature: namespaces `source` (10.0.0.12) and `node` (10.0.0.11) joined by a veth pair named
/// eth1 on each side, and a `pod` namespace whose eth1 is a macvlan (bridge) child of the node's eth1
/// (10.0.0.13). Every name carries a random prefix; Dispose deletes the namespaces and with them the links.
/// </summary>
internal sealed class NamespaceLab : IDisposable
{
    private readonly List<string> _namespaces = [];

    public NamespaceLab()
    {
        var prefix = "mct" + Random.Shared.Next(0x100000, 0xFFFFFF).ToString("x6", System.Globalization.CultureInfo.InvariantCulture);
        Source = prefix + "s";
        Node = prefix + "n";
        Pod = prefix + "p";
        try
        {
            foreach (var ns in new[] { Source, Node, Pod })
            {
                Ip("netns", "add", ns);
                _namespaces.Add(ns);
                Ip("-n", ns, "link", "set", "lo", "up");
            }

            Ip("link", "add", prefix + "a", "netns", Source, "type", "veth", "peer", "name", prefix + "b", "netns", Node);
            Ip("-n", Source, "link", "set", prefix + "a", "name", "eth1");
            Ip("-n", Node, "link", "set", prefix + "b", "name", "eth1");
            Address(Source, "10.0.0.12/24", "fd00::12/64");
            Address(Node, "10.0.0.11/24", "fd00::11/64");
            Ip("-n", Node, "link", "add", "link", "eth1", "name", prefix + "m", "type", "macvlan", "mode", "bridge");
            Ip("-n", Node, "link", "set", prefix + "m", "netns", Pod);
            Ip("-n", Pod, "link", "set", prefix + "m", "name", "eth1");
            Address(Pod, "10.0.0.13/24", "fd00::13/64");
            foreach (var ns in new[] { Source, Node, Pod })
            {
                Ip("-n", ns, "link", "set", "eth1", "up");
            }
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public string Source { get; }
    public string Node { get; }
    public string Pod { get; }

    public static bool IsRoot => Environment.UserName == "root" || Environment.GetEnvironmentVariable("USER") == "root";

    public static bool HasIperf => File.Exists("/usr/bin/iperf");


    public static void Address(string ns, params string[] cidrs)
    {
        foreach (var cidr in cidrs)
        {
            // nodad: IPv6 addresses usable at once, no duplicate-address-detection wait.
            Ip(cidr.Contains(':', StringComparison.Ordinal)
                ? ["-n", ns, "addr", "add", cidr, "dev", "eth1", "nodad"]
                : ["-n", ns, "addr", "add", cidr, "dev", "eth1"]);
        }
    }

    /// <summary>
    /// Starts `mcast ARGS` (the NativeAOT binary, as users run it) inside a namespace, with SIGINT and SIGTERM
    /// at their defaults: a test run started in the background by a script inherits them ignored, and then
    /// mcast rightly ignores the Ctrl+C a test sends (env execs, so the pid is still mcast's).
    /// </summary>
    public static LabProcess Mcast(string ns, params string[] args) =>
        new(["ip", "netns", "exec", ns, "env", "--default-signal=INT,TERM", NativeMcast.Require(), .. args]);

    /// <summary>Starts `mcast ARGS` inside a namespace as uid/gid 65534 without capabilities, as the images run in a pod.</summary>
    public static LabProcess McastUnprivileged(string ns, params string[] args) =>
        new(["ip", "netns", "exec", ns, "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--inh-caps=-all", NativeMcast.Require(), .. args]);

    public static LabProcess Iperf(string ns, params string[] args) =>
        new(["ip", "netns", "exec", ns, "iperf", .. args]);

    public static void Ip(params string[] args)
    {
        using var process = new LabProcess(["ip", .. args]);
        var code = process.WaitForExit(TimeSpan.FromSeconds(10));
        if (code != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', args)} failed ({code}): {process.Error}");
        }
    }

    public void Dispose()
    {
        foreach (var ns in _namespaces)
        {
            using var process = new LabProcess(["ip", "netns", "delete", ns]);
            process.WaitForExit(TimeSpan.FromSeconds(10));
        }

        _namespaces.Clear();
    }
}

/// <summary>A child process whose output is captured as it arrives; killed on Dispose if still running.</summary>
internal sealed class LabProcess : IDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly StringBuilder _error = new();

    public LabProcess(IReadOnlyList<string> command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in command.Skip(1))
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        _process = new Process { StartInfo = start };
        _process.OutputDataReceived += (_, e) => Append(_output, e.Data);
        _process.ErrorDataReceived += (_, e) => Append(_error, e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    /// <summary>The process id: `ip netns exec` execs its command, so this is mcast itself.</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public string Error
    {
        get
        {
            lock (_error)
            {
                return _error.ToString();
            }
        }
    }

    private static void Append(StringBuilder buffer, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (buffer)
        {
            buffer.AppendLine(line);
        }
    }

    /// <returns>The exit code, or -1 when the process had to be killed at the timeout.</returns>
    public int WaitForExit(TimeSpan timeout)
    {
        if (!_process.WaitForExit(timeout))
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
            return -1;
        }

        _process.WaitForExit();
        return _process.ExitCode;
    }

    /// <summary>Waits until standard output (or, with <paramref name="orError"/>, standard error) contains <paramref name="text"/>.</summary>
    public bool WaitForOutput(string text, TimeSpan timeout, bool orError = false)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            var exited = _process.HasExited;
            if (Output.Contains(text, StringComparison.Ordinal) || (orError && Error.Contains(text, StringComparison.Ordinal)))
            {
                return true;
            }

            if (exited)
            {
                // Its last lines may still be on their way to the output handlers (a receiver that exits on its
                // own, such as after --idle-timeout, was missed under load): WaitForExit() waits for them.
                _process.WaitForExit();
                return Output.Contains(text, StringComparison.Ordinal) || (orError && Error.Contains(text, StringComparison.Ordinal));
            }

            Thread.Sleep(50);
        }

        return false;
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }
}
