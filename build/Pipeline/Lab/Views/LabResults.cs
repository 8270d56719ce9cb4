using System.Globalization;
using System.Text.Json;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// report.json as the views read it: leniently, through <see cref="JsonDocument"/> (a check's figures through
/// <see cref="LenientValue{T}"/>, by the same rule), so a report from an older or newer lab (a field missing,
/// added, or of another type) still renders; what is missing stays null or empty.
/// </summary>
public sealed record LabResults
{
    public string? Backend { get; init; }
    public DateTimeOffset? Started { get; init; }
    public double? DurationSeconds { get; init; }

    /// <summary>The run's parameters as text, in the report's order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Run { get; init; } = [];

    public IReadOnlyList<HostResult> Hosts { get; init; } = [];
    public IReadOnlyList<CheckResult> Checks { get; init; } = [];
    public IReadOnlyList<PodResult> Pods { get; init; } = [];

    /// <summary>True only when there are checks and each says it passed.</summary>
    public bool Passed => Checks.Count > 0 && Checks.All(c => c.Passed == true);

    public int FailedCount => Checks.Count(c => c.Passed != true);

    /// <summary>The run's id (run.run), or null.</summary>
    public string? RunId => Run.FirstOrDefault(p => p.Key == "run").Value;

    public static LabResults Read(string path) => Parse(File.ReadAllText(path));

    /// <summary>Throws <see cref="JsonException"/> only when the text is not JSON or not an object.</summary>
    public static LabResults Parse(string json)
    {
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object) throw new JsonException("report.json is not a JSON object.");
        return new LabResults
        {
            Backend = Text(root, "backend"),
            Started = Text(root, "started") is { } s && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var t) ? t : null,
            DurationSeconds = Number(root, "durationSeconds"),
            Run = Property(root, "run") is { ValueKind: JsonValueKind.Object } run
                ? [.. run.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, Display(p.Value)))]
                : [],
            Hosts = [.. Items(root, "hosts").Select(h => new HostResult(Text(h, "name"), Strings(h, "addresses")))],
            Checks = [.. Items(root, "checks").Select(CheckResult.From)],
            Pods = [.. Items(root, "pods").Select(PodResult.From)],
        };
    }

    internal static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    internal static string? Text(JsonElement element, string name) => Text(Property(element, name));

    internal static string? Text(JsonElement? value) => value is { } v
        ? v.ValueKind == JsonValueKind.String ? v.GetString() : Display(v)
        : null;

    internal static double? Number(JsonElement element, string name) => Number(Property(element, name));

    internal static double? Number(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.Number } n => n.GetDouble(),
        { ValueKind: JsonValueKind.String } s when double.TryParse(s.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    internal static long? Count(JsonElement element, string name) => Count(Property(element, name));

    internal static long? Count(JsonElement? value) => Number(value) is { } d ? (long)Math.Round(d) : null;

    internal static bool? Flag(JsonElement element, string name) => Flag(Property(element, name));

    internal static bool? Flag(JsonElement? value) => value switch
    {
        { ValueKind: JsonValueKind.True } => true,
        { ValueKind: JsonValueKind.False } => false,
        _ => null,
    };

    internal static IEnumerable<JsonElement> Items(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.Array } array ? array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object) : [];

    internal static IReadOnlyList<string> Strings(JsonElement element, string name) => Property(element, name) switch
    {
        { ValueKind: JsonValueKind.Array } array => [.. array.EnumerateArray().Where(e => e.ValueKind != JsonValueKind.Null).Select(Display)],
        { } single => [Display(single)],
        null => [],
    };

    /// <summary>A value as a person reads it: strings bare, everything else as compact JSON.</summary>
    internal static string Display(JsonElement value) =>
        value.ValueKind == JsonValueKind.String ? value.GetString() ?? "" : JsonSerializer.Serialize(value);
}

/// <summary>A lab host (k8s, k8s-2, mcastsrc) and its addresses on the segment.</summary>
public sealed record HostResult(string? Name, IReadOnlyList<string> Addresses);

/// <summary>One check of report.json; for a traffic check, its flow, figures and per-second intervals.</summary>
public sealed record CheckResult : CheckFigures
{
    private const string Unnamed = "(unnamed check)";

    /// <summary>
    /// The figures are read by the names the lab writes them with (camelCase of <see cref="CheckFigures"/>),
    /// each type by the views' lenient rule, so a figure added to CheckFigures is read back without a mapping here.
    /// </summary>
    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        Converters =
        {
            new LenientValue<string?>(LabResults.Text),
            new LenientValue<bool?>(LabResults.Flag),
            new LenientValue<double?>(LabResults.Number),
            new LenientValue<long?>(LabResults.Count),
            new LenientValue<int?>(value => (int?)LabResults.Count(value)),
            new LenientValue<IReadOnlyList<ReceiverInterval>?>(IntervalList),
        },
    };

    /// <summary>"(unnamed check)" when the report gives none.</summary>
    public string Name { get; init => field = value ?? Unnamed; } = Unnamed;

    /// <summary>Null when the report does not say.</summary>
    public bool? Passed { get; init; }

    /// <summary>"pass", "FAIL", or "unknown" when the report does not say.</summary>
    public string Verdict => Passed switch { true => "pass", false => "FAIL", null => "unknown" };

    /// <summary>A check about datagrams someone received (it has a receiver, counts or intervals).</summary>
    public bool IsTraffic => Receiver is not null || Received is not null || Intervals is not null;

    internal static CheckResult From(JsonElement e) => e.Deserialize<CheckResult>(Json)!;

    /// <summary>Null unless the report has a list; within it, only the well-formed intervals.</summary>
    private static IReadOnlyList<ReceiverInterval>? IntervalList(JsonElement? value) =>
        value is { ValueKind: JsonValueKind.Array } array
            ? [.. array.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object).Select(Interval).OfType<ReceiverInterval>()]
            : null;

    /// <summary>An interval event, in the report's own type; one without its start or end is left out.</summary>
    private static ReceiverInterval? Interval(JsonElement e) =>
        LabResults.Number(e, "start") is { } start && LabResults.Number(e, "end") is { } end
            ? new ReceiverInterval(start, end, LabResults.Count(e, "received") ?? 0, LabResults.Count(e, "lost") ?? 0,
                LabResults.Count(e, "reordered") ?? LabResults.Count(e, "outOfOrder") ?? 0, LabResults.Count(e, "duplicates") ?? 0)
            : null;
}

/// <summary>A pod, its node, and its interfaces as Multus' network-status lists them.</summary>
public sealed record PodResult(string? Node, string? Name, IReadOnlyList<AttachmentResult> NetworkStatus)
{
    internal static PodResult From(JsonElement e) => new(
        LabResults.Text(e, "node"),
        LabResults.Text(e, "name"),
        [.. LabResults.Items(e, "networkStatus").Select(s => new AttachmentResult(
            LabResults.Text(s, "name"), LabResults.Text(s, "interface"), LabResults.Strings(s, "ips"),
            LabResults.Text(s, "mac"), LabResults.Flag(s, "default") ?? false))]);
}

/// <summary>One network-status entry: network name, interface in the pod, addresses, MAC, whether it is the default network.</summary>
public sealed record AttachmentResult(string? Network, string? Interface, IReadOnlyList<string> Ips, string? Mac, bool Default);
