using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Serialization;
using FheGen.Circuits;

namespace FheGen.Training;

/// <summary>
/// A sample's report on its test set, with the JSON field names every sample writes (<c>--json</c>): the float and
/// clear-quantized accuracies, and the circuit's figures per layer.
/// </summary>
/// <param name="FloatAccuracy">Accuracy of the float model (the weights as written).</param>
/// <param name="ClearAccuracy">Accuracy of the integer circuit in the clear.</param>
/// <param name="TestSamples">Rows evaluated.</param>
/// <param name="PbsCount">Lookups per inference.</param>
/// <param name="MaxTluBits">Widest lookup input.</param>
/// <param name="EstimatedLatencyMs">The cost model's single-core estimate per inference.</param>
/// <param name="Layers">Per layer.</param>
public sealed record ModelReport(
    [property: JsonPropertyName("float_accuracy")] double FloatAccuracy,
    [property: JsonPropertyName("clear_accuracy")] double ClearAccuracy,
    [property: JsonPropertyName("test_samples")] int TestSamples,
    [property: JsonPropertyName("pbs_count")] int PbsCount,
    [property: JsonPropertyName("max_tlu_bits")] int MaxTluBits,
    [property: JsonPropertyName("estimated_latency_ms")] double EstimatedLatencyMs,
    [property: JsonPropertyName("layers")] IReadOnlyList<ModelLayerReport> Layers)
{
    /// <summary>The report of <paramref name="circuit"/> with the two accuracies measured on <paramref name="testSamples"/> rows.</summary>
    public static ModelReport Create(CircuitInfo circuit, double floatAccuracy, double clearAccuracy, int testSamples) => new(
        floatAccuracy, clearAccuracy, testSamples, circuit.PbsCount, circuit.MaxTluInputBits, circuit.EstimatedLatency.TotalMilliseconds,
        circuit.Layers.Select(l => new ModelLayerReport(l.Name, l.Inputs, l.Outputs, l.ActiveWeights, l.AccumulatorMin, l.AccumulatorMax,
            l.AccumulatorBits, l.RoundedBits, l.IsOutput ? null : l.TluInputBits, l.PbsCount, l.EstimatedLatencyMs(circuit.PError))).ToArray());
}

/// <summary>One layer of a <see cref="ModelReport"/>.</summary>
/// <param name="Name">The layer.</param>
/// <param name="Inputs">Fan-in.</param>
/// <param name="Outputs">Neurons.</param>
/// <param name="ActiveWeights">Nonzero integer weights.</param>
/// <param name="AccMin">Accumulator minimum.</param>
/// <param name="AccMax">Accumulator maximum.</param>
/// <param name="AccBits">Accumulator bits.</param>
/// <param name="RoundedBits">LSBs removed before the lookup.</param>
/// <param name="TluBits">Lookup input bits (null on the output layer).</param>
/// <param name="Pbs">Lookups.</param>
/// <param name="EstimatedLatencyMs">The layer's single-core estimate.</param>
public sealed record ModelLayerReport(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("inputs")] int Inputs,
    [property: JsonPropertyName("outputs")] int Outputs,
    [property: JsonPropertyName("active_weights")] int ActiveWeights,
    [property: JsonPropertyName("acc_min")] long AccMin,
    [property: JsonPropertyName("acc_max")] long AccMax,
    [property: JsonPropertyName("acc_bits")] int AccBits,
    [property: JsonPropertyName("rounded_bits")] int RoundedBits,
    [property: JsonPropertyName("tlu_bits")] int? TluBits,
    [property: JsonPropertyName("pbs")] int Pbs,
    [property: JsonPropertyName("estimated_latency_ms")] double EstimatedLatencyMs);
