using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Processes;

/// <summary>An external program that failed; the message names it and its (masked) arguments.</summary>
public sealed class ProcessFailedException(string message, ProcessResult? result = null) : PipelineException(message)
{
    public ProcessResult? Result { get; } = result;
}
