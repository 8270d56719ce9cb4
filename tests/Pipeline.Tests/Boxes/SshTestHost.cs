using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace McastLab.Pipeline.Tests.Boxes;

/// <summary>
/// A host Packer's SSH communicator can provision: Debian's sshd on a free loopback port, logging root in
/// with a throwaway key, in a mount namespace whose /tmp is an empty tmpfs, as a freshly booted VM's is
/// (so nothing a build uploads lands on this host, and no earlier run's files hide a missing folder).
/// </summary>
internal sealed class SshTestHost : IAsyncDisposable
{
    private readonly Process sshd;

    private SshTestHost(string directory, int port, Process sshd)
    {
        Directory = directory;
        Port = port;
        this.sshd = sshd;
    }

    /// <summary>Holds the keys and sshd_config; outside /tmp, which sshd's namespace hides.</summary>
    public string Directory { get; }

    public int Port { get; }

    public string PrivateKeyFile => Path.Combine(Directory, "client_key");

    /// <summary>What the test needs from this host, or null when all is there.</summary>
    public static string? Missing()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") return "starting sshd in its own mount namespace needs root on Linux";
        foreach (var program in new[] { "packer", "ssh-keygen", "unshare", "sudo" })
        {
            if (!BoxTestContext.Has(program)) return $"{program} is not installed (./build.sh Test installs it)";
        }
        if (!File.Exists("/usr/sbin/sshd")) return "/usr/sbin/sshd is not installed (Debian's openssh-server; ./build.sh Test installs it)";
        using var probe = Process.Start(new ProcessStartInfo("unshare", ["--mount", "--", "true"]) { RedirectStandardError = true })!;
        probe.WaitForExit();
        return probe.ExitCode == 0 ? null : "mount namespaces are not available here (unshare --mount fails): " + probe.StandardError.ReadToEnd().Trim();
    }

    public static async Task<SshTestHost> StartAsync(CancellationToken cancellationToken)
    {
        var directory = Path.Combine("/var/tmp", "mcastlab-sshd-" + Path.GetRandomFileName());
        System.IO.Directory.CreateDirectory(directory);
        try
        {
            await KeyGenAsync(Path.Combine(directory, "host_key"), cancellationToken);
            await KeyGenAsync(Path.Combine(directory, "client_key"), cancellationToken);
            File.Copy(Path.Combine(directory, "client_key.pub"), Path.Combine(directory, "authorized_keys"));
            var config = Path.Combine(directory, "sshd_config");
            await File.WriteAllTextAsync(config, $"""
                ListenAddress 127.0.0.1
                HostKey {directory}/host_key
                AuthorizedKeysFile {directory}/authorized_keys
                PermitRootLogin prohibit-password
                PasswordAuthentication no
                KbdInteractiveAuthentication no
                UsePAM no
                StrictModes no
                PidFile none
                Subsystem sftp internal-sftp

                """, cancellationToken);
            // Debian's sshd refuses to start without its privilege separation directory.
            System.IO.Directory.CreateDirectory("/run/sshd");

            var port = FreePort();
            var start = new ProcessStartInfo("unshare")
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                ArgumentList = { "--mount", "--", "sh", "-c", "mount -t tmpfs mcastlab-test-tmp /tmp && exec /usr/sbin/sshd -D -e -p \"$1\" -f \"$2\"", "sh", port.ToString(System.Globalization.CultureInfo.InvariantCulture), config },
            };
            var sshd = Process.Start(start) ?? throw new InvalidOperationException("unshare did not start");
            var log = new System.Text.StringBuilder();
            sshd.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            sshd.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
            sshd.BeginErrorReadLine();
            sshd.BeginOutputReadLine();
            var host = new SshTestHost(directory, port, sshd);
            try
            {
                await host.WaitUntilListeningAsync(log, cancellationToken);
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }
            return host;
        }
        catch
        {
            if (System.IO.Directory.Exists(directory)) System.IO.Directory.Delete(directory, recursive: true);
            throw;
        }
    }

    /// <summary>A Packer source that reaches this host as root with the throwaway key.</summary>
    public string NullSource(string name) => $$"""
        # Written by the test: Packer's null builder, provisioning the test's sshd instead of a VM.
        source "null" "{{name}}" {
          communicator         = "ssh"
          ssh_host             = "127.0.0.1"
          ssh_port             = {{Port}}
          ssh_username         = "root"
          ssh_private_key_file = "{{PrivateKeyFile}}"
          ssh_timeout          = "60s"
        }

        """;

    public async ValueTask DisposeAsync()
    {
        if (!sshd.HasExited)
        {
            sshd.Kill(entireProcessTree: true);
            await sshd.WaitForExitAsync();
        }
        sshd.Dispose();
        if (System.IO.Directory.Exists(Directory)) System.IO.Directory.Delete(Directory, recursive: true);
    }

    private async Task WaitUntilListeningAsync(System.Text.StringBuilder log, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 100; attempt++)
        {
            if (sshd.HasExited) break;
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, Port, cancellationToken);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
        string output;
        lock (log) output = log.ToString();
        throw new InvalidOperationException($"sshd did not listen on 127.0.0.1:{Port}:\n{output}");
    }

    private static int FreePort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    private static async Task KeyGenAsync(string file, CancellationToken cancellationToken)
    {
        await BoxTestContext.Runner().RunAsync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "mcastlab-test", "-f", file],
            new Pipeline.Processes.ProcessOptions { Quiet = true }, cancellationToken);
    }
}
