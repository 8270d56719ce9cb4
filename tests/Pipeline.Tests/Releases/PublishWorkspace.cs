using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Releases;

namespace McastLab.Pipeline.Tests.Releases;

/// <summary>A temporary repository root with a box directory, a token and a capturing log, removed afterwards.</summary>
internal sealed class PublishWorkspace : IDisposable
{
    public static readonly RetryTiming FastRetries = new(4, TimeSpan.FromMilliseconds(20), TimeSpan.FromSeconds(5));

    private readonly TemporaryDirectory directory = new();

    public PublishWorkspace() => Boxes = Directory.CreateDirectory(Path.Combine(Root, "artifacts", "boxes")).FullName;

    public string Root => directory.Path;
    public string Boxes { get; }
    public string Artifacts => Path.Combine(Root, "artifacts");

    /// <summary>A token unique to the test, so finding it anywhere is meaningful.</summary>
    public string Token { get; } = "ghp_" + Guid.NewGuid().ToString("N");

    public CapturingLog Log { get; } = new();

    public BoxPublisher Publisher(GitHubStub stub, string tag, RetryTiming? timing = null, string? token = null) =>
        new(new ReleaseSettings($"{GitHubStub.Owner}/{GitHubStub.Repo}", stub.ApiUrl, "artifacts/boxes", tag, token ?? Token),
            Root, new ArtifactsLayout(Root), Log, timing ?? FastRetries, stub.Transport);

    /// <summary>A real (tiny) Vagrant box: a gzipped tar with metadata.json naming the provider, plus its metadata file.</summary>
    public string AddBox(string stem, string name = "mcastlab/docker-centos7", string provider = "virtualbox", string payload = "disk")
    {
        var path = Path.Combine(Boxes, stem + ".box");
        using (var file = File.Create(path))
        using (var gzip = new GZipStream(file, CompressionLevel.Fastest))
        using (var tar = new TarWriter(gzip, TarEntryFormat.Pax))
        {
            foreach (var (entry, text) in new[] { ("metadata.json", $"{{\"provider\": \"{provider}\"}}"), ("box-disk1.vmdk", payload) })
            {
                tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, entry) { DataStream = new MemoryStream(Encoding.UTF8.GetBytes(text)) });
            }
        }
        File.WriteAllText(Path.Combine(Boxes, stem + ".json"), $"{{\"name\": \"{name}\", \"provider\": \"{provider}\"}}");
        return path;
    }

    public void Dispose() => directory.Dispose();
}
