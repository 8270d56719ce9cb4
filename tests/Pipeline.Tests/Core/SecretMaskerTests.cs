using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Tests.Core;

public sealed class SecretMaskerTests
{
    // The README's user name, and passwords with the characters that change in each encoding.
    private const string User = "my-user";

    private static readonly JsonSerializerOptions RelaxedJson = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static TheoryData<string> Passwords => new()
    {
        "pa:ss/wo+rd=",
        "ghp_7Qe+/x:Zz==9kLmN0pQrStUv",
        "s3cr3t/with:colon+plus=equals",
        "Unicode-päss:wört/+=",
    };

    [Theory]
    [MemberData(nameof(Passwords))]
    public async Task Masks_the_basic_authorization_header_a_real_http_client_sends(string password)
    {
        var masker = new SecretMasker();
        masker.AddCredential(User, password);
        var request = await CaptureRequestAsync(new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{password}"))));
        var header = request.Split("\r\n").Single(l => l.StartsWith("Authorization:", StringComparison.Ordinal));

        Assert.Equal("Authorization: Basic ***", masker.Mask(header));
    }

    [Theory]
    [MemberData(nameof(Passwords))]
    public void Masks_url_user_info_percent_encoded_either_way(string password)
    {
        var masker = new SecretMasker();
        masker.AddCredential(User, password);
        // As Uri.EscapeDataString writes it, and as Go's net/url and curl write user-info (sub-delimiters kept).
        var strict = $"https://{User}:{Uri.EscapeDataString(password)}@registry.example.org/v2/";
        var userInfo = $"https://{User}:{GoUserInfo(password)}@registry.example.org/v2/";

        Assert.Equal("https://my-user:***@registry.example.org/v2/", masker.Mask(strict));
        Assert.Equal("https://my-user:***@registry.example.org/v2/", masker.Mask(userInfo));
    }

    [Theory]
    [MemberData(nameof(Passwords))]
    public void Masks_json_escaped_forms_and_a_base64_json_auth_blob(string password)
    {
        var masker = new SecretMasker();
        masker.AddCredential(User, password);
        var auth = new Dictionary<string, string> { ["username"] = User, ["password"] = password, ["serveraddress"] = "ghcr.io" };
        var strict = JsonSerializer.Serialize(auth); // escapes '+' as \u002B
        var relaxed = JsonSerializer.Serialize(auth, RelaxedJson);
        var slashes = relaxed.Replace("/", "\\/", StringComparison.Ordinal);

        foreach (var json in new[] { strict, relaxed, slashes })
        {
            Assert.Contains("\"password\":\"***\"", masker.Mask(json), StringComparison.Ordinal);
            // Docker's X-Registry-Auth header: the JSON in URL-safe base64. No secret byte survives in it.
            var blob = Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).Replace('+', '-').Replace('/', '_');
            var masked = masker.Mask(blob);
            Assert.Contains(SecretMasker.Placeholder, masked, StringComparison.Ordinal);
            Assert.DoesNotContain(CoreOf(json), masked, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Base64_inside_longer_text_is_masked_at_every_alignment()
    {
        var masker = new SecretMasker();
        masker.Add("correct horse battery staple");
        for (var prefix = 0; prefix < 3; prefix++)
        {
            var text = new string('x', prefix) + "correct horse battery staple" + "!";
            var masked = masker.Mask(Convert.ToBase64String(Encoding.UTF8.GetBytes(text)));
            Assert.Contains(SecretMasker.Placeholder, masked, StringComparison.Ordinal);
        }
        Assert.Equal("eHh4eHh4", masker.Mask("eHh4eHh4"));
    }
    [Fact]
    public void Masks_the_secret_and_the_forms_tools_echo()
    {
        var masker = new SecretMasker();
        masker.Add("p@ss word/1");
        Assert.Equal("token=*** ok", masker.Mask("token=p@ss word/1 ok"));
        Assert.Equal("url ***", masker.Mask("url " + Uri.EscapeDataString("p@ss word/1")));
        Assert.Equal("Basic ***", masker.Mask("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("p@ss word/1"))));
    }

    [Fact]
    public void Masks_a_longer_secret_whole_when_it_contains_another()
    {
        var masker = new SecretMasker();
        masker.Add("abcd");
        masker.Add("abcdefgh");
        Assert.Equal("x *** y", masker.Mask("x abcdefgh y"));
    }

    [Fact]
    public void Ignores_empty_and_very_short_values_that_would_mask_ordinary_text()
    {
        var masker = new SecretMasker();
        masker.Add("");
        masker.Add(null);
        masker.Add("ab");
        Assert.Equal("a b ab", masker.Mask("a b ab"));
    }

    [Fact]
    public void The_masked_log_masks_every_level()
    {
        var masker = new SecretMasker();
        masker.Add("s3cr3t-value");
        var inner = new CapturingLog();
        var log = new MaskedLog(inner, masker);
        log.Verbose("v s3cr3t-value");
        log.Information("i s3cr3t-value");
        log.Warning("w s3cr3t-value");
        log.Error("e s3cr3t-value");
        Assert.Equal(["verbose: v ***", "i ***", "warning: w ***", "error: e ***"], inner.Lines);
    }

    /// <summary>Go's url.UserPassword escaping: unreserved and sub-delimiters stay.</summary>
    private static string GoUserInfo(string text) => string.Concat(Encoding.UTF8.GetBytes(text).Select(b =>
        char.IsAsciiLetterOrDigit((char)b) || "-._~!$&'()*+,;=".Contains((char)b) ? ((char)b).ToString() : $"%{b:X2}"));

    /// <summary>The base64 characters of the blob made only of the (escaped) password's bytes.</summary>
    private static string CoreOf(string json)
    {
        const string key = "\"password\":\"";
        var at = json.IndexOf(key, StringComparison.Ordinal) + key.Length;
        var start = Encoding.UTF8.GetByteCount(json[..at]);
        var length = Encoding.UTF8.GetByteCount(json[at..json.IndexOf('"', at)]);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(json)).Replace('+', '-').Replace('/', '_');
        return encoded[((start * 8 + 5) / 6)..((start + length) * 8 / 6)];
    }

    /// <summary>The raw request an HttpClient sends, read by a listener on loopback.</summary>
    private static async Task<string> CaptureRequestAsync(AuthenticationHeaderValue authorization)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new HttpClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{port}/v2/");
        request.Headers.Authorization = authorization;
        var send = client.SendAsync(request);
        using var connection = await listener.AcceptTcpClientAsync();
        var stream = connection.GetStream();
        var buffer = new byte[8192];
        var text = new StringBuilder();
        while (!text.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer);
            if (read == 0) break;
            text.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        await stream.WriteAsync("HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"u8.ToArray());
        (await send).Dispose();
        return text.ToString();
    }
}
