using McastLab.Pipeline.Core;
using McastLab.Pipeline.Parameters;

namespace McastLab.Pipeline.Downloads;

/// <summary>
/// Fetches a pinned file into a cache directory and accepts it only with the pinned sha256; a cached copy
/// with the right hash is used without a request. A mismatch leaves nothing behind and stops the build.
/// </summary>
public sealed class PinnedDownload(HttpClient http, IBuildLog log, string cacheDirectory)
{
    public async Task<string> FetchAsync(PinnedFile pin, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(cacheDirectory);
        var path = Path.Combine(cacheDirectory, $"{pin.Name.ToLowerInvariant()}-{pin.Version}-{Path.GetFileName(pin.Url.AbsolutePath)}");
        if (File.Exists(path) && await Sha256.OfFileAsync(path, cancellationToken) == pin.Sha256)
        {
            log.Verbose($"{pin.Name} {pin.Version}: using {path} (sha256 matches)");
            return path;
        }
        var partial = path + ".partial";
        try
        {
            log.Information($"Downloading {pin.Name} {pin.Version} from {pin.Url}");
            using (var response = await http.GetAsync(pin.Url, HttpCompletionOption.ResponseHeadersRead, cancellationToken))
            {
                if (!response.IsSuccessStatusCode)
                {
                    throw new PipelineException($"Downloading {pin.Url} failed with HTTP {(int)response.StatusCode}; check the network and the pinned URL in {ParametersFile.FileName}.");
                }
                await using var file = File.Create(partial);
                await response.Content.CopyToAsync(file, cancellationToken);
            }
            var actual = await Sha256.OfFileAsync(partial, cancellationToken);
            if (actual != pin.Sha256)
            {
                throw new PipelineException($"{pin.Url} has sha256 {actual} but {ParametersFile.FileName} pins {pin.Sha256} ({pin.Sha256Parameter}); verify the release file and update the pin only if the new content is trusted.");
            }
            File.Move(partial, path, overwrite: true);
            return path;
        }
        catch (HttpRequestException e)
        {
            throw new PipelineException($"Downloading {pin.Url} failed ({e.Message}); check the network and the pinned URL in {ParametersFile.FileName}.");
        }
        finally
        {
            File.Delete(partial);
        }
    }
}
