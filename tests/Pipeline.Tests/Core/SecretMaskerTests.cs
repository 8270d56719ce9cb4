using System.Text;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Tests.Core;

public sealed class SecretMaskerTests
{
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
}
