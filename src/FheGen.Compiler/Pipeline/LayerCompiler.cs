using System;
using System.Collections.Generic;
using FheGen.Compiler.Bounds;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Pipeline;

/// <summary>
/// Compiles one dense layer: prune, quantize, bound, round, tabulate. Kept separate from the circuit loop
/// so the budget advisor can recompile a single layer under other settings cheaply.
/// </summary>
public static class LayerCompiler
{
    /// <summary>Compiles layer <paramref name="index"/> of <paramref name="spec"/>.</summary>
    /// <param name="spec">A validated spec.</param>
    /// <param name="index">The layer.</param>
    /// <param name="settings">Its effective settings.</param>
    /// <param name="input">The integer domain of its inputs.</param>
    /// <param name="tables">Where tables are interned; null to skip tabulation (analysis only).</param>
    public static LayerPlan Compile(ModelSpec spec, int index, LayerSettings settings, UniformQuantizer input, TableRegistry? tables)
    {
        var layer = spec.Layers[index];
        bool isOutput = index == spec.Layers.Count - 1;
        int inputs = index == 0 ? spec.Inputs : spec.Layers[index - 1].Outputs;
        int outputs = layer.Outputs;
        var (weights, offsets) = InputDomain.LayerWeights(spec, index);
        float[]? bias = layer.Bias.Count > 0 ? layer.Bias.Items : null;

        bool[] keep = Prune(weights, outputs, inputs, settings.MaxActiveInputs);
        double[] scales = WeightScales(weights, keep, outputs, inputs, settings.WeightBits, settings.PerChannel);

        var neurons = new NeuronPlan[outputs];
        long qmax = input.MaxLevel;
        long layerMin = long.MaxValue, layerMax = long.MinValue;
        var indices = new List<int>(inputs);
        var values = new List<long>(inputs);
        for (int j = 0; j < outputs; j++)
        {
            indices.Clear();
            values.Clear();
            long sumPositive = 0, sumNegative = 0, sumAll = 0;
            double featureOffsets = 0;
            for (int i = 0; i < inputs; i++)
            {
                int k = j * inputs + i;
                if (!keep[k]) continue;
                long q = WeightQuantizer.Quantize(weights[k], scales[j], settings.WeightBits);
                if (q == 0) continue;
                indices.Add(i);
                values.Add(q);
                sumAll += q;
                if (q > 0) sumPositive += q; else sumNegative += q;
            }
            if (offsets is not null) featureOffsets = FeatureOffsetUnits(weights, keep, j, inputs, scales[j], settings.WeightBits, offsets);
            // Real pre-activation = s_w s_x (sum q_w q_x) + offset_x s_w (sum q_w) + b; divide by s_w s_x to
            // fold the input offset and the bias into one integer constant.
            long bq = IntegerBias(layer.Name, j, bias is null ? 0.0 : bias[j], input, scales[j], sumAll, featureOffsets);
            // Inputs lie in [0, qmax]: a positive weight peaks at qmax and bottoms at 0, a negative one the reverse.
            long accMin = checked(bq + sumNegative * qmax);
            long accMax = checked(bq + sumPositive * qmax);
            neurons[j] = new NeuronPlan
            {
                InputIndices = new EquatableArray<int>(indices.ToArray()),
                Weights = new EquatableArray<long>(values.ToArray()),
                Bias = bq,
                AccumulatorMin = accMin,
                AccumulatorMax = accMax,
            };
        }

        // The output quantizer comes before the layer's range: it decides which neurons are constant.
        // Unread neurons still count here, so the next layer's input domain does not depend on what it reads.
        var output = isOutput ? null : OutputQuantizer(layer, settings, neurons, scales, input);
        int folded = 0, unread = 0;
        for (int j = 0; j < outputs; j++)
        {
            var n = neurons[j];
            if (output is not null && !n.IsConstant)
            {
                // A constant output counts as folded whether read or not: the counts depend on this layer alone.
                bool isConstant = IsConstantOutput(layer.Activation, output, scales[j] * input.Scale, n.AccumulatorMin, n.AccumulatorMax);
                if (isConstant || settings.IsUnread(j))
                {
                    if (isConstant) folded++; else unread++;
                    neurons[j] = n = NeuronPlan.Constant(n.Bias);
                }
            }
            // A TLU layer's constant neurons need no TLU: their bias must not widen it.
            if (isOutput || !n.IsConstant)
            {
                layerMin = Math.Min(layerMin, n.AccumulatorMin);
                layerMax = Math.Max(layerMax, n.AccumulatorMax);
            }
        }
        if (layerMin > layerMax)
        {
            // Every neuron is constant: there is no TLU input at all.
            layerMin = layerMax = 0;
        }

        int accBits = IntegerRange.BitsFor(layerMin, layerMax);
        // The output layer has no TLU: its "TLU input" is the accumulator itself, unrounded.
        var rounding = isOutput ? new RoundingChoice(0, false) : RoundingPlanner.Plan(layerMin, layerMax, settings.RoundBits);
        long tluMin = isOutput ? layerMin : AccumulatorRounding.RoundExact(layerMin, rounding.Lsbs);
        long tluMax = isOutput ? layerMax : AccumulatorRounding.RoundExact(layerMax, rounding.Lsbs);
        int tluBits = IntegerRange.BitsFor(tluMin, tluMax);

        if (!isOutput && tables is not null && tluBits <= ModelSpec.HardLimitBits)
        {
            Tabulate(layer, neurons, scales, input, rounding.Lsbs, tluMin, tluMax, output!, tables);
        }
        return new LayerPlan
        {
            Name = layer.Name,
            Index = index,
            IsOutput = isOutput,
            Activation = layer.Activation,
            Input = input,
            Inputs = inputs,
            WeightBits = settings.WeightBits,
            ActivationBits = settings.ActivationBits,
            PerChannel = settings.PerChannel,
            MaxActiveInputs = settings.MaxActiveInputs,
            Neurons = new EquatableArray<NeuronPlan>(neurons),
            WeightScales = new EquatableArray<double>(scales),
            AccumulatorMin = layerMin,
            AccumulatorMax = layerMax,
            AccumulatorBits = accBits,
            RoundedBits = rounding.Lsbs,
            RoundedExtraBit = rounding.ExtraBit,
            // The output layer keeps the default (Exact), as it always has: with no bits removed it is never read.
            RoundingMethod = isOutput ? RoundingKind.Exact : settings.RoundMethod,
            TluInputMin = tluMin,
            TluInputMax = tluMax,
            TluInputBits = tluBits,
            Output = output,
            FoldedNeurons = folded,
            UnreadNeurons = unread,
        };
    }

    /// <summary>
    /// Whether a neuron's output level is the same over its whole accumulator range: a dead ReLU (its largest
    /// accumulator still negative), or weights too small to move the output by one level. Activations and the
    /// quantizer are nondecreasing, so the two ends decide. Such a neuron is folded into that constant: it costs no
    /// PBS and does not widen the layer's TLU. Without the fold a dying neuron is costly twice over: per-channel, its
    /// shrinking weights shrink its scale, its bias grows in integer units without bound, and the rounding that
    /// fits the widened layer into its TLU takes precision from every live neuron.
    /// </summary>
    internal static bool IsConstantOutput(ActivationKind activation, UniformQuantizer output, double scale, long accMin, long accMax) =>
        output.Quantize(Activations.Apply(activation, scale * accMin)) == output.Quantize(Activations.Apply(activation, scale * accMax));

    /// <summary>
    /// Which inputs of layer <paramref name="index"/> some neuron reads: a weight that survives pruning and quantizes
    /// to a nonzero integer. It depends on the layer's weights and settings only (not on its input domain or on
    /// which of its neurons fold), so it is known before anything is compiled and stays fixed while the budget
    /// advisor varies the layer before.
    /// </summary>
    public static bool[] ReadInputs(ModelSpec spec, int index, LayerSettings settings)
    {
        var layer = spec.Layers[index];
        int inputs = index == 0 ? spec.Inputs : spec.Layers[index - 1].Outputs;
        float[] weights = InputDomain.LayerWeights(spec, index).Weights;
        bool[] keep = Prune(weights, layer.Outputs, inputs, settings.MaxActiveInputs);
        double[] scales = WeightScales(weights, keep, layer.Outputs, inputs, settings.WeightBits, settings.PerChannel);
        var read = new bool[inputs];
        for (int j = 0; j < layer.Outputs; j++)
        {
            for (int i = 0; i < inputs; i++)
            {
                int k = j * inputs + i;
                if (keep[k] && WeightQuantizer.Quantize(weights[k], scales[j], settings.WeightBits) != 0) read[i] = true;
            }
        }
        return read;
    }

    /// <summary>
    /// The integer bias of a neuron. Real pre-activation = s_w s_x (sum q_w q_x) + offset_x s_w (sum q_w) + b;
    /// dividing by s_w s_x folds the input offset and the bias into one integer constant. Per-feature input ranges
    /// add <c>s_w sum(q_i min_i / r_i)</c>, given as <paramref name="featureOffsets"/> = <c>sum(q_i min_i / r_i)</c>
    /// (<see cref="InputDomain"/>; zero, which changes nothing, otherwise).
    /// </summary>
    public static long IntegerBias(string layer, int neuron, double bias, UniformQuantizer input, double weightScale, long sumWeights,
        double featureOffsets = 0)
    {
        double units = (bias + input.Offset * weightScale * sumWeights + weightScale * featureOffsets) / (weightScale * input.Scale);
        if (double.IsNaN(units) || Math.Abs(units) > 1e15)
        {
            throw new CircuitCompilationException($"layer '{layer}': bias of neuron {neuron} does not fit the integer accumulator ({units:R} units)");
        }
        return (long)WeightQuantizer.RoundHalfAway(units);
    }

    /// <summary>
    /// <c>sum(q_i min_i / r_i)</c> over neuron <paramref name="row"/>'s kept inputs (<see cref="IntegerBias"/>), summed in
    /// <see cref="MagnitudeOrder"/>: the order in which pruning keeps inputs, so the budget advisor gets every
    /// <c>MaxActiveInputs</c>'s sum bit for bit as a running prefix instead of re-summing per candidate.
    /// </summary>
    internal static double FeatureOffsetUnits(float[] weights, bool[] keep, int row, int inputs, double scale, int weightBits, double[] offsets)
    {
        double sum = 0;
        foreach (int i in MagnitudeOrder(weights, row, inputs))
        {
            int k = row * inputs + i;
            if (keep[k]) sum += WeightQuantizer.Quantize(weights[k], scale, weightBits) * offsets[i];
        }
        return sum;
    }

    /// <summary>Input indices of row <paramref name="row"/> by decreasing weight magnitude, ties to the lower index.</summary>
    public static int[] MagnitudeOrder(IReadOnlyList<float> weights, int row, int inputs)
    {
        var order = new int[inputs];
        var magnitudes = new float[inputs];
        for (int i = 0; i < inputs; i++)
        {
            order[i] = i;
            magnitudes[i] = Math.Abs(weights[row * inputs + i]);
        }
        Array.Sort(order, (a, b) =>
        {
            int c = magnitudes[b].CompareTo(magnitudes[a]);
            return c != 0 ? c : a.CompareTo(b);
        });
        return order;
    }

    /// <summary>
    /// Unstructured pruning mask: per neuron, the <paramref name="maxActive"/> weights of largest magnitude
    /// (ties to the lower index, so the result does not depend on sort stability).
    /// </summary>
    public static bool[] Prune(IReadOnlyList<float> weights, int outputs, int inputs, int? maxActive)
    {
        var keep = new bool[outputs * inputs];
        if (maxActive is not int k || k >= inputs)
        {
            for (int i = 0; i < keep.Length; i++) keep[i] = true;
            return keep;
        }
        for (int j = 0; j < outputs; j++)
        {
            var order = MagnitudeOrder(weights, j, inputs);
            for (int r = 0; r < k; r++) keep[j * inputs + order[r]] = true;
        }
        return keep;
    }

    /// <summary>float32's relative resolution, 2^-24: smaller weights are indistinguishable from zero beside the largest.</summary>
    private const double FloatNoise = 1.0 / (1 << 24);

    /// <summary>Per-neuron weight scales (one shared value unless per-channel), from the kept weights.</summary>
    public static double[] WeightScales(IReadOnlyList<float> weights, bool[] keep, int outputs, int inputs, int bits, bool perChannel)
    {
        var scales = new double[outputs];
        double globalMax = 0;
        for (int j = 0; j < outputs; j++)
        {
            double rowMax = 0;
            for (int i = 0; i < inputs; i++)
            {
                int k = j * inputs + i;
                if (keep[k]) rowMax = Math.Max(rowMax, Math.Abs((double)weights[k]));
            }
            scales[j] = rowMax;
            globalMax = Math.Max(globalMax, rowMax);
        }
        for (int j = 0; j < outputs; j++)
        {
            // A per-channel row whose largest weight is below float32 resolution relative to the layer's largest
            // is float noise (a dead neuron after training, weights ~1e-21): scaling it up to full range would
            // turn its bias into ~1e20 integer units. It quantizes to zero, as it would per-tensor.
            double rowMax = perChannel ? (scales[j] >= globalMax * FloatNoise ? scales[j] : 0) : globalMax;
            scales[j] = WeightQuantizer.ScaleFor(rowMax, bits);
        }
        return scales;
    }

    /// <summary>
    /// A hidden layer's output quantizer: the calibrated range when given, else every activation its neurons'
    /// accumulator bounds allow (<paramref name="accMin"/>[j], <paramref name="accMax"/>[j], constant neurons included).
    /// </summary>
    internal static UniformQuantizer OutputQuantizer(ActivationKind activation, LayerSettings settings, long[] accMin, long[] accMax,
        double[] scales, double inputScale)
    {
        if (settings.OutputMin is double lo && settings.OutputMax is double hi)
        {
            return UniformQuantizer.ForRange(settings.ActivationBits, lo, hi);
        }
        // Without calibration, cover every pre-activation the bounds allow; activations are monotone, so
        // the ends of the pre-activation interval give the ends of the output interval.
        double zMin = double.MaxValue, zMax = double.MinValue;
        for (int j = 0; j < accMin.Length; j++)
        {
            double s = scales[j] * inputScale;
            zMin = Math.Min(zMin, s * accMin[j]);
            zMax = Math.Max(zMax, s * accMax[j]);
        }
        return UniformQuantizer.ForRange(settings.ActivationBits, Activations.Apply(activation, zMin), Activations.Apply(activation, zMax));
    }

    private static UniformQuantizer OutputQuantizer(LayerSpec layer, LayerSettings settings, NeuronPlan[] neurons, double[] scales, UniformQuantizer input)
    {
        var accMin = new long[neurons.Length];
        var accMax = new long[neurons.Length];
        for (int j = 0; j < neurons.Length; j++)
        {
            accMin[j] = neurons[j].AccumulatorMin;
            accMax[j] = neurons[j].AccumulatorMax;
        }
        return OutputQuantizer(layer.Activation, settings, accMin, accMax, scales, input.Scale);
    }

    private static void Tabulate(LayerSpec layer, NeuronPlan[] neurons, double[] scales, UniformQuantizer input, int lsbs,
        long tluMin, long tluMax, UniformQuantizer output, TableRegistry tables)
    {
        int size = checked((int)(tluMax - tluMin + 1));
        double step = Math.Pow(2, lsbs);
        double? lastScale = null;
        int lastTable = -1;
        for (int j = 0; j < neurons.Length; j++)
        {
            double s = scales[j] * input.Scale;
            // Per-tensor layers have one scale: build its table once.
            if (lastScale != s)
            {
                var entries = new long[size];
                for (int e = 0; e < size; e++)
                {
                    double z = s * ((tluMin + e) * step);
                    entries[e] = output.Quantize(Activations.Apply(layer.Activation, z));
                }
                lastTable = tables.Intern(tluMin, entries, output.Bits);
                lastScale = s;
            }
            var n = neurons[j];
            long constant = n.IsConstant ? output.Quantize(Activations.Apply(layer.Activation, s * n.Bias)) : 0;
            neurons[j] = n with { Table = lastTable, ConstantOutput = constant };
        }
    }
}

/// <summary>The rounding chosen for one layer.</summary>
/// <param name="Lsbs">Low bits removed (0 for none).</param>
/// <param name="ExtraBit">Whether one bit beyond <c>L - P</c> was removed to absorb the top-of-range carry.</param>
public readonly record struct RoundingChoice(int Lsbs, bool ExtraBit);

/// <summary>Chooses how many LSBs to remove so a TLU input fits a requested width.</summary>
public static class RoundingPlanner
{
    /// <summary>
    /// For an accumulator in <c>[min, max]</c> of <c>L</c> bits and a requested TLU width <c>P</c>: remove the fewest
    /// LSBs <c>t</c> such that the rounded range fits <c>P</c> bits. That is the README's <c>t = L - P</c>, or one more
    /// when rounding the top up carries into a new bit (255 rounds to 64 with t = 2), or occasionally one fewer when
    /// the width comes from a negative minimum that rounding shrinks ([-5, 0] fits 2 bits after one LSB).
    /// </summary>
    public static RoundingChoice Plan(long min, long max, int? bits)
    {
        if (bits is not int p) return new RoundingChoice(0, false);
        int l = IntegerRange.BitsFor(min, max);
        if (l <= p) return new RoundingChoice(0, false);
        // Fewer than L - P - 1 LSBs never fit: rounding by t shrinks a magnitude by at most a factor 2^(t+1).
        int t = Math.Max(1, l - p - 1);
        while (t < 62 && IntegerRange.BitsFor(AccumulatorRounding.RoundExact(min, t), AccumulatorRounding.RoundExact(max, t)) > p) t++;
        return new RoundingChoice(t, t > l - p);
    }
}

/// <summary>Interns lookup tables so identical ones are stored once.</summary>
public sealed class TableRegistry
{
    private readonly List<TablePlan> _tables = new List<TablePlan>();
    private readonly Dictionary<string, int> _index = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>The distinct tables so far.</summary>
    public IReadOnlyList<TablePlan> Tables => _tables;

    /// <summary>Returns the index of an identical table, adding it first if new.</summary>
    public int Intern(long inputMin, long[] entries, int outputBits)
    {
        string key = inputMin + ":" + outputBits + ":" + string.Join(",", entries);
        if (_index.TryGetValue(key, out int found)) return found;
        int id = _tables.Count;
        _tables.Add(new TablePlan { Index = id, InputMin = inputMin, Entries = new EquatableArray<long>(entries), OutputBits = outputBits });
        _index.Add(key, id);
        return id;
    }
}

/// <summary>A spec that passed validation still cannot be compiled (a numeric limit was exceeded).</summary>
public sealed class CircuitCompilationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public CircuitCompilationException(string message) : base(message) { }
}
