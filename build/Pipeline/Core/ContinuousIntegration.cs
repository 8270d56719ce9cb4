namespace McastLab.Pipeline.Core;

/// <summary>Whether the build runs in CI: GitHub Actions, GitLab and most others set CI=true; .ci/run does too.</summary>
public static class ContinuousIntegration
{
    public static bool IsRunning(Func<string, string?> environment) =>
        environment("CI") is { } value && (value.Equals("true", StringComparison.OrdinalIgnoreCase) || value == "1");
}
