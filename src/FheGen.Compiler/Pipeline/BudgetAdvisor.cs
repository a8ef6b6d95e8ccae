using System;
using System.Collections.Generic;
using FheGen.Compiler.Bounds;
using FheGen.Compiler.Diagnostics;
using FheGen.Compiler.Model;
using FheGen.Compiler.Plan;
using FheGen.Compiler.Quantization;

namespace FheGen.Compiler.Pipeline
{
    /// <summary>The remedies for a layer over budget.</summary>
    /// <param name="Text">The sentence appended to FHE0001 (starts with ". Fits with: ").</param>
    /// <param name="RoundLsbs">LSBs that rounding to the budget removes.</param>
    /// <param name="MaxActiveInputs">Largest MaxActiveInputs that fits, exact for these weights, if any fits.</param>
    /// <param name="WorstCaseMaxActiveInputs">Concrete ML's weight-independent rule.</param>
    /// <param name="WeightBits">Largest lower weight width that fits, if any.</param>
    /// <param name="InputBits">Largest lower input (previous activation) width that fits, if any.</param>
    public sealed record BudgetAdvice(string Text, int RoundLsbs, int? MaxActiveInputs, long WorstCaseMaxActiveInputs, int? WeightBits, int? InputBits);

    /// <summary>
    /// Computes exact remedies by recompiling the one layer under changed settings (pruning keeps the largest
    /// weights, so the weight scale and bias do not move and bounds shrink monotonically with fewer inputs).
    /// </summary>
    public static class BudgetAdvisor
    {
        /// <summary>Remedies that bring layer <paramref name="layer"/>'s TLU input within <paramref name="budget"/> bits.</summary>
        public static BudgetAdvice Remedies(ModelSpec spec, LayerPlan layer, LayerSettings settings, UniformQuantizer domain, int budget)
        {
            int index = layer.Index;
            string name = layer.Name;
            var parts = new List<string>();

            var rounding = RoundingPlanner.Plan(layer.AccumulatorMin, layer.AccumulatorMax, budget);
            parts.Add($"[RoundAccumulator(\"{name}\", Bits = {budget})] (removes {Text.Count(rounding.Lsbs, "LSB")}{(rounding.ExtraBit ? ", one for the carry at the top of the range" : "")}" +
                RoundingCostNote(spec, layer, rounding.Lsbs, budget) + ")");

            int? bestK = LargestFittingFanIn(spec, index, settings, domain, budget);
            long worst = IntegerRange.WorstCaseMaxFanIn(budget, settings.WeightBits, domain.Bits);
            parts.Add(bestK is int k
                ? $"[Prune(\"{name}\", MaxActiveInputs = {k})] (weight-independent rule: {worst})"
                : $"no MaxActiveInputs fits (even one input per neuron needs more than {budget} bits)");

            int? weightBits = null;
            for (int w = settings.WeightBits - 1; w >= 2; w--)
            {
                if (Fits(spec, index, settings with { WeightBits = w }, domain, budget))
                {
                    weightBits = w;
                    break;
                }
            }
            if (weightBits is int wb) parts.Add($"WeightBits = {wb}");

            int? inputBits = null;
            for (int a = domain.Bits - 1; a >= 1; a--)
            {
                var narrower = UniformQuantizer.ForRange(a, domain.Offset, domain.Max);
                if (Fits(spec, index, settings, narrower, budget))
                {
                    inputBits = a;
                    break;
                }
            }
            if (inputBits is int ib)
            {
                parts.Add(index == 0
                    ? $"InputBits = {ib}"
                    : $"ActivationBits = {ib} on '{spec.Layers[index - 1].Name}'");
            }

            return new BudgetAdvice(". Fits with: " + string.Join("; ", parts), rounding.Lsbs, bestK, worst, weightBits, inputBits);
        }

        /// <summary>
        /// The estimated effect of the suggested rounding on one neuron's lookup: "; est. 232 ms -> 20.6 ms per PBS
        /// (exact), 11.8 ms (approximate)". Empty when the current lookup is too wide to price.
        /// </summary>
        private static string RoundingCostNote(ModelSpec spec, LayerPlan layer, int lsbs, int budget)
        {
            double p = spec.GlobalPError is double g ? CircuitPlan.PerTluPError(g, Math.Max(1, layer.PbsCount)) : spec.PError;
            int tlu = IntegerRange.BitsFor(AccumulatorRounding.RoundExact(layer.AccumulatorMin, lsbs), AccumulatorRounding.RoundExact(layer.AccumulatorMax, lsbs));
            if (tlu > budget || lsbs == 0) return "";
            double now = layer.TluInputBits <= ModelSpec.HardLimitBits
                ? Cost.CostModel.NeuronLatencyMs(layer.AccumulatorBits, layer.RoundedBits, layer.TluInputBits, p, Cost.CostModel.DefaultRounding(layer))
                : double.PositiveInfinity;
            double exact = Cost.CostModel.NeuronLatencyMs(layer.AccumulatorBits, lsbs, tlu, p, Cost.RoundingCostKind.Exact);
            double approximate = Cost.CostModel.NeuronLatencyMs(layer.AccumulatorBits, lsbs, tlu, p, Cost.RoundingCostKind.Approximate);
            return $"; est. {Cost.CostModel.FormatLatency(now)} -> {Cost.CostModel.FormatLatency(exact)} per neuron, " +
                $"{Cost.CostModel.FormatLatency(approximate)} with Method = Rounding.Approximate";
        }

        /// <summary>
        /// The largest <c>MaxActiveInputs</c> below the current one whose TLU input fits <paramref name="budget"/> bits,
        /// exact for these weights. Every k is evaluated (fit is not monotone in k: the input offset's share of the bias
        /// and the rounding both move with it) from prefix sums over each neuron's magnitude order, which pruning keeps,
        /// so the cost is one sort per neuron plus O(outputs x inputs).
        /// </summary>
        public static int? LargestFittingFanIn(ModelSpec spec, int index, LayerSettings settings, UniformQuantizer domain, int budget)
        {
            var layer = spec.Layers[index];
            int inputs = index == 0 ? spec.Inputs : spec.Layers[index - 1].Outputs;
            int limit = Math.Min(inputs, settings.MaxActiveInputs ?? inputs) - 1;
            if (limit < 1) return null;
            float[] weights = layer.Weights.Items;
            float[]? bias = layer.BiasStatus == MemberStatus.Ok ? layer.Bias.Items : null;
            // The largest weight of each row survives any k >= 1, so the scales do not depend on k.
            var all = LayerCompiler.Prune(weights, layer.Outputs, inputs, null);
            double[] scales = LayerCompiler.WeightScales(weights, all, layer.Outputs, inputs, settings.WeightBits, settings.PerChannel);
            var min = new long[limit + 1];
            var max = new long[limit + 1];
            for (int k = 1; k <= limit; k++)
            {
                min[k] = long.MaxValue;
                max[k] = long.MinValue;
            }
            long qmax = domain.MaxLevel;
            try
            {
                for (int j = 0; j < layer.Outputs; j++)
                {
                    var order = LayerCompiler.MagnitudeOrder(weights, j, inputs);
                    long sumAll = 0, sumPositive = 0, sumNegative = 0;
                    int active = 0;
                    for (int k = 1; k <= limit; k++)
                    {
                        long q = WeightQuantizer.Quantize(weights[j * inputs + order[k - 1]], scales[j], settings.WeightBits);
                        sumAll += q;
                        if (q > 0) sumPositive += q; else sumNegative += q;
                        if (q != 0) active++;
                        // As in the compiler, a neuron left with no weight is a constant and widens no TLU.
                        if (active == 0) continue;
                        long bq = LayerCompiler.IntegerBias(layer.Name, j, bias is null ? 0.0 : bias[j], domain, scales[j], sumAll);
                        min[k] = Math.Min(min[k], checked(bq + sumNegative * qmax));
                        max[k] = Math.Max(max[k], checked(bq + sumPositive * qmax));
                    }
                }
            }
            catch (Exception e) when (e is OverflowException || e is CircuitCompilationException)
            {
                return null;
            }
            for (int k = limit; k >= 1; k--)
            {
                if (min[k] > max[k]) min[k] = max[k] = 0;
                var rounding = RoundingPlanner.Plan(min[k], max[k], settings.RoundBits);
                long lo = AccumulatorRounding.RoundExact(min[k], rounding.Lsbs), hi = AccumulatorRounding.RoundExact(max[k], rounding.Lsbs);
                if (IntegerRange.BitsFor(lo, hi) <= budget) return k;
            }
            return null;
        }

        private static bool Fits(ModelSpec spec, int index, LayerSettings settings, UniformQuantizer domain, int budget)
        {
            try
            {
                return LayerCompiler.Compile(spec, index, settings, domain, null).TluInputBits <= budget;
            }
            catch (System.OverflowException)
            {
                return false;
            }
            catch (CircuitCompilationException)
            {
                return false;
            }
        }
    }
}
