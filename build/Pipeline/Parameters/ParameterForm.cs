using System.Text.RegularExpressions;
using McastLab.McastTools.Send;

namespace McastLab.Pipeline.Parameters;

/// <summary>
/// The written form a parameter's value must have, checked for every parameter at start-up (whichever target
/// runs), so a typo stops the build at once with one sentence instead of deep inside a late step.
/// </summary>
public sealed partial record ParameterForm(Regex Pattern, string Expected)
{
    /// <summary>Three-part version as packages pin them: 2.1.8, 26.1.4 (a Debian revision is allowed).</summary>
    public static ParameterForm PackageVersion { get; } = new(PackageVersionPattern(), "a version such as 2.1.8");

    public static ParameterForm KubernetesMinor { get; } = new(KubernetesMinorPattern(), "a Kubernetes minor such as 1.34");

    /// <summary>A release tag of an upstream project: v4.3.0, v0.27.4.</summary>
    public static ParameterForm ReleaseTag { get; } = new(ReleaseTagPattern(), "a release tag such as v4.3.0");

    /// <summary>A Vagrant box version: numbers separated by dots (2004.01, 20250101.120000), maybe a -suffix.</summary>
    public static ParameterForm BoxVersion { get; } = new(BoxVersionPattern(), "a box version of numbers and dots such as 2004.01");

    /// <summary>host[:port] of a registry, as Docker writes it before the first '/'.</summary>
    public static ParameterForm Registry { get; } = new(RegistryPattern(), "a registry host[:port] such as 127.0.0.1:5000 or ghcr.io, without a scheme or path");

    /// <summary>A repository path without registry or tag: lower-case components separated by '/'.</summary>
    public static ParameterForm ImageRepository { get; } = new(ImageRepositoryPattern(), "an image repository such as mcastlab/iperf (lower-case, no registry or tag)");

    public static ParameterForm ImageTag { get; } = new(ImageTagPattern(), "an image tag such as latest or 1.2.0 (letters, digits, '_', '.', '-', at most 128)");

    /// <summary>name[:tag] of an image the engine pulls or builds from (a registry prefix is allowed).</summary>
    public static ParameterForm ImageReference { get; } = new(ImageReferencePattern(), "an image reference such as debian:bookworm-slim (lower-case name, optional :tag)");

    /// <summary>name:tag@sha256:digest: an image pinned by its digest, the tag kept for people.</summary>
    public static ParameterForm ImageByDigest { get; } = new(ImageByDigestPattern(), "an image by tag and digest such as kindest/node:v1.35.8@sha256:<64 hex digits>");

    public static ParameterForm DebianSuite { get; } = new(DebianSuitePattern(), "a Debian suite such as bookworm");

    public static ParameterForm HttpUrl { get; } = new(HttpUrlPattern(), "an http(s) URL such as http://deb.debian.org/debian");

    /// <summary>A registry user goes into HTTP Basic's user:password, where ':' and line breaks cannot be.</summary>
    public static ParameterForm UserName { get; } = new(UserNamePattern(), "a user name without ':', spaces or line breaks");

    /// <summary>A token pasted with a line break or a space fails every login; say so before it is sent.</summary>
    public static ParameterForm Token { get; } = new(TokenPattern(), "a token without spaces or line breaks");

    /// <summary>A password may hold any printable character, but not a line break or other control character.</summary>
    public static ParameterForm Password { get; } = new(PasswordPattern(), "a password without line breaks or control characters");

    public static ParameterForm PathText { get; } = new(PathPattern(), "a path without line breaks or control characters");

    /// <summary>An iperf rate in mcast's own grammar (<see cref="Rate"/>, the file both projects compile).</summary>
    public static ParameterForm IperfRate { get; } = new(AnythingPattern(), "an iperf rate such as 1M, 500k or 200pps") { Check = IsRate };

    /// <summary>A check beyond the pattern, for forms another component already defines.</summary>
    public Func<string, bool>? Check { get; init; }

    /// <summary>A kubeconfig context name: users name them freely (admin@cluster, arn:aws:eks:…), but in one word.</summary>
    public static ParameterForm ContextName { get; } = new(ContextNamePattern(), "a kubeconfig context name without spaces or line breaks");

    /// <summary>A Kubernetes label selector (mcast=yes, tier in (a,b), !gpu), as kubectl's -l takes it.</summary>
    public static ParameterForm LabelSelector { get; } = new(LabelSelectorPattern(), "a label selector such as mcast=yes (letters, digits and . _ / - = ! , ( ) and spaces)");

    /// <summary>Taint keys, comma-separated: [prefix/]name as Kubernetes writes label keys.</summary>
    public static ParameterForm TaintKeys { get; } = new(TaintKeysPattern(), "taint keys separated by commas, such as node-role.kubernetes.io/control-plane");

    public bool Accepts(string value) => Pattern.IsMatch(value) && (Check?.Invoke(value) ?? true);

    private static bool IsRate(string value)
    {
        try
        {
            Rate.Parse(value, message => new FormatException(message));
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^[^\s\p{C}]+$")]
    private static partial Regex ContextNamePattern();

    [GeneratedRegex(@"^[A-Za-z0-9._/=!,() -]+$")]
    private static partial Regex LabelSelectorPattern();

    [GeneratedRegex(@"^([A-Za-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?(,([A-Za-z0-9.-]+/)?[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?)*$")]
    private static partial Regex TaintKeysPattern();

    [GeneratedRegex(@"^\S+$")]
    private static partial Regex AnythingPattern();

    [GeneratedRegex(@"^[0-9]+\.[0-9]+\.[0-9]+([-+~][0-9A-Za-z.+~-]+)?$")]
    private static partial Regex PackageVersionPattern();

    [GeneratedRegex(@"^[a-z0-9]+([._/-][a-z0-9]+)*:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}@sha256:[0-9a-f]{64}$")]
    private static partial Regex ImageByDigestPattern();

    [GeneratedRegex(@"^1\.[0-9]{1,3}$")]
    private static partial Regex KubernetesMinorPattern();

    [GeneratedRegex(@"^v[0-9]+\.[0-9]+\.[0-9]+([-.][0-9A-Za-z.-]+)?$")]
    private static partial Regex ReleaseTagPattern();

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)*(-[0-9A-Za-z.-]+)?$")]
    private static partial Regex BoxVersionPattern();

    [GeneratedRegex(@"^([A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?$")]
    private static partial Regex RegistryPattern();

    [GeneratedRegex(@"^[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*$")]
    private static partial Regex ImageRepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$")]
    private static partial Regex ImageTagPattern();

    [GeneratedRegex(@"^([A-Za-z0-9.-]+(:[0-9]{1,5})?/)?[a-z0-9]+([._-]+[a-z0-9]+)*(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[0-9a-f]{64})?$")]
    private static partial Regex ImageReferencePattern();

    [GeneratedRegex(@"^[a-z][a-z0-9-]*$")]
    private static partial Regex DebianSuitePattern();

    [GeneratedRegex(@"^https?://[^\s/?#]+(/[^\s]*)?$")]
    private static partial Regex HttpUrlPattern();

    [GeneratedRegex(@"^[^:\s\p{Cc}]+$")]
    private static partial Regex UserNamePattern();

    [GeneratedRegex(@"^[^\s\p{Cc}]+$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex(@"^[^\p{Cc}]+$")]
    private static partial Regex PasswordPattern();

    [GeneratedRegex(@"^[^\p{Cc}]+$")]
    private static partial Regex PathPattern();
}
