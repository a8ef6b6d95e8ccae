using System.Collections.Generic;
using System.Linq;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using FheGen.Circuits;

namespace FheGen.Cli.Infrastructure;

/// <summary>The JSON the commands write: snake_case names, as the sweep files and the sample server use.</summary>
internal static class Json
{
    // Relaxed escaping: messages hold "->" and "<", which are no hazard outside HTML and should read as written.
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static void Write(JsonNode node) => CliIo.Current.Out.WriteLine(node.ToJsonString(Indented));

    public static JsonArray Array<T>(IEnumerable<T> items) => new(items.Select(i => JsonValue.Create(i)).ToArray<JsonNode?>());

    public static JsonObject Diagnostic(ModelDiagnostic d) => new()
    {
        ["id"] = d.Id,
        ["severity"] = d.Severity,
        ["message"] = d.Message,
        ["location"] = d.Location,
    };

    public static JsonObject Circuit(CircuitInfo info) => new()
    {
        ["name"] = info.Name,
        ["inputs"] = info.Inputs,
        ["outputs"] = info.Outputs,
        ["pbs"] = info.PbsCount,
        ["max_tlu_bits"] = info.MaxTluInputBits,
        ["budget_bits"] = info.BudgetBits,
        ["tables"] = info.TableCount,
        ["p_error"] = info.PError,
        ["estimated_latency_ms"] = info.EstimatedLatencyMs(info.PError),
        ["layers"] = new JsonArray(info.Layers.Select(l => (JsonNode)new JsonObject
        {
            ["name"] = l.Name,
            ["inputs"] = l.Inputs,
            ["outputs"] = l.Outputs,
            ["active_weights"] = l.ActiveWeights,
            ["accumulator_min"] = l.AccumulatorMin,
            ["accumulator_max"] = l.AccumulatorMax,
            ["accumulator_bits"] = l.AccumulatorBits,
            ["rounded_bits"] = l.RoundedBits,
            ["rounding"] = l.RoundingMethod.ToString().ToLowerInvariant(),
            ["tlu_bits"] = l.IsOutput ? null : l.TluInputBits,
            ["pbs"] = l.PbsCount,
            ["output"] = l.IsOutput,
        }).ToArray()),
    };
}
