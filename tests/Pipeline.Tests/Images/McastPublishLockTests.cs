using McastLab.Pipeline.Images;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// Publishes of src/McastTools share its obj folder; two at once (the Lab and Images fixtures, in parallel)
/// once linked a half-written object file. A publish waits while another holds the project's lock.
/// </summary>
[Collection(ImageEngineGroup.Name)]
public sealed class McastPublishLockTests(ImageFixture fixture)
{
    [Fact]
    public async Task A_publish_waits_while_another_holds_the_projects_publish_lock()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var cancel = TestContext.Current.CancellationToken;
        var output = Path.Combine(fixture.Scratch, "mcast-locked");
        Task<string> publish;
        // Taken as soon as it is free: the Lab fixture, running beside this one, may be publishing.
        using (await McastToolsPublisher.LockAsync(ImageFixture.RepositoryRoot, cancel))
        {
            publish = new McastToolsPublisher(fixture.Runner, fixture.Log, ImageFixture.RepositoryRoot).PublishAsync(output, cancel);
            // Unlocked, dotnet publish for this output starts within milliseconds; locked, it must not start at all.
            await Task.Delay(TimeSpan.FromSeconds(3), cancel);
            Assert.False(publish.IsCompleted, "the publish finished while another held the lock");
            Assert.Empty(ProcessesNaming(output));
        }

        Assert.True(File.Exists(await publish));
    }

    private static List<int> ProcessesNaming(string text)
    {
        var found = new List<int>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            try
            {
                if (int.TryParse(Path.GetFileName(directory), out var pid) && File.ReadAllText(Path.Combine(directory, "cmdline")).Contains(text, StringComparison.Ordinal))
                {
                    found.Add(pid);
                }
            }
            catch (IOException)
            {
                // The process ended while it was read.
            }
        }

        return found;
    }
}
