using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// A non-loopback address of this machine for a test: one end of a veth pair it makes (named prefix + 6 hex digits)
/// holds ADDRESS/32 in the host's namespace, so a server on every address answers there too; removed again.
/// </summary>
internal sealed class LanAddress(ProcessRunner runner, string devicePrefix, string network24)
{
    public string Device { get; } = devicePrefix + Guid.NewGuid().ToString("N")[..6];

    /// <summary>A random host of the /24 (network24 is its first three octets, such as 10.213.7).</summary>
    public string Address { get; } = $"{network24}.{Random.Shared.Next(2, 250)}";

    public async Task AddAsync(CancellationToken cancellationToken = default)
    {
        await runner.RunAsync("ip", ["link", "add", Device, "type", "veth", "peer", "name", Device + "p"], cancellationToken: cancellationToken);
        await runner.RunAsync("ip", ["addr", "add", Address + "/32", "dev", Device], cancellationToken: cancellationToken);
        await runner.RunAsync("ip", ["link", "set", Device, "up"], cancellationToken: cancellationToken);
        await runner.RunAsync("ip", ["link", "set", Device + "p", "up"], cancellationToken: cancellationToken);
    }

    public async Task RemoveAsync() =>
        await runner.RunAsync("ip", ["link", "del", Device], new ProcessOptions { Quiet = true, AllowFailure = true });
}
