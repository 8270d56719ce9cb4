using McastLab.Pipeline.Core;
using McastLab.Pipeline.Docker;
using McastLab.Pipeline.Images;
using McastLab.Pipeline.Parameters;
using McastLab.Pipeline.Processes;

namespace McastLab.Pipeline.Tests.Images;

public sealed class EngineAbsenceTests
{
    [Fact]
    public async Task Without_an_engine_the_image_targets_say_how_to_start_one()
    {
        var scratch = Directory.CreateTempSubdirectory("mcastlab-noengine-");
        try
        {
            // DOCKER_HOST pointing at a socket nothing listens on.
            var endpoint = DockerConnection.Endpoint(name => name == "DOCKER_HOST" ? $"unix://{scratch.FullName}/dead.sock" : null);
            var log = new CapturingLog();
            var parameters = BuildParameters.Resolve(ImageFixture.RepositoryRoot, new Dictionary<string, string>(), _ => null, new SecretMasker());
            var images = new LabImages(new ProcessRunner(log, new SecretMasker()), log, parameters, endpoint);

            var error = await Assert.ThrowsAsync<PipelineException>(() => images.EnsureBaseImageAsync(TestContext.Current.CancellationToken));

            Assert.Equal($"No Docker engine answers at {endpoint}; start one with './build.sh Prerequisites' (as root) or 'sudo dockerd &', then run again.", error.Message);
        }
        finally
        {
            scratch.Delete(recursive: true);
        }
    }
}
