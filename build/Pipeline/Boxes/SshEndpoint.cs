using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Boxes;

/// <summary>Where `vagrant ssh-config` says a VM's SSH server is, and how to scp from it.</summary>
public sealed record SshEndpoint(string HostName, int Port, string User, string IdentityFile)
{
    public static SshEndpoint Parse(string sshConfig)
    {
        var values = sshConfig.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2, StringSplitOptions.TrimEntries))
            .Where(parts => parts.Length == 2)
            .GroupBy(parts => parts[0], StringComparer.OrdinalIgnoreCase)
            .ToDictionary(g => g.Key, g => g.First()[1].Trim('"'), StringComparer.OrdinalIgnoreCase);
        string Value(string key) => values.TryGetValue(key, out var value) ? value
            : throw new PipelineException($"'vagrant ssh-config' gave no {key}; check that the VM is running with 'vagrant status' in Vagrant/.");
        if (!int.TryParse(Value("Port"), out var port)) throw new PipelineException("'vagrant ssh-config' gave no usable Port; check the VM with 'vagrant status' in Vagrant/.");
        return new SshEndpoint(Value("HostName"), port, Value("User"), Value("IdentityFile"));
    }

    public IReadOnlyList<string> ScpArguments(string remotePath, string localPath) =>
    [
        "-q", "-P", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "-i", IdentityFile,
        // The lab's VMs are new at every `vagrant up`: their host keys cannot be known beforehand.
        "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR",
        $"{User}@{HostName}:{remotePath}", localPath,
    ];
}
