using System;
using System.Collections.Generic;
using FheGen.Compiler.Bounds;
using FheGen.Compiler.Model;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Plan;

/// <summary>
/// The compiled integer circuit: what the emitter unrolls and the interpreter evaluates. Every number in
/// it is exact; floats survive only in the quantizers at the edges and inside table construction.
/// </summary>
/// <remarks>
/// Immutable and value-equatable (a record over <see cref="EquatableArray{T}"/>s): every backend reads this one
/// lowering, the generator caches on it, and <see cref="PlanFingerprint"/> hashes it.
/// </remarks>
public sealed record CircuitPlan
{
    /// <summary>Model name.</summary>
    public required string Name { get; init; }

    /// <summary>
    /// Client-side input quantizer of every feature; with per-feature ranges (<see cref="Features"/>), the unit
    /// quantizer of the normalized inputs the first layer compiles against (its bits are every feature's bits).
    /// </summary>
    public required UniformQuantizer Input { get; init; }

    /// <summary>Per-feature client-side quantizers when the model declares per-feature input ranges; else null.</summary>
    public EquatableArray<UniformQuantizer>? Features { get; init; }

    /// <summary>The client-side quantizer of input feature <paramref name="feature"/>.</summary>
    public UniformQuantizer InputQuantizer(int feature) => Features is { } features ? features[feature] : Input;

    /// <summary>Number of inputs.</summary>
    public required int Inputs { get; init; }

    /// <summary>Number of outputs (the last layer's neurons).</summary>
    public int Outputs => Layers[Layers.Count - 1].Outputs;

    /// <summary>Per-TLU error probability (derived from <see cref="GlobalPError"/> when that was given).</summary>
    public required double PError { get; init; }

    /// <summary>The whole circuit's error probability, when the model stated it instead of a per-TLU value.</summary>
    public double? GlobalPError { get; init; }

    /// <summary>All bootstrappings: table lookups plus those exact rounding adds.</summary>
    public int TotalPbsCount
    {
        get
        {
            int n = 0;
            foreach (var l in Layers) n += l.PbsCount + l.RoundingPbsCount;
            return n;
        }
    }

    /// <summary>
    /// The per-TLU error probability that gives a circuit of <paramref name="pbsCount"/> bootstrappings a global error
    /// probability of <paramref name="globalPError"/>: <c>1 - (1 - g)^(1/N)</c>, computed without cancellation.
    /// </summary>
    public static double PerTluPError(double globalPError, int pbsCount)
        => pbsCount <= 1 ? globalPError : -Expm1(Log1p(-globalPError) / pbsCount);

    /// <summary>
    /// The inverse of <see cref="PerTluPError"/>: the smallest global error probability whose per-TLU share over
    /// <paramref name="pbsCount"/> bootstrappings is at least <paramref name="perTluPError"/>, <c>1 - (1 - p)^N</c>.
    /// </summary>
    public static double GlobalPErrorFor(double perTluPError, int pbsCount)
    {
        if (pbsCount <= 1) return perTluPError;
        double g = Math.Min(1, -Expm1(pbsCount * Log1p(-perTluPError)));
        // The closed form may land an ulp or two low after the round trip; step up until the share is reached.
        while (g < 1 && PerTluPError(g, pbsCount) < perTluPError) g = Math.Min(1, g * (1 + 1e-15));
        return g;
    }

    // netstandard2.0 has neither Math.Log1P nor Math.Expm1; these are the classic cancellation-free forms
    // (Goldberg / Kahan), accurate to a few ulps for tiny arguments.
    private static double Log1p(double x)
    {
        double u = 1 + x;
        return u == 1 ? x : Math.Log(u) * x / (u - 1);
    }

    private static double Expm1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1) return x;
        double um1 = u - 1;
        return um1 == -1 ? -1 : um1 * x / Math.Log(u);
    }

    /// <summary>PBS budget in bits.</summary>
    public required int BudgetBits { get; init; }

    /// <summary>Layers in evaluation order; the last one has no TLU.</summary>
    public required EquatableArray<LayerPlan> Layers { get; init; }

    /// <summary>Distinct lookup tables; layers refer to them by index (empty when compiled without tables).</summary>
    public required EquatableArray<TablePlan> Tables { get; init; }

    /// <summary>Total number of programmable bootstrappings (non-constant TLUs).</summary>
    public int PbsCount
    {
        get
        {
            int n = 0;
            foreach (var l in Layers) n += l.PbsCount;
            return n;
        }
    }

    /// <summary>A short description (the record's default would print every member, and fail on a plan without layers).</summary>
    public override string ToString() => $"CircuitPlan {Name}: {Inputs} inputs, {Layers.Count} layers, {Tables.Count} tables";

    /// <summary>Widest TLU input of the circuit (0 when there is no TLU).</summary>
    public int MaxTluInputBits
    {
        get
        {
            int n = 0;
            foreach (var l in Layers)
            {
                if (!l.IsOutput && l.TluInputBits > n) n = l.TluInputBits;
            }
            return n;
        }
    }
}

/// <summary>One dense layer of the integer circuit.</summary>
/// <remarks>
/// The facts every reader of a layer needs (which neurons are evaluated, their tables, the weight count, the PBS count)
/// are derived once, when <see cref="Neurons"/> is set, so the emitter, the interpreter and <c>CircuitInfo</c> read the
/// same answer instead of each re-deriving it.
/// </remarks>
public sealed record LayerPlan
{
    private readonly EquatableArray<NeuronPlan> _neurons;
    private readonly NeuronFacts _facts = NeuronFacts.Empty;

    /// <summary>Hidden neurons with weights whose output level cannot change over their range, folded into constants (no PBS).</summary>
    public int FoldedNeurons { get; init; }

    /// <summary>Hidden neurons with weights that the next layer does not read, evaluated as constants (no PBS).</summary>
    public int UnreadNeurons { get; init; }

    /// <summary>Layer name.</summary>
    public required string Name { get; init; }

    /// <summary>Position in the circuit.</summary>
    public required int Index { get; init; }

    /// <summary>True for the last layer: no TLU, its accumulators are the circuit's outputs.</summary>
    public required bool IsOutput { get; init; }

    /// <summary>Activation (applied client side, in float, for the output layer).</summary>
    public required ActivationKind Activation { get; init; }

    /// <summary>The integer domain of this layer's inputs.</summary>
    public required UniformQuantizer Input { get; init; }

    /// <summary>Number of inputs.</summary>
    public required int Inputs { get; init; }

    /// <summary>Number of neurons.</summary>
    public int Outputs => _neurons.Count;

    /// <summary>Weight bits.</summary>
    public required int WeightBits { get; init; }

    /// <summary>Activation (TLU output) bits; for the output layer, the value is not used.</summary>
    public required int ActivationBits { get; init; }

    /// <summary>Whether each neuron has its own weight scale.</summary>
    public required bool PerChannel { get; init; }

    /// <summary>Unstructured pruning applied, if any.</summary>
    public int? MaxActiveInputs { get; init; }

    /// <summary>The neurons.</summary>
    public required EquatableArray<NeuronPlan> Neurons
    {
        get => _neurons;
        init
        {
            _neurons = value;
            _facts = NeuronFacts.Of(value);
        }
    }

    /// <summary>
    /// The neurons that are evaluated, ascending: every neuron of the output layer, the non-constant ones of a TLU
    /// layer (constant neurons are <see cref="ConstantNeurons"/>). Their accumulators form the layer's one round and
    /// lookup batch, in this order.
    /// </summary>
    public EquatableArray<int> ActiveNeurons => IsOutput ? _facts.All : _facts.NonConstant;

    /// <summary>The constant neurons of a TLU layer, ascending (their output is <see cref="NeuronPlan.ConstantOutput"/>); empty for the output layer.</summary>
    public EquatableArray<int> ConstantNeurons => IsOutput ? EquatableArray<int>.Empty : _facts.Constant;

    /// <summary>
    /// The table each of <see cref="ActiveNeurons"/> looks up (an index into <see cref="CircuitPlan.Tables"/>, parallel
    /// to it); empty for the output layer and when compiled without tables.
    /// </summary>
    public EquatableArray<int> ActiveTables => IsOutput ? EquatableArray<int>.Empty : _facts.NonConstantTables;

    /// <summary>Weight scale of each neuron (all equal when per-tensor).</summary>
    public required EquatableArray<double> WeightScales { get; init; }
    /// <summary>Real value of one accumulator unit of neuron <paramref name="neuron"/>.</summary>
    public double AccumulatorScale(int neuron) => WeightScales[neuron] * Input.Scale;

    /// <summary>
    /// Smallest accumulator value over all inputs and the neurons that feed a TLU (all neurons of the output
    /// layer); constant neurons of a TLU layer need no TLU and are left out (0 when every neuron is constant).
    /// </summary>
    public required long AccumulatorMin { get; init; }

    /// <summary>Largest accumulator value, over the same neurons as <see cref="AccumulatorMin"/>.</summary>
    public required long AccumulatorMax { get; init; }

    /// <summary>Bits that hold <c>[AccumulatorMin, AccumulatorMax]</c>.</summary>
    public required int AccumulatorBits { get; init; }

    /// <summary>Low bits removed by rounding before the TLU (0: none).</summary>
    public required int RoundedBits { get; init; }

    /// <summary>
    /// True when one more low bit than <c>AccumulatorBits - Bits</c> was removed, because rounding the top of
    /// the range up would otherwise need one more bit than requested.
    /// </summary>
    public bool RoundedExtraBit { get; init; }

    /// <summary>How the accumulator is rounded (meaningful when <see cref="RoundedBits"/> is positive).</summary>
    public RoundingKind RoundingMethod { get; init; } = RoundingKind.Exact;

    /// <summary>
    /// Bootstrappings that exact rounding adds under TFHE, per non-constant neuron
    /// <see cref="ExactRounding.PbsPerNeuron"/> (two for up to <c>TluInputBits + 1</c> removed bits, one for a single
    /// bit). Approximate rounding adds none.
    /// </summary>
    public int RoundingPbsCount => RoundedBits > 0 && RoundingMethod == RoundingKind.Exact ? ExactRounding.PbsPerNeuron(RoundedBits, TluInputBits) * PbsCount : 0;

    /// <summary>Smallest TLU input (after rounding).</summary>
    public required long TluInputMin { get; init; }

    /// <summary>Largest TLU input (after rounding).</summary>
    public required long TluInputMax { get; init; }

    /// <summary>Bits of the TLU input (after rounding); for the output layer, the accumulator bits.</summary>
    public required int TluInputBits { get; init; }

    /// <summary>Requantizer of the activation output (null for the output layer).</summary>
    public UniformQuantizer? Output { get; init; }

    /// <summary>Number of non-zero weights.</summary>
    public int ActiveWeights => _facts.Weights;

    /// <summary>Number of PBS: one per neuron whose accumulator is not constant; none for the output layer.</summary>
    public int PbsCount => IsOutput ? 0 : _facts.NonConstant.Count;

    /// <summary>What <see cref="Neurons"/> alone decides; value-equatable, so the record's equality is unaffected.</summary>
    private sealed record NeuronFacts(EquatableArray<int> All, EquatableArray<int> NonConstant, EquatableArray<int> Constant,
        EquatableArray<int> NonConstantTables, int Weights)
    {
        public static readonly NeuronFacts Empty = new(EquatableArray<int>.Empty, EquatableArray<int>.Empty, EquatableArray<int>.Empty, EquatableArray<int>.Empty, 0);

        public static NeuronFacts Of(EquatableArray<NeuronPlan> neurons)
        {
            var all = new int[neurons.Count];
            var nonConstant = new List<int>(neurons.Count);
            var constant = new List<int>();
            var tables = new List<int>(neurons.Count);
            int weights = 0;
            for (int j = 0; j < all.Length; j++)
            {
                var n = neurons[j];
                all[j] = j;
                weights += n.Weights.Count;
                if (n.IsConstant)
                {
                    constant.Add(j);
                    continue;
                }
                nonConstant.Add(j);
                // Tables are -1 when compiled without them (analysis) and on the output layer; no batch reads them then.
                if (n.Table >= 0) tables.Add(n.Table);
            }
            var nonConstantTables = tables.Count == nonConstant.Count ? tables.ToArray() : Array.Empty<int>();
            return new NeuronFacts(new EquatableArray<int>(all), new EquatableArray<int>(nonConstant.ToArray()),
                new EquatableArray<int>(constant.ToArray()), new EquatableArray<int>(nonConstantTables), weights);
        }
    }
}

/// <summary>One neuron: a sparse integer dot product plus bias, then (unless output) a TLU.</summary>
public sealed record NeuronPlan
{
    /// <summary>Indices of the inputs with a non-zero weight, ascending.</summary>
    public required EquatableArray<int> InputIndices { get; init; }

    /// <summary>The non-zero integer weights, parallel to <see cref="InputIndices"/>.</summary>
    public required EquatableArray<long> Weights { get; init; }

    /// <summary>Integer bias (includes the input offset's contribution).</summary>
    public required long Bias { get; init; }

    /// <summary>Exact smallest accumulator over the input box.</summary>
    public required long AccumulatorMin { get; init; }

    /// <summary>Exact largest accumulator over the input box.</summary>
    public required long AccumulatorMax { get; init; }

    /// <summary>Index into <see cref="CircuitPlan.Tables"/>, or -1 for output neurons (and before tabulation).</summary>
    public int Table { get; init; } = -1;

    /// <summary>
    /// For a constant neuron of a TLU layer: its activation output, computed exactly from the unrounded bias
    /// (no TLU runs, so no rounding applies).
    /// </summary>
    public long ConstantOutput { get; init; }

    /// <summary>True when no weight survives: the accumulator is the bias and no PBS is needed.</summary>
    public bool IsConstant => Weights.Count == 0;

    /// <summary>A neuron without weights: its accumulator is <paramref name="bias"/>.</summary>
    public static NeuronPlan Constant(long bias) => new NeuronPlan
    {
        InputIndices = EquatableArray<int>.Empty,
        Weights = EquatableArray<long>.Empty,
        Bias = bias,
        AccumulatorMin = bias,
        AccumulatorMax = bias,
    };
}

/// <summary>A lookup table over the rounded accumulator: <c>T[x - InputMin]</c>.</summary>
public sealed record TablePlan
{
    /// <summary>Position in <see cref="CircuitPlan.Tables"/>.</summary>
    public required int Index { get; init; }

    /// <summary>The TLU input that maps to entry 0.</summary>
    public required long InputMin { get; init; }

    /// <summary>Entries for inputs <c>InputMin .. InputMin + Entries.Count - 1</c>.</summary>
    public required EquatableArray<long> Entries { get; init; }

    /// <summary>Bits of the outputs (the activation bits).</summary>
    public required int OutputBits { get; init; }

    /// <summary>Bits of the table's input domain <c>[InputMin, InputMin + Entries.Count - 1]</c> (what a backend's lookup reads).</summary>
    public int InputBits => IntegerRange.BitsFor(InputMin, InputMin + Entries.Count - 1);

    /// <summary>Looks up <paramref name="x"/>, which must lie in the table's domain.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="x"/> lies outside the domain.</exception>
    public long Lookup(long x)
    {
        long i = x - InputMin;
        if (i < 0 || i >= Entries.Count) throw new ArgumentOutOfRangeException(nameof(x), x, "The input lies outside the table's domain.");
        return Entries[(int)i];
    }
}
