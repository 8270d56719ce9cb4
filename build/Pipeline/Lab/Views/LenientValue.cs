using System.Text.Json;
using System.Text.Json.Serialization;

namespace McastLab.Pipeline.Lab.Views;

/// <summary>
/// Lets System.Text.Json read one type of report.json value by the views' rule (<see cref="LabResults"/>):
/// <paramref name="read"/> gets the value, or null for a JSON null, and a value of an unexpected type becomes
/// whatever it makes of it (usually null) instead of an exception.
/// </summary>
internal sealed class LenientValue<T>(Func<JsonElement?, T> read) : JsonConverter<T>
{
    public override bool HandleNull => true;

    public override T Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        var value = JsonElement.ParseValue(ref reader);
        return read(value.ValueKind == JsonValueKind.Null ? null : value);
    }

    public override void Write(Utf8JsonWriter writer, T value, JsonSerializerOptions options) =>
        throw new NotSupportedException("The views only read report.json; the lab writes it (LabReport).");
}
