using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace McastLab.Pipeline.Core;

/// <summary>
/// Replaces secret values in any text that may be shown: log lines, tool output, error messages. Tools echo a
/// secret in other encodings too, so each secret is masked as sent in URLs (percent-encoded, user-info),
/// JSON strings (escaped), and base64 (alone, as HTTP Basic's <c>user:secret</c>, and inside longer base64).
/// </summary>
public sealed class SecretMasker
{
    public const string Placeholder = "***";

    // Very short values would mask ordinary words; no real token or password is that short.
    private const int MinimumLength = 4;

    // The part of a secret's base64 that does not depend on its neighbours is shorter than the secret;
    // below this many characters it could match ordinary base64 text.
    private const int MinimumBase64Core = 6;

    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly List<string> secrets = [];
    private readonly Lock gate = new();

    public void Add(string? secret) => AddCredential(null, secret);

    /// <summary>A secret that goes with a user name (registry login): also masks <c>user:secret</c> in its encodings.</summary>
    public void AddCredential(string? user, string? secret)
    {
        if (string.IsNullOrEmpty(secret) || secret.Length < MinimumLength) return;
        var forms = new List<string>();
        foreach (var text in TextForms(secret).Distinct())
        {
            forms.Add(text);
            // A JSON auth blob in base64 (Docker's X-Registry-Auth) holds the secret JSON-escaped.
            forms.AddRange(Base64Forms(Encoding.UTF8.GetBytes(text)));
        }
        if (!string.IsNullOrEmpty(user))
        {
            // HTTP Basic: base64(user:secret), where the secret's own base64 does not occur for most users.
            forms.AddRange(Base64Forms(Encoding.UTF8.GetBytes(user + ":" + secret)));
        }
        lock (gate)
        {
            foreach (var form in forms.Where(f => f.Length >= MinimumLength))
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

    /// <summary>The secret as text: itself, percent-encoded (two ways, as in URL user-info), and as a JSON string's content.</summary>
    private static IEnumerable<string> TextForms(string secret)
    {
        yield return secret;
        yield return Uri.EscapeDataString(secret);
        yield return UserInfo(secret);
        foreach (var json in new[] { JsonContent(secret, JsonSerializerOptions.Default), JsonContent(secret, RelaxedJson) })
        {
            yield return json;
            // Some encoders (PHP, older Java) also escape '/'.
            yield return json.Replace("/", "\\/", StringComparison.Ordinal);
        }
    }

    private static string JsonContent(string secret, JsonSerializerOptions options) =>
        JsonSerializer.Serialize(secret, options)[1..^1];

    /// <summary>
    /// The bytes in base64 (standard and URL-safe, with and without padding), and the part of their base64 that
    /// is the same wherever they sit inside a longer encoded text (a JSON auth blob, a header), at each of the
    /// three byte alignments.
    /// </summary>
    private static IEnumerable<string> Base64Forms(byte[] bytes)
    {
        var whole = Convert.ToBase64String(bytes);
        yield return whole;
        yield return whole.TrimEnd('=');
        yield return UrlSafe(whole);
        yield return UrlSafe(whole).TrimEnd('=');
        for (var offset = 0; offset < 3; offset++)
        {
            var shifted = new byte[offset + bytes.Length];
            bytes.CopyTo(shifted, offset);
            var encoded = Convert.ToBase64String(shifted);
            // Characters made only of the secret's bits: from the first 6-bit group after the prefix to the last
            // group that ends inside the secret.
            var first = (offset * 8 + 5) / 6;
            var end = (offset + bytes.Length) * 8 / 6;
            if (end - first < MinimumBase64Core) continue;
            var core = encoded[first..end];
            yield return core;
            yield return UrlSafe(core);
        }
    }

    private static string UrlSafe(string base64) => base64.Replace('+', '-').Replace('/', '_');

    /// <summary>RFC 3986 user-info encoding as Go's net/url and curl write it: sub-delimiters stay, the rest is %XX.</summary>
    private static string UserInfo(string text)
    {
        var builder = new StringBuilder();
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            var c = (char)b;
            if (char.IsAsciiLetterOrDigit(c) || "-._~!$&'()*+,;=".Contains(c)) builder.Append(c);
            else builder.Append('%').Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return builder.ToString();
    }
}
