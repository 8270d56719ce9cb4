namespace McastLab.Pipeline.Releases;

/// <summary>
/// One .box to publish: the file, the box name and provider Vagrant knows it by, its metadata file, and the
/// sha256 that metadata recorded at build time (if any), which must still match the file.
/// </summary>
public sealed record BoxFile(string Path, string Name, string Provider, string MetadataPath, string? RecordedSha256 = null)
{
    public string AssetName => System.IO.Path.GetFileName(Path);

    public string MetadataAssetName => System.IO.Path.GetFileName(MetadataPath);
}
