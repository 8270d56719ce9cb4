namespace McastLab.Pipeline.Core;

/// <summary>Replaces secret values in any text that may be shown: log lines, tool output, error messages.</summary>
public sealed class SecretMasker
{
    public const string Placeholder = "***";

    // Very short values would mask ordinary words; no real token or password is that short.
    private const int MinimumLength = 4;

    private readonly List<string> secrets = [];
    private readonly Lock gate = new();

    public void Add(string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumLength) return;
        lock (gate)
        {
            // Tools echo secrets in other encodings too (HTTP basic auth, URLs).
            foreach (var form in new[] { secret, Uri.EscapeDataString(secret), Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(secret)) })
            {
                if (!secrets.Contains(form)) secrets.Add(form);
            }
            // Longest first, so that a secret containing another is masked whole.
            secrets.Sort((a, b) => b.Length.CompareTo(a.Length));
        }
    }

    public string Mask(string text)
    {
        if (string.IsNullOrEmpty(text)) return text;
        lock (gate)
        {
            foreach (var secret in secrets)
            {
                text = text.Replace(secret, Placeholder, StringComparison.Ordinal);
            }
        }
        return text;
    }
}
