using System.Diagnostics;
using System.Globalization;
using McastLab.Pipeline.Releases;

namespace McastLab.Pipeline.Tests.Releases;

[CollectionDefinition(nameof(UploadMemoryTests), DisableParallelization = true)]
public sealed class RunsAloneForPeakMemory;

/// <summary>
/// Octokit buffers whole bodies (a 256 MiB asset cost 500 MiB); the streamed upload must not. Runs alone,
/// because the peak resident size (VmHWM) belongs to the whole test process.
/// </summary>
[Collection(nameof(UploadMemoryTests))]
public sealed class UploadMemoryTests(ITestOutputHelper output) : IDisposable
{
    private const long Mebibyte = 1024 * 1024;
    private readonly PublishWorkspace workspace = new();

    public void Dispose() => workspace.Dispose();

    [Fact]
    public async Task Publishing_a_512_MiB_box_raises_peak_memory_by_less_than_200_MiB()
    {
        Assert.SkipUnless(File.Exists("/proc/self/clear_refs"), "Linux /proc/self/clear_refs (to reset the peak resident size) is missing");
        await using var stub = await GitHubStub.StartAsync(workspace.Token);
        // Warm up JIT, Kestrel and the HTTP stacks on a small box first, so the measured run is the upload.
        workspace.AddBox("warm-up-virtualbox", "mcastlab/warm-up");
        await workspace.Publisher(stub, "v0.0.1").PublishAsync(TestContext.Current.CancellationToken);
        var box = workspace.AddBox("docker-centos7-virtualbox");
        using (var file = new FileStream(box, FileMode.Open, FileAccess.Write))
        {
            file.SetLength(512 * Mebibyte); // sparse: the read side sees zeros without a disk write
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        File.WriteAllText("/proc/self/clear_refs", "5"); // resets VmHWM to the current resident size
        var before = Status("VmHWM");
        var watch = Stopwatch.StartNew();

        await workspace.Publisher(stub, "v1.0.0").PublishAsync(TestContext.Current.CancellationToken);

        var raise = Status("VmHWM") - before;
        output.WriteLine($"512 MiB box hashed and uploaded in {watch.Elapsed.TotalSeconds:0.0} s; peak resident size rose by {raise / (double)Mebibyte:0.0} MiB");
        var asset = Assert.Single(stub.Release("v1.0.0").Assets, a => a.Name == "docker-centos7-virtualbox.box");
        Assert.Equal(512 * Mebibyte, asset.Size);
        Assert.Contains("Uploading docker-centos7-virtualbox.box: 50% of 512 MiB.", workspace.Log.Lines);
        Assert.True(raise < 200 * Mebibyte, $"peak resident size rose by {raise / Mebibyte} MiB");
    }

    /// <summary>A /proc/self/status field in bytes.</summary>
    private static long Status(string field)
    {
        var line = File.ReadLines("/proc/self/status").First(l => l.StartsWith(field + ":", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }
}
