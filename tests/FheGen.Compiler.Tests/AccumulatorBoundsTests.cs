using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using CsCheck;
using FheGen.Compiler.Bounds;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Pipeline;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Tests;

/// <summary>
/// The key property: every layer's accumulator bounds are sound (never exceeded by any integer input) and tight
/// (reached by a corner of the input box), and every derived number (bits, rounding, tables) follows from them.
/// The plan is checked against an independent reading of the spec, not only against itself.
/// </summary>
public class AccumulatorBoundsTests
{
    /// <summary>The effective settings of a layer, resolved independently of <see cref="LayerSettings"/>.</summary>
    internal sealed record Expected(int WeightBits, int ActivationBits, bool PerChannel, int? MaxActive, int? RoundBits, double? OutMin, double? OutMax);

    internal static Expected ExpectedSettings(ModelSpec spec, int i)
    {
        string name = spec.Layers[i].Name;
        bool last = i == spec.Layers.Count - 1;
        var def = spec.Quantize.LastOrDefault(q => q.Layer is null);
        var own = spec.Quantize.LastOrDefault(q => q.Layer == name);
        int? prune = spec.Prune.LastOrDefault(p => p.Layer == name)?.MaxActiveInputs ?? spec.Prune.LastOrDefault(p => p.Layer is null)?.MaxActiveInputs;
        int? round = spec.Round.LastOrDefault(p => p.Layer == name)?.Bits ?? spec.Round.LastOrDefault(p => p.Layer is null)?.Bits;
        var layer = spec.Layers[i];
        double? lo = layer.OutputMin, hi = layer.OutputMax;
        var range = spec.Ranges.LastOrDefault(r => r.Layer == name);
        if (lo is null && range is not null) { lo = range.Min; hi = range.Max; }
        return new Expected(
            own?.WeightBits ?? def?.WeightBits ?? ModelDefaults.WeightBits,
            own?.ActivationBits ?? def?.ActivationBits ?? ModelDefaults.ActivationBits,
            own?.PerChannel ?? def?.PerChannel ?? false,
            prune, last ? null : round, lo, hi);
    }

    /// <summary>Per neuron: the kept inputs (top-k magnitudes, ties to the lower index).</summary>
    internal static bool[][] ExpectedKeep(float[] w, int outputs, int inputs, int? k)
    {
        var keep = new bool[outputs][];
        for (int j = 0; j < outputs; j++)
        {
            keep[j] = new bool[inputs];
            var order = Enumerable.Range(0, inputs).OrderByDescending(i => Math.Abs(w[j * inputs + i])).ThenBy(i => i).ToList();
            int count = k is int kk ? Math.Min(kk, inputs) : inputs;
            foreach (int i in order.Take(count)) keep[j][i] = true;
        }
        return keep;
    }

    private static int _compiled, _rejected;

    [Fact]
    public void Bounds_are_sound_and_tight_on_random_models()
    {
        _compiled = 0;
        _rejected = 0;
        RandomModels.ModelsWithSeed().Sample(t => Check(t.Spec, t.Seed), iter: 800);
        Assert.True(_compiled > 3 * _rejected, $"too few random models compile: {_compiled} compiled, {_rejected} over the hard limit");
    }

    internal static void Check(ModelSpec spec, int seed)
    {
        var result = CircuitCompiler.Compile(spec, CompileOptions.Generator);
        if (result.Plan is null)
        {
            // The only acceptable failures for a valid random spec are the hard limit and an integer bias beyond
            // 1e15 units (a neuron whose per-channel scale is tiny); check the former is justified.
            // Both may occur in one model (an over-wide layer followed by a layer with a huge bias): every error
            // must be one of the two, and every hard-limit error must be justified.
            var errors = result.Diagnostics.Where(d => d.Severity == Severity.Error).ToList();
            Assert.NotEmpty(errors);
            Assert.All(errors, d =>
            {
                if (d.Id == DiagnosticIds.InvalidAttribute) Assert.Contains("does not fit the integer accumulator", d.Message);
                else Assert.Equal(DiagnosticIds.OverHardLimit, d.Id);
            });
            var error = errors.FirstOrDefault(d => d.Id == DiagnosticIds.OverHardLimit);
            if (error is null)
            {
                Interlocked.Increment(ref _rejected);
                return;
            }
            var domain = ExpectedFirstDomain(spec);
            LayerPlan? failing = null;
            for (int i = 0; i <= error.Target.Index; i++)
            {
                failing = LayerCompiler.Compile(spec, i, LayerSettings.Resolve(spec, i), domain, null);
                domain = failing.Output ?? domain;
            }
            Assert.True(failing!.TluInputBits > ModelSpec.HardLimitBits, $"FHE0002 on a {failing.TluInputBits}-bit layer");
            Interlocked.Increment(ref _rejected);
            return;
        }
        Interlocked.Increment(ref _compiled);
        Assert.False(result.HasErrors);
        var plan = result.Plan;
        var rng = new Random(seed);
        Assert.Equal(spec.Layers.Count, plan.Layers.Count);
        Assert.Equal(ExpectedFirstDomain(spec), plan.Input);
        if (spec.HasFeatureRanges)
        {
            Assert.Equal(Enumerable.Range(0, spec.Inputs).Select(i => UniformQuantizer.ForRange(spec.InputBits, spec.FeatureMin[i], spec.FeatureMax[i])), plan.Features!);
        }
        else
        {
            Assert.Null(plan.Features);
        }

        for (int li = 0; li < plan.Layers.Count; li++)
        {
            var layer = plan.Layers[li];
            var layerSpec = spec.Layers[li];
            var expected = ExpectedSettings(spec, li);
            bool isOutput = li == plan.Layers.Count - 1;
            int inputs = li == 0 ? spec.Inputs : spec.Layers[li - 1].Outputs;
            Assert.Equal(isOutput, layer.IsOutput);
            Assert.Equal(li, layer.Index);
            Assert.Equal(inputs, layer.Inputs);
            Assert.Equal(layerSpec.Outputs, layer.Outputs);
            Assert.Equal(expected.WeightBits, layer.WeightBits);
            Assert.Equal(expected.PerChannel, layer.PerChannel);
            Assert.Equal(expected.MaxActive, layer.MaxActiveInputs);
            if (!isOutput) Assert.Equal(expected.ActivationBits, layer.ActivationBits);
            Assert.Equal(li == 0 ? plan.Input : plan.Layers[li - 1].Output, layer.Input);

            var unfolded = CheckQuantizedWeights(layer, layerSpec, expected, inputs, li == 0 ? ExpectedFirstWeights(spec) : null);
            // The next layer reads what its weights read after pruning and quantization, folded or not.
            var readByNext = isOutput ? new HashSet<int>() : new HashSet<int>(CheckQuantizedWeights(plan.Layers[li + 1], spec.Layers[li + 1],
                ExpectedSettings(spec, li + 1), layerSpec.Outputs).SelectMany(n => n.InputIndices));
            if (!isOutput) CheckFolds(layer, unfolded, readByNext);

            // (a) soundness, on random integer inputs, and the real-valued meaning of the integer accumulator.
            long qmax = layer.Input.MaxLevel;
            var x = new long[inputs];
            for (int trial = 0; trial < 20; trial++)
            {
                int mode = rng.Next(3);
                for (int i = 0; i < inputs; i++)
                {
                    x[i] = mode == 0 ? rng.NextInt64(0, qmax + 1) : (rng.Next(2) == 0 ? 0 : qmax);
                }
                for (int j = 0; j < layer.Outputs; j++)
                {
                    var n = layer.Neurons[j];
                    long unfoldedAcc = Accumulate(unfolded[j], x);
                    Assert.InRange(unfoldedAcc, unfolded[j].AccumulatorMin, unfolded[j].AccumulatorMax);
                    CheckRealValue(plan, layer, unfolded[j], layerSpec, j, x, unfoldedAcc);
                    long acc = Accumulate(n, x);
                    Assert.InRange(acc, n.AccumulatorMin, n.AccumulatorMax);
                    if (!isOutput && n.IsConstant)
                    {
                        // No TLU: the exact activation of the bias (or, folded, of any accumulator the neuron reaches),
                        // outside the layer's TLU range if need be.
                        Assert.InRange(n.ConstantOutput, 0, (1L << layer.ActivationBits) - 1);
                        if (!unfolded[j].IsConstant && !readByNext.Contains(j)) continue; // unread: its value does not matter
                        Assert.Equal(n.ConstantOutput, layer.Output!.Quantize(Activations.Apply(layer.Activation, layer.AccumulatorScale(j) * unfoldedAcc)));
                        continue;
                    }
                    Assert.Equal(unfoldedAcc, acc);
                    Assert.InRange(acc, layer.AccumulatorMin, layer.AccumulatorMax);
                    if (!isOutput)
                    {
                        long r = AccumulatorRounding.RoundExact(acc, layer.RoundedBits);
                        Assert.InRange(r, layer.TluInputMin, layer.TluInputMax);
                        var table = plan.Tables[n.Table];
                        Assert.InRange(table.Lookup(r), 0, (1L << layer.ActivationBits) - 1);
                    }
                }
            }

            // (b) tightness: the corners reach the bounds exactly.
            long layerMin = long.MaxValue, layerMax = long.MinValue;
            for (int j = 0; j < layer.Outputs; j++)
            {
                var n = layer.Neurons[j];
                var top = new long[inputs];
                var bottom = new long[inputs];
                for (int k = 0; k < n.InputIndices.Count; k++)
                {
                    if (n.Weights[k] > 0) top[n.InputIndices[k]] = qmax; else bottom[n.InputIndices[k]] = qmax;
                }
                Assert.Equal(n.AccumulatorMax, Accumulate(n, top));
                Assert.Equal(n.AccumulatorMin, Accumulate(n, bottom));
                // A TLU layer's constant neurons need no TLU, so they do not widen the layer's range.
                if (isOutput || !n.IsConstant)
                {
                    layerMin = Math.Min(layerMin, n.AccumulatorMin);
                    layerMax = Math.Max(layerMax, n.AccumulatorMax);
                }
            }
            if (layerMin > layerMax) layerMin = layerMax = 0;
            Assert.Equal(layerMin, layer.AccumulatorMin);
            Assert.Equal(layerMax, layer.AccumulatorMax);
            Assert.Equal(IntegerRange.BitsFor(layerMin, layerMax), layer.AccumulatorBits);

            if (isOutput)
            {
                Assert.Equal(0, layer.RoundedBits);
                Assert.False(layer.RoundedExtraBit);
                Assert.Equal(layer.AccumulatorBits, layer.TluInputBits);
                Assert.True(layer.AccumulatorBits <= ModelSpec.HardLimitBits);
                Assert.Null(layer.Output);
                Assert.Equal(0, layer.PbsCount);
                Assert.All(layer.Neurons, n => Assert.Equal(-1, n.Table));
                continue;
            }

            Assert.Equal(AccumulatorRounding.RoundExact(layerMin, layer.RoundedBits), layer.TluInputMin);
            Assert.Equal(AccumulatorRounding.RoundExact(layerMax, layer.RoundedBits), layer.TluInputMax);
            Assert.Equal(IntegerRange.BitsFor(layer.TluInputMin, layer.TluInputMax), layer.TluInputBits);
            if (expected.RoundBits is int p)
            {
                Assert.True(layer.TluInputBits <= p, $"{layer.Name}: TLU {layer.TluInputBits} bits, requested {p}");
                var choice = RoundingPlanner.Plan(layerMin, layerMax, p);
                Assert.Equal(choice.Lsbs, layer.RoundedBits);
                Assert.Equal(choice.ExtraBit, layer.RoundedExtraBit);
                if (layer.AccumulatorBits <= p) Assert.Equal(0, layer.RoundedBits);
                else Assert.InRange(layer.RoundedBits, layer.AccumulatorBits - p - 1, layer.AccumulatorBits - p + 1);
            }
            else
            {
                Assert.Equal(0, layer.RoundedBits);
                Assert.Equal(layer.AccumulatorBits, layer.TluInputBits);
            }
            bool overBudget = layer.TluInputBits > spec.PbsBudgetBits;
            Assert.Equal(overBudget, result.Diagnostics.Any(d => d.Id == DiagnosticIds.OverBudget && d.Target.Index == li));
            Assert.Equal(layer.Neurons.Count(n => n.Weights.Count > 0), layer.PbsCount);

            CheckOutputQuantizer(layer, unfolded, layerSpec, expected);
            TableTests.CheckTables(plan, layer);
        }
        TableTests.CheckTablesDistinctAndUsed(plan);
        Assert.Equal(plan.Layers.Sum(l => l.PbsCount), plan.PbsCount);
    }

    internal static long Accumulate(NeuronPlan n, long[] x)
    {
        long acc = n.Bias;
        for (int k = 0; k < n.InputIndices.Count; k++) acc += n.Weights[k] * x[n.InputIndices[k]];
        return acc;
    }

    /// <summary>Weights are the symmetric quantization of the kept weights, with per-tensor or per-channel scales.</summary>
    /// <summary>
    /// Checks the quantized weights and returns each neuron as quantization alone makes it (before a constant
    /// output folds it, which drops its weights but keeps its integer bias).
    /// </summary>
    /// <summary>The first layer's domain: the model-wide input range, or with per-feature ranges the unit range of the normalized inputs.</summary>
    internal static UniformQuantizer ExpectedFirstDomain(ModelSpec spec) => spec.HasFeatureRanges
        ? UniformQuantizer.ForRange(spec.InputBits, 0, 1)
        : UniformQuantizer.ForRange(spec.InputBits, spec.InputMin, spec.InputMax);

    /// <summary>With per-feature ranges, the first layer quantizes w_i times feature i's range width; else null (the weights as declared).</summary>
    internal static float[]? ExpectedFirstWeights(ModelSpec spec)
    {
        if (!spec.HasFeatureRanges) return null;
        var w = spec.Layers[0].Weights.ToArray();
        for (int k = 0; k < w.Length; k++) w[k] = (float)(w[k] * ((double)spec.FeatureMax[k % spec.Inputs] - spec.FeatureMin[k % spec.Inputs]));
        return w;
    }

    private static NeuronPlan[] CheckQuantizedWeights(LayerPlan layer, LayerSpec spec, Expected expected, int inputs, float[]? weights = null)
    {
        var unfolded = new NeuronPlan[spec.Outputs];
        float[] w = weights ?? spec.Weights.ToArray();
        var keep = ExpectedKeep(w, spec.Outputs, inputs, expected.MaxActive);
        var rowMax = new double[spec.Outputs];
        for (int j = 0; j < spec.Outputs; j++)
        {
            for (int i = 0; i < inputs; i++)
            {
                if (keep[j][i]) rowMax[j] = Math.Max(rowMax[j], Math.Abs((double)w[j * inputs + i]));
            }
        }
        double globalMax = rowMax.Max();
        for (int j = 0; j < spec.Outputs; j++)
        {
            // Per-channel rows below float32 resolution beside the layer's largest weight are float noise: zero.
            double maxAbs = expected.PerChannel ? (rowMax[j] >= globalMax / (1 << 24) ? rowMax[j] : 0) : globalMax;
            double scale = maxAbs > 0 ? maxAbs / ((1L << (expected.WeightBits - 1)) - 1) : 1.0;
            Assert.Equal(scale, layer.WeightScales[j]);
            var indices = new List<int>();
            var values = new List<long>();
            for (int i = 0; i < inputs; i++)
            {
                if (!keep[j][i]) continue;
                long q = WeightQuantizer.Quantize(w[j * inputs + i], scale, expected.WeightBits);
                if (q != 0) { indices.Add(i); values.Add(q); }
            }
            var n = layer.Neurons[j];
            long qmax = layer.Input.MaxLevel;
            unfolded[j] = new NeuronPlan
            {
                InputIndices = new EquatableArray<int>(indices.ToArray()),
                Weights = new EquatableArray<long>(values.ToArray()),
                Bias = n.Bias,
                AccumulatorMin = n.Bias + values.Where(v => v < 0).Sum() * qmax,
                AccumulatorMax = n.Bias + values.Where(v => v > 0).Sum() * qmax,
            };
            if (n.IsConstant && values.Count > 0)
            {
                // Folded: only a hidden layer's neuron, and it keeps its bias as its one accumulator value.
                Assert.False(layer.IsOutput);
                Assert.Equal((n.Bias, n.Bias), (n.AccumulatorMin, n.AccumulatorMax));
            }
            else
            {
                Assert.Equal(indices, n.InputIndices);
                Assert.Equal(values, n.Weights);
            }
            Assert.All(values, v => Assert.InRange(Math.Abs(v), 1, (1L << (expected.WeightBits - 1)) - 1));
        }
        if (!expected.PerChannel) Assert.All(layer.WeightScales, s => Assert.Equal(layer.WeightScales[0], s));
        return unfolded;
    }

    /// <summary>
    /// A hidden neuron is folded exactly when its output level is the same at both ends of its unfolded range (then
    /// its constant is that level), or when no weight of the next layer reads it (<paramref name="read"/>).
    /// </summary>
    private static void CheckFolds(LayerPlan layer, NeuronPlan[] unfolded, HashSet<int> read)
    {
        int folded = 0, unread = 0;
        for (int j = 0; j < layer.Outputs; j++)
        {
            var u = unfolded[j];
            if (u.IsConstant) continue;
            double s = layer.AccumulatorScale(j);
            long low = layer.Output!.Quantize(Activations.Apply(layer.Activation, s * u.AccumulatorMin));
            long high = layer.Output.Quantize(Activations.Apply(layer.Activation, s * u.AccumulatorMax));
            bool isRead = read.Contains(j);
            Assert.Equal(low == high || !isRead, layer.Neurons[j].IsConstant);
            if (low == high)
            {
                folded++;
                Assert.Equal(low, layer.Neurons[j].ConstantOutput);
            }
            else if (!isRead) unread++;
        }
        Assert.Equal((folded, unread), (layer.FoldedNeurons, layer.UnreadNeurons));
    }

    /// <summary>
    /// acc * s_w * s_x is the real pre-activation of the quantized weights on the dequantized inputs, up to the
    /// rounding of the folded bias (half an accumulator unit).
    /// </summary>
    private static void CheckRealValue(CircuitPlan plan, LayerPlan layer, NeuronPlan n, LayerSpec spec, int j, long[] x, long acc)
    {
        double sw = layer.WeightScales[j];
        double real = spec.Bias.Count > 0 ? spec.Bias[j] : 0.0;
        double magnitude = Math.Abs(real);
        for (int k = 0; k < n.InputIndices.Count; k++)
        {
            int i = n.InputIndices[k];
            // Per-feature: the quantized weight is of w_i times the range width, and the input is feature i's real value.
            var feature = layer.Index == 0 && plan.Features is { } features ? features[i] : null;
            double term = feature is null
                ? n.Weights[k] * sw * layer.Input.Dequantize(x[i])
                : n.Weights[k] * sw / (feature.Scale * feature.MaxLevel) * feature.Dequantize(x[i]);
            real += term;
            magnitude += Math.Abs(term);
        }
        double unit = layer.AccumulatorScale(j);
        double error = Math.Abs(acc * unit - real);
        Assert.True(error <= unit / 2 + 1e-9 * (magnitude + Math.Abs(acc * unit)) + 1e-12,
            $"{layer.Name}[{j}]: accumulator {acc} x {unit} = {acc * unit}, real {real}");
    }

    private static void CheckOutputQuantizer(LayerPlan layer, NeuronPlan[] unfolded, LayerSpec spec, Expected expected)
    {
        UniformQuantizer want;
        if (expected.OutMin is double lo && expected.OutMax is double hi)
        {
            want = UniformQuantizer.ForRange(expected.ActivationBits, lo, hi);
        }
        else
        {
            // Every neuron's unfolded bounds: the quantizer is chosen before folding, so folds cannot move it.
            double zMin = Enumerable.Range(0, layer.Outputs).Min(j => layer.AccumulatorScale(j) * unfolded[j].AccumulatorMin);
            double zMax = Enumerable.Range(0, layer.Outputs).Max(j => layer.AccumulatorScale(j) * unfolded[j].AccumulatorMax);
            want = UniformQuantizer.ForRange(expected.ActivationBits, Activations.Apply(spec.Activation, zMin), Activations.Apply(spec.Activation, zMax));
        }
        Assert.Equal(want, layer.Output);
    }

    [Fact]
    public void Hand_model_bounds()
    {
        // 3 inputs in [0, 15] (4 bits), weights 8-bit with max 127 -> scale 1: q = w.
        var spec = SpecBuilder.Create(3).InputBits(4).InputRange(0, 15)
            .Dense("h", 2, new float[] { 127, -3, 5, 0, -127, 2 }, new float[] { 10, -4 }, ActivationKind.Relu, 0, 1)
            .Dense("out", 1, new float[] { 1, 1 }, null, ActivationKind.Identity)
            .Quantize("h", 8, 4, false)
            .Build();
        var plan = CircuitCompiler.Compile(spec).PlanOrThrow();
        var h = plan.Layers[0];
        Assert.Equal(new long[] { 127, -3, 5 }, h.Neurons[0].Weights);
        Assert.Equal(new[] { 1, 2 }, h.Neurons[1].InputIndices);
        // neuron 0: 10 + 15 * (127 + 5) = 1990; 10 - 15 * 3 = -35. neuron 1: -4 + 30 = 26; -4 - 1905 = -1909.
        Assert.Equal((-35L, 1990L), (h.Neurons[0].AccumulatorMin, h.Neurons[0].AccumulatorMax));
        Assert.Equal((-1909L, 26L), (h.Neurons[1].AccumulatorMin, h.Neurons[1].AccumulatorMax));
        Assert.Equal((-1909L, 1990L), (h.AccumulatorMin, h.AccumulatorMax));
        Assert.Equal(12, h.AccumulatorBits);
    }

    [Theory]
    [InlineData(0.5f, 1)]
    [InlineData(-0.5f, -1)]
    [InlineData(2.5f, 3)]
    [InlineData(-2.5f, -3)]
    [InlineData(1.25f, 1)]
    [InlineData(-1.75f, -2)]
    public void Bias_rounds_to_nearest_with_halves_away_from_zero(float bias, long expected)
    {
        // One input in [0, 1] (1 bit, scale 1) and one 2-bit weight 1.0 (scale 1): the bias is in accumulator units.
        var spec = SpecBuilder.Create(1).InputBits(1).InputRange(0, 1)
            .Dense("out", 1, new float[] { 1 }, new float[] { bias }, ActivationKind.Identity)
            .Quantize("out", 2, null, null)
            .Build();
        var n = CircuitCompiler.Compile(spec).PlanOrThrow().Layers[0].Neurons[0];
        Assert.Equal(expected, n.Bias);
        Assert.Equal((expected, expected + 1), (n.AccumulatorMin, n.AccumulatorMax));
    }

    [Fact]
    public void Input_offset_is_folded_into_the_bias()
    {
        // Inputs in [-1, 2] with 2 bits: levels are -1, 0, 1, 2 (scale 1, offset -1).
        // w = [1, 1] (2 bits: q = [1, 1], scale 1), b = 0.5.
        var spec = SpecBuilder.Create(2).InputBits(2).InputRange(-1, 2)
            .Dense("out", 1, new float[] { 1, 1 }, new float[] { 0.5f }, ActivationKind.Identity)
            .Quantize("out", 2, null, null)
            .Build();
        var n = CircuitCompiler.Compile(spec).PlanOrThrow().Layers[0].Neurons[0];
        // z = (q0 - 1) + (q1 - 1) + 0.5 = q0 + q1 - 1.5 -> bias -1.5 rounds half away to -2.
        Assert.Equal(-2, n.Bias);
        Assert.Equal((-2L, 4L), (n.AccumulatorMin, n.AccumulatorMax));
    }
}
