namespace McastLab.Pipeline.Core;

/// <summary>Where pipeline steps report. build.cake adapts it to Cake's log; tests capture it.</summary>
public interface IBuildLog
{
    void Verbose(string message);
    void Information(string message);
    void Warning(string message);
    void Error(string message);
}
