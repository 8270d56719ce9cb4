using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Processes;

public sealed class ShellWordsTests
{
    [Theory]
    [InlineData("224.0.67.67", "224.0.67.67")]
    [InlineData("--rate=1M,2M+", "--rate=1M,2M+")]
    [InlineData("", "''")]
    [InlineData("a b", "'a b'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("été", "'été'")] // only ASCII stays bare: a remote shell's locale is unknown
    public void Safe_words_stay_bare_and_the_rest_is_single_quoted(string word, string expected) =>
        Assert.Equal(expected, ShellWords.Quote(word));

    [Fact]
    public void The_quoted_line_reaches_a_real_shell_as_the_same_words()
    {
        string[] words = ["printf", "%s|", "a b", "it's", "$HOME", "", "x;y"];
        var info = new System.Diagnostics.ProcessStartInfo("sh", ["-c", ShellWords.Join(words)]) { RedirectStandardOutput = true };
        using var shell = System.Diagnostics.Process.Start(info)!;
        var output = shell.StandardOutput.ReadToEnd();
        shell.WaitForExit();
        Assert.Equal("a b|it's|$HOME||x;y|", output);
    }
}
