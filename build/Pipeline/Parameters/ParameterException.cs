using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Parameters;

/// <summary>A parameter that is unknown, misplaced or has a value of the wrong form.</summary>
public sealed class ParameterException(string message) : PipelineException(message);
