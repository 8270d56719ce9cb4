using System.Globalization;
using System.Text.Json.Nodes;
using System.Threading.Channels;

namespace McastLab.Pipeline.Tests.Lab.Cluster.ApiStub;

/// <summary>One change the store made, as a watch streams it.</summary>
internal sealed record StubChange(long Version, string Resource, string Namespace, string Type, JsonObject Object);

/// <summary>
/// The API server's storage as clients see it: every write takes the next resourceVersion and is kept in a
/// history that watches replay from the version they name; versions older than the last compaction are gone
/// (a watch from one gets 410 Gone, as etcd's compaction makes real servers answer).
/// </summary>
internal sealed class StubStore
{
    private readonly object gate = new();
    private readonly Dictionary<(string Resource, string Namespace, string Name), JsonObject> objects = [];
    private readonly List<StubChange> history = [];
    private readonly List<(string Resource, string Namespace, Func<JsonObject, bool> Filter, Channel<StubChange> Channel)> watchers = [];
    private long version = 1000;

    /// <summary>Watches from a version at or below this one are too old.</summary>
    public long Compacted { get; private set; }

    public long Version
    {
        get
        {
            lock (gate) return version;
        }
    }

    public JsonObject? Get(string resource, string ns, string name)
    {
        lock (gate) return objects.TryGetValue((resource, ns, name), out var found) ? (JsonObject)found.DeepClone() : null;
    }

    public (List<JsonObject> Items, long Version) List(string resource, string ns, Func<JsonObject, bool> filter)
    {
        lock (gate)
        {
            return ([.. objects.Where(o => o.Key.Resource == resource && (ns.Length == 0 || o.Key.Namespace == ns) && filter(o.Value))
                .OrderBy(o => o.Key.Name, StringComparer.Ordinal).Select(o => (JsonObject)o.Value.DeepClone())], version);
        }
    }

    /// <summary>Creates or replaces the object; its metadata gets the store's resourceVersion (and a uid when new).</summary>
    public JsonObject Put(string resource, string ns, string name, JsonObject value)
    {
        lock (gate)
        {
            var key = (resource, ns, name);
            var type = objects.ContainsKey(key) ? "MODIFIED" : "ADDED";
            var metadata = value["metadata"] as JsonObject ?? new JsonObject();
            value["metadata"] = metadata;
            if (type == "ADDED")
            {
                metadata["uid"] ??= Guid.NewGuid().ToString();
                metadata["creationTimestamp"] ??= DateTime.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
            }
            metadata["resourceVersion"] = (++version).ToString(CultureInfo.InvariantCulture);
            objects[key] = value;
            Publish(new StubChange(version, resource, ns, type, (JsonObject)value.DeepClone()));
            return (JsonObject)value.DeepClone();
        }
    }

    /// <summary>Changes a stored object in place (a status update, an annotation); null when it is gone.</summary>
    public JsonObject? Update(string resource, string ns, string name, Action<JsonObject> change)
    {
        lock (gate)
        {
            if (!objects.TryGetValue((resource, ns, name), out var found)) return null;
            var copy = (JsonObject)found.DeepClone();
            change(copy);
            return Put(resource, ns, name, copy);
        }
    }

    public bool Remove(string resource, string ns, string name)
    {
        lock (gate)
        {
            if (!objects.Remove((resource, ns, name), out var gone)) return false;
            gone["metadata"]!["resourceVersion"] = (++version).ToString(CultureInfo.InvariantCulture);
            Publish(new StubChange(version, resource, ns, "DELETED", (JsonObject)gone.DeepClone()));
            return true;
        }
    }

    /// <summary>Every change after <paramref name="from"/> and those to come; null when <paramref name="from"/> was compacted away.</summary>
    public (List<StubChange> Backlog, ChannelReader<StubChange> Coming, Action Stop)? Watch(string resource, string ns, Func<JsonObject, bool> filter, long from)
    {
        lock (gate)
        {
            if (from < Compacted) return null;
            var channel = Channel.CreateUnbounded<StubChange>();
            var entry = (resource, ns, filter, channel);
            watchers.Add(entry);
            var backlog = history.Where(c => c.Version > from && Matches(c, resource, ns, filter)).ToList();
            return (backlog, channel.Reader, () =>
            {
                lock (gate) watchers.Remove(entry);
            });
        }
    }

    /// <summary>Forgets the history up to now, as etcd's compaction does.</summary>
    public void Compact()
    {
        lock (gate)
        {
            Compacted = version;
            history.Clear();
        }
    }

    private void Publish(StubChange change)
    {
        history.Add(change);
        foreach (var (resource, ns, filter, channel) in watchers)
        {
            if (Matches(change, resource, ns, filter)) channel.Writer.TryWrite(change);
        }
    }

    private static bool Matches(StubChange change, string resource, string ns, Func<JsonObject, bool> filter) =>
        change.Resource == resource && (ns.Length == 0 || change.Namespace == ns) && filter(change.Object);
}
