using Docker.DotNet.Models;
using McastLab.Pipeline.Core;
using McastLab.Pipeline.Images;

namespace McastLab.Pipeline.Tests.Images;

/// <summary>
/// A cluster's nodes pull with IfNotPresent, so the lab names pushed images by digest: the real engine and
/// registry, a tag pushed, then moved to another image (what a rebuild of a -dirty version does), then pushed again.
/// </summary>
[Collection(ImageEngineGroup.Name)]
public sealed class PulledImageReferenceTests(ImageFixture fixture)
{
    [Fact]
    public async Task A_rebuilt_image_under_the_same_tag_gets_a_different_digest_reference_once_pushed_and_none_before()
    {
        Assert.SkipWhen(fixture.Unavailable is not null, fixture.Unavailable ?? "");
        var cancel = TestContext.Current.CancellationToken;
        var repository = $"{fixture.RegistryAddress}/{fixture.Prefix}/rebuilt";
        var reference = $"{repository}:0.1.0-dirty";
        fixture.Track(reference);
        using var registry = new RegistryApi(fixture.RegistryAddress);
        var pusher = new ImagePusher(fixture.Docker, new CapturingLog(), registry);
        var record = new PushedImages(Path.Combine(fixture.Scratch, "pushed-" + Guid.NewGuid().ToString("N")[..6]));
        var references = new PulledImageReferences(fixture.Docker, record, fixture.RegistryAddress);

        await TagAsync(fixture.Mcast.Id, reference, cancel);
        var notPushed = await Assert.ThrowsAsync<PipelineException>(() => references.ResolveAsync(reference, cancel));
        Assert.Contains("has not been pushed from here", notPushed.Message, StringComparison.Ordinal);
        record.Record([await pusher.PushAsync(reference, cancel)]);
        var first = await references.ResolveAsync(reference, cancel);

        // The rebuild: the same tag now names another image; the record still holds the first push.
        await TagAsync(fixture.Iperf.Id, reference, cancel);
        var stale = await Assert.ThrowsAsync<PipelineException>(() => references.ResolveAsync(reference, cancel));
        Assert.Equal($"{reference} was rebuilt after it was pushed (the engine's image is {fixture.Iperf.Id[..19]}…, the pushed one {fixture.Mcast.Id[..19]}…), so the nodes would run the old one; run ./build.sh Push --registry={fixture.RegistryAddress}, then run again.", stale.Message);
        record.Record([await pusher.PushAsync(reference, cancel)]);
        var second = await references.ResolveAsync(reference, cancel);

        Assert.StartsWith(repository + "@sha256:", first, StringComparison.Ordinal);
        Assert.StartsWith(repository + "@sha256:", second, StringComparison.Ordinal);
        Assert.NotEqual(first, second);
        // Each reference names what the registry serves for it: the first push is still there under its digest.
        var name = $"{fixture.Prefix}/rebuilt";
        Assert.Equal(fixture.Mcast.Id, (await registry.GetManifestAsync(name, first.Split('@')[1], cancel)).ConfigDigest);
        Assert.Equal(fixture.Iperf.Id, (await registry.GetManifestAsync(name, second.Split('@')[1], cancel)).ConfigDigest);
        Assert.Equal(second.Split('@')[1], (await registry.GetManifestAsync(name, "0.1.0-dirty", cancel)).Digest);
    }

    [Fact]
    public void The_record_keeps_the_newest_push_of_each_reference_and_the_others()
    {
        using var directory = new TemporaryDirectory();
        var record = new PushedImages(Path.Combine(directory.Path, "images"));
        Assert.Empty(record.Read());
        record.Record([new PushedImage("r/a:1", "sha256:a1", "sha256:ca1"), new PushedImage("r/b:1", "sha256:b1", "sha256:cb1")]);
        record.Record([new PushedImage("r/a:1", "sha256:a2", "sha256:ca2")]);

        var read = record.Read();
        Assert.Equal("sha256:a2", read["r/a:1"].Digest);
        Assert.Equal("sha256:b1", read["r/b:1"].Digest);
    }

    private async Task TagAsync(string id, string reference, CancellationToken cancel)
    {
        var name = ImageName.Parse(reference);
        await fixture.Docker.Images.TagImageAsync(id, new ImageTagParameters { RepositoryName = name.Repository, Tag = name.Tag }, cancel);
    }
}
