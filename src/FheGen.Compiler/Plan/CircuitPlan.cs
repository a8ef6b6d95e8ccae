using System;
using System.Collections.Generic;
using FheGen.Compiler.Model;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Plan;

/// <summary>
/// The compiled integer circuit: what the emitter unrolls and the interpreter evaluates. Every number in
/// it is exact; floats survive only in the quantizers at the edges and inside table construction.
/// </summary>
public sealed class CircuitPlan
{
    /// <summary>Creates a plan.</summary>
    public CircuitPlan(string name, UniformQuantizer input, int inputs, double pError, int budgetBits,
        IReadOnlyList<LayerPlan> layers, IReadOnlyList<TablePlan> tables)
    {
        Name = name;
        Input = input;
        Inputs = inputs;
        PError = pError;
        BudgetBits = budgetBits;
        Layers = layers;
        Tables = tables;
    }

    /// <summary>Model name.</summary>
    public string Name { get; }

    /// <summary>
    /// Client-side input quantizer of every feature; with per-feature ranges (<see cref="Features"/>), the unit
    /// quantizer of the normalized inputs the first layer compiles against (its bits are every feature's bits).
    /// </summary>
    public UniformQuantizer Input { get; }

    /// <summary>Per-feature client-side quantizers when the model declares per-feature input ranges; else null.</summary>
    public IReadOnlyList<UniformQuantizer>? Features { get; init; }

    /// <summary>The client-side quantizer of input feature <paramref name="feature"/>.</summary>
    public UniformQuantizer InputQuantizer(int feature) => Features is null ? Input : Features[feature];

    /// <summary>Number of inputs.</summary>
    public int Inputs { get; }

    /// <summary>Number of outputs (the last layer's neurons).</summary>
    public int Outputs => Layers[Layers.Count - 1].Outputs;

    /// <summary>Per-TLU error probability (derived from <see cref="GlobalPError"/> when that was given).</summary>
    public double PError { get; }

    /// <summary>The whole circuit's error probability, when the model stated it instead of a per-TLU value.</summary>
    public double? GlobalPError { get; internal set; }

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
    public int BudgetBits { get; }

    /// <summary>Layers in evaluation order; the last one has no TLU.</summary>
    public IReadOnlyList<LayerPlan> Layers { get; }

    /// <summary>Distinct lookup tables; layers refer to them by index.</summary>
    public IReadOnlyList<TablePlan> Tables { get; }

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
public sealed class LayerPlan
{
    /// <summary>Hidden neurons with weights whose output level cannot change over their range, folded into constants (no PBS).</summary>
    public int FoldedNeurons { get; init; }

    /// <summary>Hidden neurons with weights that the next layer does not read, evaluated as constants (no PBS).</summary>
    public int UnreadNeurons { get; init; }

    /// <summary>Creates a layer plan.</summary>
    public LayerPlan(string name, int index, bool isOutput, ActivationKind activation, UniformQuantizer input,
        int inputs, int weightBits, int activationBits, bool perChannel, int? maxActiveInputs,
        IReadOnlyList<NeuronPlan> neurons, double[] weightScales,
        long accumulatorMin, long accumulatorMax, int accumulatorBits,
        int roundedBits, bool roundedExtraBit, long tluInputMin, long tluInputMax, int tluInputBits,
        UniformQuantizer? output, RoundingKind roundingMethod = RoundingKind.Exact)
    {
        RoundingMethod = roundingMethod;
        Name = name;
        Index = index;
        IsOutput = isOutput;
        Activation = activation;
        Input = input;
        Inputs = inputs;
        WeightBits = weightBits;
        ActivationBits = activationBits;
        PerChannel = perChannel;
        MaxActiveInputs = maxActiveInputs;
        Neurons = neurons;
        WeightScales = weightScales;
        AccumulatorMin = accumulatorMin;
        AccumulatorMax = accumulatorMax;
        AccumulatorBits = accumulatorBits;
        RoundedBits = roundedBits;
        RoundedExtraBit = roundedExtraBit;
        TluInputMin = tluInputMin;
        TluInputMax = tluInputMax;
        TluInputBits = tluInputBits;
        Output = output;
    }

    /// <summary>Layer name.</summary>
    public string Name { get; }

    /// <summary>Position in the circuit.</summary>
    public int Index { get; }

    /// <summary>True for the last layer: no TLU, its accumulators are the circuit's outputs.</summary>
    public bool IsOutput { get; }

    /// <summary>Activation (applied client side, in float, for the output layer).</summary>
    public ActivationKind Activation { get; }

    /// <summary>The integer domain of this layer's inputs.</summary>
    public UniformQuantizer Input { get; }

    /// <summary>Number of inputs.</summary>
    public int Inputs { get; }

    /// <summary>Number of neurons.</summary>
    public int Outputs => Neurons.Count;

    /// <summary>Weight bits.</summary>
    public int WeightBits { get; }

    /// <summary>Activation (TLU output) bits; for the output layer, the value is not used.</summary>
    public int ActivationBits { get; }

    /// <summary>Whether each neuron has its own weight scale.</summary>
    public bool PerChannel { get; }

    /// <summary>Unstructured pruning applied, if any.</summary>
    public int? MaxActiveInputs { get; }

    /// <summary>The neurons.</summary>
    public IReadOnlyList<NeuronPlan> Neurons { get; }

    /// <summary>Weight scale of each neuron (all equal when per-tensor).</summary>
    public double[] WeightScales { get; }

    /// <summary>Real value of one accumulator unit of neuron <paramref name="neuron"/>.</summary>
    public double AccumulatorScale(int neuron) => WeightScales[neuron] * Input.Scale;

    /// <summary>
    /// Smallest accumulator value over all inputs and the neurons that feed a TLU (all neurons of the output
    /// layer); constant neurons of a TLU layer need no TLU and are left out (0 when every neuron is constant).
    /// </summary>
    public long AccumulatorMin { get; }

    /// <summary>Largest accumulator value, over the same neurons as <see cref="AccumulatorMin"/>.</summary>
    public long AccumulatorMax { get; }

    /// <summary>Bits that hold <c>[AccumulatorMin, AccumulatorMax]</c>.</summary>
    public int AccumulatorBits { get; }

    /// <summary>Low bits removed by rounding before the TLU (0: none).</summary>
    public int RoundedBits { get; }

    /// <summary>
    /// True when one more low bit than <c>AccumulatorBits - Bits</c> was removed, because rounding the top of
    /// the range up would otherwise need one more bit than requested.
    /// </summary>
    public bool RoundedExtraBit { get; }

    /// <summary>How the accumulator is rounded (meaningful when <see cref="RoundedBits"/> is positive).</summary>
    public RoundingKind RoundingMethod { get; }

    /// <summary>
    /// Bootstrappings that exact rounding adds under TFHE, per non-constant neuron
    /// <see cref="ExactRounding.PbsPerNeuron"/> (two for up to <c>TluInputBits + 1</c> removed bits, one for a single
    /// bit). Approximate rounding adds none.
    /// </summary>
    public int RoundingPbsCount => RoundedBits > 0 && RoundingMethod == RoundingKind.Exact ? ExactRounding.PbsPerNeuron(RoundedBits, TluInputBits) * PbsCount : 0;

    /// <summary>Smallest TLU input (after rounding).</summary>
    public long TluInputMin { get; }

    /// <summary>Largest TLU input (after rounding).</summary>
    public long TluInputMax { get; }

    /// <summary>Bits of the TLU input (after rounding); for the output layer, the accumulator bits.</summary>
    public int TluInputBits { get; }

    /// <summary>Requantizer of the activation output (null for the output layer).</summary>
    public UniformQuantizer? Output { get; }

    /// <summary>Number of non-zero weights.</summary>
    public int ActiveWeights
    {
        get
        {
            int n = 0;
            foreach (var neuron in Neurons) n += neuron.Weights.Length;
            return n;
        }
    }

    /// <summary>Number of PBS: one per neuron whose accumulator is not constant; none for the output layer.</summary>
    public int PbsCount
    {
        get
        {
            if (IsOutput) return 0;
            int n = 0;
            foreach (var neuron in Neurons)
            {
                if (!neuron.IsConstant) n++;
            }
            return n;
        }
    }
}

/// <summary>One neuron: a sparse integer dot product plus bias, then (unless output) a TLU.</summary>
public sealed class NeuronPlan
{
    /// <summary>Creates a neuron plan.</summary>
    public NeuronPlan(int[] inputIndices, long[] weights, long bias, long accumulatorMin, long accumulatorMax, int table, long constantOutput = 0)
    {
        ConstantOutput = constantOutput;
        InputIndices = inputIndices;
        Weights = weights;
        Bias = bias;
        AccumulatorMin = accumulatorMin;
        AccumulatorMax = accumulatorMax;
        Table = table;
    }

    /// <summary>Indices of the inputs with a non-zero weight, ascending.</summary>
    public int[] InputIndices { get; }

    /// <summary>The non-zero integer weights, parallel to <see cref="InputIndices"/>.</summary>
    public long[] Weights { get; }

    /// <summary>Integer bias (includes the input offset's contribution).</summary>
    public long Bias { get; }

    /// <summary>Exact smallest accumulator over the input box.</summary>
    public long AccumulatorMin { get; }

    /// <summary>Exact largest accumulator over the input box.</summary>
    public long AccumulatorMax { get; }

    /// <summary>Index into <see cref="CircuitPlan.Tables"/>, or -1 for output neurons.</summary>
    public int Table { get; }

    /// <summary>
    /// For a constant neuron of a TLU layer: its activation output, computed exactly from the unrounded bias
    /// (no TLU runs, so no rounding applies).
    /// </summary>
    public long ConstantOutput { get; }

    /// <summary>True when no weight survives: the accumulator is the bias and no PBS is needed.</summary>
    public bool IsConstant => Weights.Length == 0;
}

/// <summary>A lookup table over the rounded accumulator: <c>T[x - InputMin]</c>.</summary>
public sealed class TablePlan
{
    /// <summary>Creates a table.</summary>
    public TablePlan(int index, long inputMin, long[] entries, int outputBits)
    {
        Index = index;
        InputMin = inputMin;
        Entries = entries;
        OutputBits = outputBits;
    }

    /// <summary>Position in <see cref="CircuitPlan.Tables"/>.</summary>
    public int Index { get; }

    /// <summary>The TLU input that maps to entry 0.</summary>
    public long InputMin { get; }

    /// <summary>Entries for inputs <c>InputMin .. InputMin + Entries.Length - 1</c>.</summary>
    public long[] Entries { get; }

    /// <summary>Bits of the outputs (the activation bits).</summary>
    public int OutputBits { get; }

    /// <summary>Looks up <paramref name="x"/>, which must lie in the table's domain.</summary>
    public long Lookup(long x) => Entries[x - InputMin];
}
