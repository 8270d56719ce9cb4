using System.Runtime.CompilerServices;
using k8s;
using McastLab.Pipeline.Core;

namespace McastLab.Pipeline.Lab.Cluster;

/// <summary>
/// A list, then a watch from the list's resourceVersion that survives what real API servers and networks do
/// to long requests: a watch the server ends (its timeout) or the network cuts is opened again from the last
/// resourceVersion seen; a 410 Gone (an ERROR event: that version was compacted away) lists again and watches
/// from the new list. ERROR events are never dropped: anything but 410 ends the watch with the server's words.
/// </summary>
public sealed class ResumableWatch<TItem, TList>(
    Func<CancellationToken, Task<TList>> list,
    Func<string, Action<Exception>, CancellationToken, IAsyncEnumerable<(WatchEventType, TItem)>> watch,
    Func<TList, (IEnumerable<TItem> Items, string? ResourceVersion)> listed,
    Func<TItem, string?> resourceVersionOf,
    IBuildLog log,
    string what)
    where TItem : IKubernetesObject
{
    /// <summary>Between a cut watch and the next one.</summary>
    public TimeSpan Pause { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How many times a watch was opened again (reset, ended or 410).</summary>
    public int Resumed { get; private set; }

    public async IAsyncEnumerable<(WatchEventType Type, TItem Item)> EventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? version = null;
        while (true)
        {
            if (version is null)
            {
                var (items, listVersion) = listed(await list(cancellationToken));
                version = listVersion ?? "0";
                foreach (var item in items) yield return (WatchEventType.Added, item);
            }
            Exception? error = null;
            var events = watch(version, e => error ??= e, cancellationToken);
            await using (var enumerator = events.GetAsyncEnumerator(cancellationToken))
            {
                while (true)
                {
                    bool more;
                    try
                    {
                        more = await enumerator.MoveNextAsync();
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException && !cancellationToken.IsCancellationRequested)
                    {
                        log.Information($"The watch of {what} was cut ({e.Message}{(e.InnerException is { } inner ? ": " + inner.Message : "")}); watching again from resourceVersion {version}.");
                        break;
                    }
                    if (!more) break;
                    var (type, item) = enumerator.Current;
                    version = resourceVersionOf(item) ?? version;
                    yield return (type, item);
                }
            }
            cancellationToken.ThrowIfCancellationRequested();
            Resumed++;
            if (error is KubernetesException { Status.Code: 410 } gone)
            {
                log.Information($"The watch of {what} is too old for the API server ({gone.Status.Message}); listing again.");
                version = null;
                continue;
            }
            if (error is KubernetesException { Status: { } status })
            {
                throw new PipelineException($"The API server ended the watch of {what} with an error ({status.Code} {status.Reason}: {status.Message}); run again, and check the API server's health if it repeats.");
            }
            if (error is IOException or HttpRequestException)
            {
                // The client reports a cut stream through onError and ends the enumeration.
                log.Information($"The watch of {what} was cut ({error.Message}{(error.InnerException is { } inner ? ": " + inner.Message : "")}); watching again from resourceVersion {version}.");
            }
            else if (error is not null)
            {
                throw new PipelineException($"The watch of {what} failed ({error.Message}); run again.", error);
            }
            await Task.Delay(Pause, cancellationToken);
        }
    }
}
