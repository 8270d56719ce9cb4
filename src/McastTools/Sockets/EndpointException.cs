namespace McastLab.McastTools.Sockets;

/// <summary>
/// A group, interface or address this host cannot use as given, in one sentence saying what to do; the
/// command line reports it as a usage error (the sockets know nothing of the command line).
/// </summary>
internal sealed class EndpointException(string message) : Exception(message);
