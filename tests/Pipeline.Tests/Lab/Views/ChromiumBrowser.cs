using System.Diagnostics;

namespace McastLab.Pipeline.Tests.Lab.Views;

/// <summary>
/// Debian's headless Chromium, run as the tests' browser: the DOM it rendered (--dump-dom) and a screenshot.
/// Offline on purpose (no network services, a fresh profile), so a page that needed the network would show it.
/// </summary>
internal sealed class ChromiumBrowser(string executable)
{
    private static readonly string[] Names = ["chromium", "chromium-browser"];

    private static readonly string[] Offline =
    [
        "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ];

    public static ChromiumBrowser? Find() =>
        Names.Select(new Pipeline.Processes.ProgramLocator().Find).OfType<string>()
            .Select(path => new ChromiumBrowser(path)).FirstOrDefault();

    public async Task<string> DumpDomAsync(string htmlFile, CancellationToken cancellationToken) =>
        (await RunAsync(["--dump-dom", new Uri(htmlFile).AbsoluteUri], cancellationToken)).Output;

    public async Task ScreenshotAsync(string htmlFile, string pngFile, int width, int height, CancellationToken cancellationToken) =>
        await RunAsync([$"--screenshot={pngFile}", $"--window-size={width},{height}", "--hide-scrollbars", new Uri(htmlFile).AbsoluteUri], cancellationToken);

    private async Task<(string Output, string Errors)> RunAsync(IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var profile = Directory.CreateTempSubdirectory("mcastlab-chromium-");
        try
        {
            var start = new ProcessStartInfo(executable)
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (var argument in Offline.Append($"--user-data-dir={profile.FullName}").Concat(arguments))
            {
                start.ArgumentList.Add(argument);
            }
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var errors = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException($"chromium exited with code {process.ExitCode}: {await errors}");
            }
            return (await output, await errors);
        }
        finally
        {
            profile.Delete(recursive: true);
        }
    }
}
