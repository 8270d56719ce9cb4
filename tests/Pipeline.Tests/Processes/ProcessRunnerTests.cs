using McastLab.Pipeline.Core;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Processes;

public sealed class ProcessRunnerTests
{
    private readonly CapturingLog log = new();
    private readonly SecretMasker masker = new();

    private ProcessRunner Runner(string? path = null) => new(new MaskedLog(log, masker), masker, path is null ? null : new ProgramLocator(path));

    [Fact]
    public async Task Passes_arguments_as_a_list_without_a_shell()
    {
        var result = await Runner().RunAsync("printf", ["%s|", "two words", "$HOME", "'quoted'", "; rm -rf x"], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("two words|$HOME|'quoted'|; rm -rf x|", result.StandardOutput.TrimEnd());
    }

    [Fact]
    public async Task Streams_output_lines_to_the_log_and_captures_both_streams()
    {
        using var bin = new TemporaryDirectory();
        bin.Program("chatty", "echo out1; echo err1 >&2; echo out2");
        var result = await Runner(bin.Path).RunAsync("chatty", [], cancellationToken: TestContext.Current.CancellationToken);
        Assert.Equal("out1\nout2\n", result.StandardOutput);
        Assert.Equal("err1\n", result.StandardError);
        Assert.Contains("out1", log.Lines);
        Assert.Contains("err1", log.Lines);
        Assert.Contains("verbose: > chatty", log.Lines);
    }

    [Fact]
    public async Task Quiet_output_goes_to_the_verbose_log_only()
    {
        await Runner().RunAsync("echo", ["hello"], new ProcessOptions { Quiet = true }, TestContext.Current.CancellationToken);
        Assert.Contains("verbose: hello", log.Lines);
        Assert.DoesNotContain("hello", log.Lines);
    }

    [Fact]
    public async Task Capture_only_output_is_returned_and_never_logged()
    {
        var result = await Runner().RunAsync("echo", ["state-as-json"], new ProcessOptions { CaptureOnly = true }, TestContext.Current.CancellationToken);
        Assert.Equal("state-as-json", result.StandardOutput.Trim());
        Assert.DoesNotContain(log.Lines, line => line.Contains("state-as-json", StringComparison.Ordinal) && !line.StartsWith("verbose: >", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_failing_program_is_named_with_its_arguments_and_exit_code()
    {
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() =>
            Runner().RunAsync("ls", ["/nonexistent-mcastlab-path"], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("'ls /nonexistent-mcastlab-path' failed with exit code 2; see its output above.", error.Message);
        Assert.Equal(2, error.Result!.ExitCode);
    }

    [Fact]
    public async Task Failure_can_be_allowed_and_inspected()
    {
        var result = await Runner().RunAsync("false", [], new ProcessOptions { AllowFailure = true }, TestContext.Current.CancellationToken);
        Assert.Equal(1, result.ExitCode);
    }

    [Fact]
    public async Task A_missing_program_says_how_to_get_it()
    {
        using var empty = new TemporaryDirectory();
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() => Runner(empty.Path).RunAsync("packer", ["version"], cancellationToken: TestContext.Current.CancellationToken));
        Assert.Equal("'packer' was not found on PATH; run ./build.sh Prerequisites to install it.", error.Message);
    }

    [Fact]
    public async Task A_secret_that_a_tool_echoes_is_masked_in_the_log_the_result_and_the_error()
    {
        masker.Add("tok-123456");
        using var bin = new TemporaryDirectory();
        bin.Program("leaky", "echo \"using $MY_TOKEN\"; echo \"arg $1\" >&2; exit 3");
        var options = new ProcessOptions { Environment = new Dictionary<string, string?> { ["MY_TOKEN"] = "tok-123456" } };
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() =>
            Runner(bin.Path).RunAsync("leaky", ["--password=tok-123456"], options, TestContext.Current.CancellationToken));

        Assert.DoesNotContain("tok-123456", log.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123456", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tok-123456", error.Result!.StandardOutput + error.Result.StandardError, StringComparison.Ordinal);
        Assert.Contains("using ***", log.Lines);
        Assert.Equal("'leaky --password=***' failed with exit code 3; see its output above.", error.Message);
    }

    [Fact]
    public async Task Runs_in_the_working_directory_with_standard_input()
    {
        using var directory = new TemporaryDirectory();
        var pwd = await Runner().RunAsync("pwd", [], new ProcessOptions { WorkingDirectory = directory.Path }, TestContext.Current.CancellationToken);
        Assert.Equal(directory.Path, pwd.StandardOutput.Trim());
        var cat = await Runner().RunAsync("cat", [], new ProcessOptions { StandardInput = "{\"cniVersion\":\"1.0.0\"}" }, TestContext.Current.CancellationToken);
        Assert.Equal("{\"cniVersion\":\"1.0.0\"}", cat.StandardOutput.Trim());
    }

    [Fact]
    public async Task A_program_past_its_timeout_is_stopped_and_reported()
    {
        var error = await Assert.ThrowsAsync<ProcessFailedException>(() =>
            Runner().RunAsync("sleep", ["30"], new ProcessOptions { Timeout = TimeSpan.FromMilliseconds(300) }, TestContext.Current.CancellationToken));
        Assert.StartsWith("'sleep 30' did not finish within", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "plain", "--flag=x" }, "tool plain --flag=x")]
    [InlineData(new[] { "two words" }, "tool 'two words'")]
    [InlineData(new[] { "it's" }, "tool 'it'\\''s'")]
    [InlineData(new[] { "" }, "tool ''")]
    public void Displays_commands_as_a_person_would_type_them(string[] arguments, string expected) =>
        Assert.Equal(expected, ProcessRunner.Display("tool", arguments));
}
