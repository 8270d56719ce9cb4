namespace McastLab.Pipeline.Images;

/// <summary>An image reference split into repository and tag ("127.0.0.1:5000/mcastlab/iperf:1.0" → repository, "1.0").</summary>
public sealed record ImageName(string Repository, string Tag)
{
    public static ImageName Parse(string reference)
    {
        // The tag follows the last ':' after the last '/' (a registry's port also uses ':').
        var slash = reference.LastIndexOf('/');
        var colon = reference.LastIndexOf(':');
        return colon > slash
            ? new ImageName(reference[..colon], reference[(colon + 1)..])
            : new ImageName(reference, "latest");
    }

    public override string ToString() => $"{Repository}:{Tag}";
}
