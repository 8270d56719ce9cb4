namespace McastLab.Pipeline.Core;

/// <summary>Masks every known secret before a message reaches the inner log, whoever wrote it.</summary>
public sealed class MaskedLog(IBuildLog inner, SecretMasker masker) : IBuildLog
{
    public void Verbose(string message) => inner.Verbose(masker.Mask(message));

    public void Information(string message) => inner.Information(masker.Mask(message));

    public void Warning(string message) => inner.Warning(masker.Mask(message));

    public void Error(string message) => inner.Error(masker.Mask(message));
}
