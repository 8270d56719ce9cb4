using System.Runtime.InteropServices;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Images;

/// <summary>
/// Confirms a push over the registry's HTTP API: the tag must serve exactly the digest the engine reported, in
/// whatever form it was pushed (image manifest, OCI index or Docker manifest list). For an index the manifest
/// of this host's platform is read too, and its config blob, which is the image the engine built.
/// </summary>
public sealed class ImageReadBack(RegistryApi registry)
{
    /// <summary>The platform the engine here builds for, as OCI names it (linux/amd64).</summary>
    public static (string Os, string Architecture) HostPlatform => ("linux", RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.Arm => "arm",
        Architecture.X86 => "386",
        var other => other.ToString().ToLowerInvariant(),
    });

    /// <summary>The tag's manifest (an index as it is) and the image manifest of this platform, both checked.</summary>
    public async Task<(RegistryManifest Tagged, RegistryManifest Image)> VerifyAsync(ImageName name, string pushedDigest, CancellationToken cancellationToken = default)
    {
        var repository = name.Repository[(registry.Registry.Length + 1)..];
        RegistryManifest tagged, image;
        try
        {
            tagged = await registry.GetManifestAsync(repository, name.Tag, cancellationToken);
            if (tagged.Digest != pushedDigest || (tagged.HeaderDigest is { } header && header != pushedDigest))
            {
                throw new PipelineException($"The registry serves {name} as {tagged.Digest}, not the pushed {pushedDigest}; another push to the same tag may have raced this one, so push again.");
            }
            image = tagged;
            if (tagged.IsIndex)
            {
                var (os, architecture) = HostPlatform;
                // Attestations sit in an index as entries of platform unknown/unknown; they are not the image.
                var entry = tagged.Manifests.FirstOrDefault(m => m.Os == os && m.Architecture == architecture)
                    ?? throw new PipelineException($"{name} was pushed as the index {pushedDigest}, which holds no {os}/{architecture} image ({string.Join(", ", tagged.Manifests.Select(m => $"{m.Os}/{m.Architecture}"))}); build the image for this platform and push again.");
                image = await registry.GetManifestAsync(repository, entry.Digest, cancellationToken);
                if (image.Digest != entry.Digest)
                {
                    throw new InvalidDataException($"the registry sent a manifest for {entry.Digest} whose digest is {image.Digest}");
                }
            }
            using var config = await registry.GetConfigAsync(repository, image.ConfigDigest!, cancellationToken);
        }
        catch (Exception e) when (e is HttpRequestException or InvalidDataException or System.Text.Json.JsonException or KeyNotFoundException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new PipelineException($"{name} was pushed as {pushedDigest} but reading it back from {registry.Registry} failed: {e.Message.TrimEnd('.')}; check the registry, then run again.", e);
        }
        return (tagged, image);
    }
}
