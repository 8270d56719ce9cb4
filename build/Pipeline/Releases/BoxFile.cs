namespace McastLab.Pipeline.Releases;

/// <summary>One .box to publish: the file, the box name and provider Vagrant knows it by, and its metadata file.</summary>
public sealed record BoxFile(string Path, string Name, string Provider, string MetadataPath)
{
    public string AssetName => System.IO.Path.GetFileName(Path);

    public string MetadataAssetName => System.IO.Path.GetFileName(MetadataPath);

    /// <summary>The part of "owner/name" after the slash; names the box's catalog asset.</summary>
    public string ShortName => Name[(Name.LastIndexOf('/') + 1)..];
}
