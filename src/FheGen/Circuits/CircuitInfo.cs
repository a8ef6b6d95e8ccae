using System;
using System.Collections.Generic;
using System.Linq;
using FheGen.Compiler.Cost;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;

namespace FheGen.Circuits;

/// <summary>Build-time facts about one layer of a compiled circuit.</summary>
/// <param name="Name">Layer name.</param>
/// <param name="Inputs">Number of inputs.</param>
/// <param name="Outputs">Number of neurons.</param>
/// <param name="ActiveWeights">Non-zero quantized weights.</param>
/// <param name="AccumulatorMin">Exact smallest accumulator.</param>
/// <param name="AccumulatorMax">Exact largest accumulator.</param>
/// <param name="AccumulatorBits">Bits that hold the accumulator range.</param>
/// <param name="RoundedBits">LSBs removed before the TLU.</param>
/// <param name="TluInputBits">Width of the TLU input (for the output layer, its accumulator width).</param>
/// <param name="PbsCount">Programmable bootstrappings in this layer.</param>
/// <param name="IsOutput">Whether this is the last layer (no TLU).</param>
/// <param name="RoundingMethod">How the accumulator is rounded (when <paramref name="RoundedBits"/> is positive).</param>
public sealed record LayerInfo(
    string Name,
    int Inputs,
    int Outputs,
    int ActiveWeights,
    long AccumulatorMin,
    long AccumulatorMax,
    int AccumulatorBits,
    int RoundedBits,
    int TluInputBits,
    int PbsCount,
    bool IsOutput,
    Rounding RoundingMethod = Rounding.Exact)
{
    /// <summary>Neurons whose output cannot change (a dead ReLU, weights too small to move a level): constants, no PBS.</summary>
    public int FoldedNeurons { get; init; }

    /// <summary>Neurons no weight of the next layer reads after pruning and quantization: no PBS either.</summary>
    public int UnreadNeurons { get; init; }

    /// <summary>
    /// Estimated latency of the layer's bootstrappings on one core, one after another, at per-TLU error probability
    /// <paramref name="pError"/>, from the compiler core's <see cref="CostModel"/> as this runtime ships it (its
    /// <c>Source</c> says where the figures come from). Computed when asked, never stored in generated code, so
    /// re-measuring the latencies changes no generated file. 0 for the output layer and for a layer of constants;
    /// positive infinity for a lookup wider than the cost model prices.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pError"/> is NaN or negative.</exception>
    public double EstimatedLatencyMs(double pError)
    {
        if (double.IsNaN(pError) || pError < 0) throw new ArgumentOutOfRangeException(nameof(pError), pError, "p_error must be a probability.");
        if (IsOutput || PbsCount == 0) return 0;
        if (TluInputBits < 1 || TluInputBits > CostModel.MaxBits) return double.PositiveInfinity;
        var rounding = CostModel.RoundingCharge(RoundedBits, RoundingMethod.ToKind());
        return PbsCount * CostModel.NeuronLatencyMs(AccumulatorBits, Math.Max(0, RoundedBits), TluInputBits, pError, rounding);
    }
}

/// <summary>Build-time facts about a compiled circuit, as the generator computed them.</summary>
public sealed class CircuitInfo : IEquatable<CircuitInfo>
{
    /// <summary>Creates the description.</summary>
    public CircuitInfo(string name, int inputs, int budgetBits, double pError, int tableCount, IReadOnlyList<LayerInfo> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0) throw new ArgumentException("A circuit has at least one layer.", nameof(layers));
        Name = name;
        Inputs = inputs;
        BudgetBits = budgetBits;
        PError = pError;
        TableCount = tableCount;
        Layers = layers;
    }

    /// <summary>Describes a plan (what the generator emits as constants).</summary>
    public static CircuitInfo FromPlan(CircuitPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var layers = plan.Layers.Select(l => new LayerInfo(l.Name, l.Inputs, l.Outputs, l.ActiveWeights, l.AccumulatorMin, l.AccumulatorMax,
            l.AccumulatorBits, l.RoundedBits, l.TluInputBits, l.PbsCount, l.IsOutput, l.RoundingMethod.ToRounding())
        {
            FoldedNeurons = l.FoldedNeurons,
            UnreadNeurons = l.UnreadNeurons,
        }).ToArray();
        return new CircuitInfo(plan.Name, plan.Inputs, plan.BudgetBits, plan.PError, plan.Tables.Count, layers);
    }

    /// <summary>Model name.</summary>
    public string Name { get; }

    /// <summary>Number of inputs.</summary>
    public int Inputs { get; }

    /// <summary>Number of outputs.</summary>
    public int Outputs => Layers[^1].Outputs;

    /// <summary>PBS budget in bits.</summary>
    public int BudgetBits { get; }

    /// <summary>Per-TLU error probability.</summary>
    public double PError { get; }

    /// <summary>Number of distinct lookup tables.</summary>
    public int TableCount { get; }

    /// <summary>Layers in evaluation order.</summary>
    public IReadOnlyList<LayerInfo> Layers { get; }

    /// <summary>Total programmable bootstrappings per inference.</summary>
    public int PbsCount => Layers.Sum(l => l.PbsCount);

    /// <summary>
    /// Estimated latency of one inference's bootstrappings on one core, one after another, at the circuit's
    /// <see cref="PError"/> (the sum of <see cref="LayerInfo.EstimatedLatencyMs"/> over layers; linear layers and
    /// client-side work are negligible next to them). Computed at run time from the cost model, not at build time.
    /// </summary>
    public TimeSpan EstimatedLatency => TimeSpan.FromMilliseconds(EstimatedLatencyMs(PError));

    /// <summary>The estimated latency in milliseconds at per-TLU error probability <paramref name="pError"/> (see <see cref="EstimatedLatency"/>).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="pError"/> is NaN or negative.</exception>
    public double EstimatedLatencyMs(double pError) => Layers.Sum(l => l.EstimatedLatencyMs(pError));

    /// <summary>Neurons folded into constants over all layers (see <see cref="LayerInfo.FoldedNeurons"/>).</summary>
    public int FoldedNeurons => Layers.Sum(l => l.FoldedNeurons);

    /// <summary>Neurons the next layer does not read, over all layers (see <see cref="LayerInfo.UnreadNeurons"/>).</summary>
    public int UnreadNeurons => Layers.Sum(l => l.UnreadNeurons);

    /// <summary>Widest TLU input (0 when no layer has a TLU).</summary>
    public int MaxTluInputBits => Layers.Where(l => !l.IsOutput).Select(l => l.TluInputBits).DefaultIfEmpty(0).Max();

    /// <inheritdoc/>
    public bool Equals(CircuitInfo? other) => other is not null && Name == other.Name && Inputs == other.Inputs
        && BudgetBits == other.BudgetBits && PError.Equals(other.PError) && TableCount == other.TableCount
        && Layers.SequenceEqual(other.Layers);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as CircuitInfo);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Name, Inputs, PbsCount, Layers.Count);

    /// <summary>A fixed-width table, one row per layer, for consoles and logs.</summary>
    public string ToTable()
    {
        var rows = new List<string>
        {
            $"{"layer",-12} {"in",6} {"out",5} {"weights",8} {"accumulator",24} {"acc bits",8} {"rounded",9} {"TLU bits",8} {"PBS",5} {"est. latency",12}",
        };
        foreach (var l in Layers)
        {
            string rounded = l.RoundedBits == 0 ? "0" : l.RoundedBits.ToString(System.Globalization.CultureInfo.InvariantCulture) + (l.RoundingMethod == Rounding.Approximate ? " ~" : "");
            rows.Add($"{l.Name,-12} {l.Inputs,6} {l.Outputs,5} {l.ActiveWeights,8} {$"[{l.AccumulatorMin}, {l.AccumulatorMax}]",24} {l.AccumulatorBits,8} " +
                $"{rounded,9} {(l.IsOutput ? "-" : l.TluInputBits.ToString(System.Globalization.CultureInfo.InvariantCulture)),8} {l.PbsCount,5} " +
                $"{(l.IsOutput ? "-" : CostModel.FormatLatency(l.EstimatedLatencyMs(PError))),12}");
        }
        rows.Add($"total: {PbsCount} PBS, widest TLU input {MaxTluInputBits} bits (budget {BudgetBits}), {TableCount} distinct tables, " +
            $"p_error {PError.ToString("G3", System.Globalization.CultureInfo.InvariantCulture)} per TLU, " +
            $"estimated {CostModel.FormatLatency(EstimatedLatency.TotalMilliseconds)} per inference on one core (~ = approximate rounding)" +
            (FoldedNeurons + UnreadNeurons == 0 ? "" : $"; no PBS for {FoldedNeurons} {(FoldedNeurons == 1 ? "neuron" : "neurons")} folded into constants and {UnreadNeurons} unread by the next layer"));
        return string.Join(Environment.NewLine, rows);
    }
}
