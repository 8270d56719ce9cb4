namespace McastLab.Pipeline.Core;

/// <summary>
/// A failure the user can act on. Its message is one sentence that says what is wrong and what to do;
/// build.cake prints it without a stack trace and exits non-zero.
/// </summary>
public class PipelineException : Exception
{
    public PipelineException(string message) : base(message) { }

    public PipelineException(string message, Exception inner) : base(message, inner) { }

    public PipelineException() { }
}
